# Secret containers only. Values are added out of band (gcloud secrets versions add), never
# through Terraform, so no secret value ever reaches state or this repository.
resource "google_secret_manager_secret" "secret" {
  for_each  = var.secrets
  project   = var.project_id
  secret_id = each.key
  labels    = var.labels

  annotations = {
    description = each.value.description
  }

  replication {
    auto {}
  }
}
