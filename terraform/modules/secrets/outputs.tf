output "ids" {
  description = "Secret id per name."
  value       = { for name, secret in google_secret_manager_secret.secret : name => secret.id }
}
