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
