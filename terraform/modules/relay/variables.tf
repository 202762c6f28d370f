variable "project_id" {
  description = "GCP project."
  type        = string
}

variable "region" {
  description = "Region of the service."
  type        = string
}

variable "environment" {
  description = "staging or production."
  type        = string
}

variable "image" {
  description = "Container image."
  type        = string
}

variable "service_account" {
  description = "The relay's service account email."
  type        = string
}

variable "push_invoker" {
  description = "Service account Pub/Sub pushes as (the relay checks the token's email)."
  type        = string
}

variable "push_audience" {
  description = "Audience of the OIDC token Pub/Sub pushes with (the relay checks it)."
  type        = string
}

variable "chat_url" {
  description = "CHAT_URL: where the web chat calls the chat API."
  type        = string
}

variable "vpc_connector" {
  description = "Serverless VPC access connector id (Memorystore)."
  type        = string
}

variable "min_instances" {
  description = "Minimum instances."
  type        = number
}

variable "max_instances" {
  description = "Maximum instances."
  type        = number
}

variable "deletion_protection" {
  description = "Refuse to delete the service."
  type        = bool
}

variable "secrets" {
  description = "Topology secrets."
  type        = any
}

variable "service" {
  description = "The relay's entry in the topology's services."
  type        = any
}

variable "redis_url" {
  description = "REDIS_URL (Memorystore)."
  type        = string
}

variable "auth_url" {
  description = "AUTH_URL (JWKS for ticket issuance checks)."
  type        = string
}

variable "allowed_origins" {
  description = "Browser origins allowed to open sockets."
  type        = list(string)
}

variable "labels" {
  description = "Labels."
  type        = map(string)
}
