# Nothing enters the VPC from outside; traffic inside it (connector -> Cloud SQL, Redis) is allowed.
resource "google_compute_firewall" "deny_ingress" {
  project   = var.project_id
  name      = "netra-${var.environment}-deny-ingress"
  network   = google_compute_network.main.name
  direction = "INGRESS"
  priority  = 65534

  deny {
    protocol = "all"
  }

  source_ranges = ["0.0.0.0/0"]
}

resource "google_compute_firewall" "allow_internal" {
  project   = var.project_id
  name      = "netra-${var.environment}-allow-internal"
  network   = google_compute_network.main.name
  direction = "INGRESS"
  priority  = 1000

  allow {
    protocol = "tcp"
  }

  source_ranges = [var.subnet_cidr, var.connector_cidr]
}
