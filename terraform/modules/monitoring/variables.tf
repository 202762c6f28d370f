variable "project_id" {
  description = "GCP project."
  type        = string
}

variable "environment" {
  description = "staging or production."
  type        = string
}

variable "alert_email" {
  description = "Where alerts go."
  type        = string
}

variable "dead_letter_holds" {
  description = "Subscriptions on dead-letter topics whose backlog raises an alert."
  type        = list(string)
}

variable "error_rate_per_sec" {
  description = "5xx per second that raises an alert."
  type        = number
}
