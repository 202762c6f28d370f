# Least privilege from the topology: each function's account may read its own secrets, use
# Firestore only if it says so, and (for Pub/Sub targets) be invoked only by the push identity
# (scheduled functions: only by the scheduler's identity). HTTP functions are public without
# any IAM binding: `allUsers` is refused under domain-restricted sharing, so scripts/release.py
# turns the Cloud Run invoker check off on them (a functions resource cannot say so).
locals {
  secret_access = {
    for pair in flatten([for name, f in var.functions : [for secret in try(f.secrets, []) : { function = name, secret = secret }]]) :
    "${pair.function} ${pair.secret}" => pair
  }
  firestore_users = { for name, f in var.functions : name => f if contains(try(f.uses, []), "firestore") }
  # The same identity the function itself checks the caller's OIDC token against (functions.tf).
  invokers = { for name, f in var.functions : name => "serviceAccount:${local.invoker_accounts[f.trigger]}" if f.trigger != "http" }
}

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each  = local.secret_access
  project   = var.project_id
  secret_id = each.value.secret
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${var.service_accounts[each.value.function]}"
}

resource "google_project_iam_member" "firestore_user" {
  for_each = local.firestore_users
  project  = var.project_id
  role     = "roles/datastore.user"
  member   = "serviceAccount:${var.service_accounts[each.key]}"
}

# Pub/Sub targets may be invoked only by the push identity, scheduled functions only by the
# scheduler's. (HTTP functions by anyone, browsers and machines, each checking tokens itself
# through shared_lib.auth: see above.)
resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = local.invokers
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.function[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}
