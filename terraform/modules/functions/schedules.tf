# Cloud Scheduler calls each `schedule` function at its cron, over HTTP with an OIDC token of
# the scheduler's identity, at the run.app URL (the one that counts as internal for the
# function's internal-only ingress; also the audience Cloud Run's invoker check accepts). HTTP rather than a Pub/Sub topic:
# the sweeper exists for the day messages are lost, so it must not depend on the bus.
locals {
  scheduled = { for name, f in var.functions : name => f if f.trigger == "schedule" }
}

resource "google_cloud_scheduler_job" "schedule" {
  for_each         = local.scheduled
  project          = var.project_id
  region           = var.region
  name             = each.key
  description      = "Calls the ${each.key} function (topology schedule)."
  schedule         = each.value.schedule
  time_zone        = "Etc/UTC"
  attempt_deadline = "${try(each.value.timeout_seconds, var.function_defaults.timeout_seconds)}s"

  # A missed call is made up by the next one: no pile of retries behind a slow sweep.
  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.function[each.key].service_config[0].uri
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode("{}")
    oidc_token {
      service_account_email = var.scheduler_invoker
      audience              = google_cloudfunctions2_function.function[each.key].service_config[0].uri
    }
  }
}
