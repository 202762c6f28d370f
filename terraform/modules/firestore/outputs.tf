output "name" {
  description = "The database name."
  value       = google_firestore_database.main.name
}
