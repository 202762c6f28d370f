variable "project_id" {
  description = "GCP project."
  type        = string
}

variable "functions" {
  description = "Topology functions."
  type        = any
}

variable "services" {
  description = "Topology services."
  type        = any
}
