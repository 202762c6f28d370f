output "urls" {
  description = "Function name -> URL."
  value       = { for name, f in google_cloudfunctions2_function.function : name => f.url }
}
