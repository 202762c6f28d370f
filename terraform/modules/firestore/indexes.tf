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

# The org's changes, newest first (netra_chat.change_store.ChangeStore.list): equality on org_id
# (and on status when the list is filtered) with an order on created_at needs these two.
resource "google_firestore_index" "changes_by_org_newest_first" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "changes"
  query_scope = "COLLECTION"

  fields {
    field_path = "org_id"
    order      = "ASCENDING"
  }

  fields {
    field_path = "created_at"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "changes_by_org_and_status_newest_first" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "changes"
  query_scope = "COLLECTION"

  fields {
    field_path = "org_id"
    order      = "ASCENDING"
  }

  fields {
    field_path = "status"
    order      = "ASCENDING"
  }

  fields {
    field_path = "created_at"
    order      = "DESCENDING"
  }
}
