# Browsers open sockets directly (each authenticated by a single-use ticket); Pub/Sub pushes
# client events with an OIDC token of the push identity, which the relay verifies itself.
# Public access is the service's invoker_iam_disabled (service.tf), not an `allUsers`
# binding, which domain-restricted sharing refuses.

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each  = toset(try(var.service.secrets, []))
  project   = var.project_id
  secret_id = each.key
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${var.service_account}"
}
