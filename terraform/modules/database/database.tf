resource "google_sql_database" "netra" {
  project  = var.project_id
  name     = "netra"
  instance = google_sql_database_instance.main.name
}
