variable "project_id" {
  description = "GCP project."
  type        = string
}

variable "region" {
  description = "Region of the subnet and connector."
  type        = string
}

variable "environment" {
  description = "staging or production."
  type        = string
}

variable "subnet_cidr" {
  description = "Primary range of the subnet."
  type        = string
  default     = "10.10.0.0/20"
}

variable "connector_cidr" {
  description = "/28 range of the serverless VPC connector."
  type        = string
  default     = "10.8.0.0/28"
}
