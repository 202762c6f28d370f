output "url" {
  description = "The relay's URL."
  value       = google_cloud_run_v2_service.relay.uri
}
