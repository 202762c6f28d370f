# Source bundles (a function folder + shared_lib) are zipped by scripts/deploy into
# var.bundle_dir; each object is named by its content hash, so a changed bundle redeploys.
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

locals {
  components = toset([for f in values(var.functions) : f.component])
}

resource "google_storage_bucket_object" "bundle" {
  for_each = local.components
  name     = "${each.key}-${filemd5("${var.bundle_dir}/${each.key}.zip")}.zip"
  bucket   = google_storage_bucket.sources.name
  source   = "${var.bundle_dir}/${each.key}.zip"
}

resource "google_storage_bucket_iam_member" "builder_reads_sources" {
  bucket = google_storage_bucket.sources.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${var.build_service_account}"
}
