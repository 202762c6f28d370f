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
  description = "VPC allowed to reach the instance."
  type        = string
}

variable "tier" {
  description = "BASIC or STANDARD_HA."
  type        = string
}

variable "memory_size_gb" {
  description = "Size in GB."
  type        = number
}

variable "labels" {
  description = "Labels."
  type        = map(string)
}
