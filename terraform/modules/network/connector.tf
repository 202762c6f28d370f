# Serverless VPC access: functions and the relay reach Cloud SQL and Memorystore through it.
resource "google_vpc_access_connector" "main" {
  project       = var.project_id
  name          = "netra-${substr(var.environment, 0, 4)}-conn"
  region        = var.region
  network       = google_compute_network.main.name
  ip_cidr_range = var.connector_cidr
  min_instances = 2
  max_instances = 3
}
