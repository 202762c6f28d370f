variable "project_id" {
  description = "GCP project."
  type        = string
}

variable "region" {
  description = "Region of the instance."
  type        = string
}

variable "environment" {
  description = "staging or production."
  type        = string
}

variable "network_id" {
  description = "VPC the instance gets its private IP in."
  type        = string
}

variable "tier" {
  description = "Machine tier."
  type        = string
}

variable "high_availability" {
  description = "REGIONAL instead of ZONAL."
  type        = bool
}

variable "deletion_protection" {
  description = "Refuse to delete the instance."
  type        = bool
}

variable "backup_retention" {
  description = "Daily backups kept."
  type        = number
}

variable "iam_users" {
  description = "Service account emails that log in with IAM database authentication."
  type        = list(string)
}
