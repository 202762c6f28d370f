variable "project_id" {
  description = "GCP project."
  type        = string
}
