output "network_id" {
  description = "The VPC."
  value       = google_compute_network.main.id
}

output "vpc_connector_id" {
  description = "The serverless VPC access connector."
  value       = google_vpc_access_connector.main.id

  depends_on = [google_service_networking_connection.private_services]
}
