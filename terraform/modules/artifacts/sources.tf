# What builds read: the function bundles (scripts/deploy uploads them through modules/functions)
# and the relay's build context (gcloud builds submit --gcs-source-staging-dir). Created in the
# bootstrap apply with the repository, so the first image build can use it; the builder reads
# it and nothing else (no project-wide storage role: the state bucket lives in this project).
resource "google_storage_bucket" "sources" {
  project                     = var.project_id
  name                        = "${var.project_id}-netra-function-sources"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  labels                      = var.labels

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age = 90
    }
    action {
      type = "Delete"
    }
  }
}

resource "google_storage_bucket_iam_member" "builder_reads" {
  bucket = google_storage_bucket.sources.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${var.builder_email}"
}
