variable "project_id" {
  description = "GCP project."
  type        = string
}

variable "region" {
  description = "Region of the functions."
  type        = string
}

variable "functions" {
  description = "Topology functions."
  type        = any
}

variable "function_defaults" {
  description = "Topology function defaults (timeout, memory)."
  type        = any
}

variable "secrets" {
  description = "Topology secrets."
  type        = any
}

variable "service_accounts" {
  description = "Function name -> service account email."
  type        = map(string)
}

variable "push_invoker" {
  description = "Service account Pub/Sub pushes as."
  type        = string
}

variable "scheduler_invoker" {
  description = "Service account Cloud Scheduler calls scheduled functions as."
  type        = string
}

variable "build_service_account" {
  description = "Email of the service account Cloud Build builds the functions as."
  type        = string
}

variable "sources_bucket" {
  description = "Bucket the bundles are uploaded to (modules/artifacts; the builder reads it)."
  type        = string
}

variable "bundle_dir" {
  description = "Folder of <component>.zip source bundles."
  type        = string
}

variable "runtime" {
  description = "Python runtime of the functions."
  type        = string
  default     = "python311"
}

variable "vpc_connector" {
  description = "Serverless VPC access connector id."
  type        = string
}

variable "min_instances" {
  description = "Function name -> minimum instances."
  type        = map(number)
}

variable "max_instances" {
  description = "Maximum instances of any function."
  type        = number
}

variable "datastore_env" {
  description = "Datastore name -> environment variables a user of it needs."
  type        = map(map(string))
}

variable "environment_variables" {
  description = "Environment variables every function gets."
  type        = map(string)
}

variable "labels" {
  description = "Labels."
  type        = map(string)
}
