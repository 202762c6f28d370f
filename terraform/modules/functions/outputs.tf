output "urls" {
  description = "Function name -> URL."
  value       = { for name, f in google_cloudfunctions2_function.function : name => f.url }
}

output "service_uris" {
  description = "Function name -> its run.app URL (service_config uri): Pub/Sub push target and OIDC audience."
  value       = { for name, f in google_cloudfunctions2_function.function : name => f.service_config[0].uri }
}
