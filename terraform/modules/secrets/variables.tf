variable "project_id" {
  description = "GCP project."
  type        = string
}

variable "secrets" {
  description = "Topology secrets."
  type        = any
}

variable "labels" {
  description = "Labels on every secret."
  type        = map(string)
}
