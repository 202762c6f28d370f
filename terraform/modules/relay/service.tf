# The WebSocket relay: long-lived sockets (1 h request timeout), session affinity so a
# reconnecting browser tends to return to its instance, warm minimum instances.
#
# Traffic is Terraform's only at creation (all to the first revision). Afterwards
# scripts/release.py pins it before an apply (so a new revision starts with none), checks the
# new revision on a tagged URL, then moves it; a rollback is the same move back. Terraform
# ignores traffic, so neither is undone by the next apply.
resource "google_cloud_run_v2_service" "relay" {
  project              = var.project_id
  name                 = "relay"
  location             = var.region
  ingress              = "INGRESS_TRAFFIC_ALL"
  invoker_iam_disabled = true
  deletion_protection  = var.deletion_protection
  labels               = var.labels

  template {
    service_account                  = var.service_account
    timeout                          = "3600s"
    session_affinity                 = true
    max_instance_request_concurrency = 1000

    scaling {
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    vpc_access {
      connector = var.vpc_connector
      egress    = "PRIVATE_RANGES_ONLY"
    }

    containers {
      image = var.image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
      }

      env {
        name  = "NETRA_ENV"
        value = var.environment
      }
      env {
        name  = "NETRA_PROJECT_ID"
        value = var.project_id
      }
      env {
        name  = "REDIS_URL"
        value = var.redis_url
      }
      env {
        name  = "AUTH_URL"
        value = var.auth_url
      }
      env {
        name  = "RELAY_ALLOWED_ORIGINS"
        value = join(",", var.allowed_origins)
      }
      env {
        name  = "RELAY_PUSH_SERVICE_ACCOUNT"
        value = var.push_invoker
      }
      env {
        name  = "RELAY_PUSH_AUDIENCE"
        value = var.push_audience
      }
      env {
        name  = "CHAT_URL"
        value = var.chat_url
      }

      dynamic "env" {
        for_each = [for secret in try(var.service.secrets, []) : secret if try(var.secrets[secret].env, null) != null]
        content {
          name = var.secrets[env.value].env
          value_source {
            secret_key_ref {
              secret  = env.value
              version = "latest"
            }
          }
        }
      }

      startup_probe {
        http_get {
          path = "/health"
        }
      }

      liveness_probe {
        http_get {
          path = "/health"
        }
      }
    }
  }

  traffic {
    type    = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    percent = 100
  }

  lifecycle {
    ignore_changes = [traffic]
  }

  # A secret referenced by name is read when the revision starts: grant first.
  depends_on = [google_secret_manager_secret_iam_member.accessor]
}
