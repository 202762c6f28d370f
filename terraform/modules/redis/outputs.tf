output "url" {
  description = "REDIS_URL of the instance."
  value       = "redis://${google_redis_instance.main.host}:${google_redis_instance.main.port}/0"
}
