variable "project_id" {
  description = "GCP project."
  type        = string
}

variable "location" {
  description = "Firestore location id."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to delete the database."
  type        = bool
}
