output "function_urls" {
  description = "URL of every function."
  value       = module.platform.function_urls
}

output "relay_url" {
  description = "URL of the relay and web chat."
  value       = module.platform.relay_url
}

output "http_functions" {
  description = "HTTP functions, health-checked by scripts/deploy."
  value       = module.platform.http_functions
}

output "image_repository" {
  description = "Where scripts/deploy pushes the relay image."
  value       = module.platform.image_repository
}

output "builder_email" {
  description = "Service account the relay image is built as (gcloud builds submit --service-account)."
  value       = module.platform.builder_email
}
