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
