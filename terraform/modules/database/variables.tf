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
  description = "Machine tier: a custom machine (db-custom-CPUS-MEMORY_MB) of the Enterprise edition."
  type        = string
  validation {
    condition     = can(regex("^db-custom-[0-9]+-[0-9]+$", var.tier))
    error_message = "database_tier must be db-custom-CPUS-MEMORY_MB (the instance is of the Enterprise edition)."
  }
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
  description = "Function name -> service account email of each function that logs in with IAM database authentication."
  type        = map(string)
}
