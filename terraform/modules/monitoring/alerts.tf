resource "google_monitoring_notification_channel" "email" {
  project      = var.project_id
  display_name = "Netra ${var.environment} on-call"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }
}

locals {
  # 5xx rate per Cloud Run service: the functions together (per service), and the relay.
  error_policies = {
    function = { title = "function 5xx rate", services = "resource.labels.service_name != \"relay\"" }
    relay    = { title = "relay 5xx", services = "resource.labels.service_name = \"relay\"" }
  }
}

resource "google_monitoring_alert_policy" "errors" {
  for_each              = local.error_policies
  project               = var.project_id
  display_name          = "Netra ${var.environment}: ${each.value.title}"
  combiner              = "OR"
  notification_channels = [google_monitoring_notification_channel.email.id]

  conditions {
    display_name = "5xx responses per second above ${var.error_rate_per_sec}"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"run.googleapis.com/request_count\" AND metric.labels.response_code_class = \"5xx\" AND ${each.value.services}"
      comparison      = "COMPARISON_GT"
      threshold_value = var.error_rate_per_sec
      duration        = "300s"
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name"]
      }
    }
  }
}

# Anything in a dead-letter topic is a step, event or usage batch that failed every attempt.
resource "google_monitoring_alert_policy" "dead_letter_backlog" {
  project               = var.project_id
  display_name          = "Netra ${var.environment}: dead-letter backlog"
  combiner              = "OR"
  notification_channels = [google_monitoring_notification_channel.email.id]

  dynamic "conditions" {
    for_each = toset(var.dead_letter_holds)
    content {
      display_name = "messages waiting in ${conditions.value}"
      condition_threshold {
        filter          = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.labels.subscription_id = \"${conditions.value}\""
        comparison      = "COMPARISON_GT"
        threshold_value = 0
        duration        = "300s"
        aggregations {
          alignment_period   = "60s"
          per_series_aligner = "ALIGN_MAX"
        }
      }
    }
  }
}
