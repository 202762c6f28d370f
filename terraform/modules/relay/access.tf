# Browsers open sockets directly (each authenticated by a single-use ticket); Pub/Sub pushes
# client events with an OIDC token of the push identity, which the relay verifies.
resource "google_cloud_run_v2_service_iam_member" "public" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.relay.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each  = toset(try(var.service.secrets, []))
  project   = var.project_id
  secret_id = each.key
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${var.service_account}"
}
