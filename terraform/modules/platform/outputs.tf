output "function_urls" {
  description = "URL of every function."
  value       = local.function_urls
}

output "relay_url" {
  description = "URL of the WebSocket relay (and the web chat)."
  value       = module.relay.url
}

output "http_functions" {
  description = "Names of the HTTP functions (health-checked after a deploy)."
  value       = [for name, f in local.functions : name if f.trigger == "http"]
}

output "image_repository" {
  description = "Where scripts/deploy pushes the relay image (REGION-docker.pkg.dev/PROJECT/netra)."
  value       = module.artifacts.docker_prefix
}

output "builder_email" {
  description = "Service account the relay image and the functions are built as."
  value       = module.identities.builder_email
}

output "sources_bucket" {
  description = "Bucket of the function bundles and the relay's build context."
  value       = module.artifacts.sources_bucket
}
