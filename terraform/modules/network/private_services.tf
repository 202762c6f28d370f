# Private service access: Cloud SQL and Memorystore get addresses inside the VPC only.
resource "google_compute_global_address" "private_services" {
  project       = var.project_id
  name          = "netra-${var.environment}-private-services"
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  prefix_length = 16
  network       = google_compute_network.main.id
}

resource "google_service_networking_connection" "private_services" {
  network                 = google_compute_network.main.id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.private_services.name]
}
