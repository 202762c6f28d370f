# The sweeper's queries: runs in a status, quiet since a time (runs.RunStore.quiet_since,
# ended_owing). Equality (or `in`) on status plus a range on updated_at needs this index.
resource "google_firestore_index" "runs_by_status_and_update" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "runs"
  query_scope = "COLLECTION"

  fields {
    field_path = "status"
    order      = "ASCENDING"
  }

  fields {
    field_path = "updated_at"
    order      = "ASCENDING"
  }
}
