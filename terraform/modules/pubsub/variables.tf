variable "project_id" {
  description = "GCP project."
  type        = string
}

variable "topics" {
  description = "Topology topics."
  type        = any
}

variable "subscriptions" {
  description = "Topology subscriptions."
  type        = any
}

variable "defaults" {
  description = "Topology subscription defaults (ack deadline, retry policy)."
  type        = any
}

variable "push_invoker" {
  description = "Service account email pushes authenticate as (OIDC)."
  type        = string
}

variable "function_urls" {
  description = "Function name -> URL."
  type        = map(string)
}

variable "service_urls" {
  description = "Service name -> URL."
  type        = map(string)
}

variable "service_audiences" {
  description = "Service name -> audience of the OIDC token pushed to it (a service cannot know its own URL)."
  type        = map(string)
}

variable "publishers" {
  description = "Topic -> members allowed to publish."
  type        = map(list(string))
}

variable "labels" {
  description = "Labels."
  type        = map(string)
}
