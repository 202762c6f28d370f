locals {
  # Where each push subscription delivers. A function is pushed to at /projects/P/topics/T
  # (functions-framework takes the CloudEvent source from that path) of its run.app URL:
  # its ingress is internal-only, and only the run.app URL counts as internal for Pub/Sub
  # (a push to the cloudfunctions.net URL is refused and dead-lettered). The audience is
  # that URL too, which Cloud Run's invoker check accepts.
  push = {
    for name, sub in var.subscriptions : name => {
      endpoint = try(
        "${var.push_urls[sub.push.function]}/projects/${var.project_id}/topics/${sub.topic}",
        "${var.service_urls[sub.push.service]}${try(sub.push.path, "/")}",
      )
      audience = try(var.push_urls[sub.push.function], var.service_audiences[sub.push.service])
    } if try(sub.push, null) != null
  }
}

resource "google_pubsub_subscription" "subscription" {
  for_each                   = var.subscriptions
  project                    = var.project_id
  name                       = each.key
  topic                      = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds       = try(each.value.ack_deadline_seconds, var.defaults.ack_deadline_seconds)
  message_retention_duration = "604800s"
  labels                     = var.labels

  retry_policy {
    minimum_backoff = "${try(each.value.retry_policy.minimum_backoff_seconds, var.defaults.retry_policy.minimum_backoff_seconds)}s"
    maximum_backoff = "${try(each.value.retry_policy.maximum_backoff_seconds, var.defaults.retry_policy.maximum_backoff_seconds)}s"
  }

  expiration_policy {
    ttl = ""
  }

  dynamic "push_config" {
    for_each = contains(keys(local.push), each.key) ? [local.push[each.key]] : []
    content {
      push_endpoint = push_config.value.endpoint
      oidc_token {
        service_account_email = var.push_invoker
        audience              = push_config.value.audience
      }
    }
  }

  dynamic "dead_letter_policy" {
    for_each = try(each.value.dead_letter, null) == null ? [] : [each.value.dead_letter]
    content {
      dead_letter_topic     = google_pubsub_topic.topic[dead_letter_policy.value.topic].id
      max_delivery_attempts = dead_letter_policy.value.max_delivery_attempts
    }
  }
}
