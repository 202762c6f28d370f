# Reachable only through private service access inside the VPC; see terraform/.checkov.yaml
# for why AUTH and in-transit TLS are off.
resource "google_redis_instance" "main" {
  project                 = var.project_id
  name                    = "netra-${var.environment}"
  region                  = var.region
  tier                    = var.tier
  memory_size_gb          = var.memory_size_gb
  redis_version           = "REDIS_7_2"
  authorized_network      = var.network_id
  connect_mode            = "PRIVATE_SERVICE_ACCESS"
  transit_encryption_mode = "DISABLED"
  labels                  = var.labels

  maintenance_policy {
    weekly_maintenance_window {
      day = "SUNDAY"
      start_time {
        hours   = 3
        minutes = 0
      }
    }
  }
}
