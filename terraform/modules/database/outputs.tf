output "connection_name" {
  description = "project:region:instance, for the Cloud SQL connector."
  value       = google_sql_database_instance.main.connection_name
}

output "database_name" {
  description = "The application database."
  value       = google_sql_database.netra.name
}
