variable "project_id" {
  description = "GCP project."
  type        = string
}

variable "region" {
  description = "Region of the repository and the bucket (the platform's region)."
  type        = string
}

variable "builder_email" {
  description = "Service account the builds run as (reads the sources bucket)."
  type        = string
}

variable "labels" {
  description = "Labels."
  type        = map(string)
}
