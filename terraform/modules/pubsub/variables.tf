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

variable "push_urls" {
  description = "Function name -> its run.app URL (service_config uri): the only URL Pub/Sub push counts as internal, and the OIDC audience."
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
  description = "\"topic principal\" -> {topic, member} allowed to publish (keys from the topology: known at plan time)."
  type        = map(object({ topic = string, member = string }))
}

variable "labels" {
  description = "Labels."
  type        = map(string)
}
