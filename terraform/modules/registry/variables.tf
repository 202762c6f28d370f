variable "project_id" {
  description = "GCP project."
  type        = string
}

variable "region" {
  description = "Region of the repository (the relay's region)."
  type        = string
}

variable "labels" {
  description = "Labels."
  type        = map(string)
}
