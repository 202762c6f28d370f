# One service account per function and service: each gets only what the topology says it
# uses, publishes and reads (granted in the modules that own those resources).
resource "google_service_account" "function" {
  for_each     = var.functions
  project      = var.project_id
  account_id   = substr("fn-${each.key}", 0, 30)
  display_name = "Netra function ${each.key}"
}

resource "google_service_account" "service" {
  for_each     = var.services
  project      = var.project_id
  account_id   = substr("svc-${each.key}", 0, 30)
  display_name = "Netra service ${each.key}"
}

# The identity Pub/Sub pushes as (OIDC token); only it may invoke Pub/Sub-triggered targets.
resource "google_service_account" "push_invoker" {
  project      = var.project_id
  account_id   = "pubsub-push-invoker"
  display_name = "Pub/Sub push invoker"
}

# The identity Cloud Scheduler calls `schedule` functions as (OIDC token); only it may invoke them.
resource "google_service_account" "scheduler_invoker" {
  project      = var.project_id
  account_id   = "scheduler-invoker"
  display_name = "Cloud Scheduler invoker"
}

# Cloud Build builds each function as this account: a new project's default Cloud Build
# account lacks the rights (Cloud Build's 2024 change), and a dedicated one is least privilege.
resource "google_service_account" "builder" {
  project      = var.project_id
  account_id   = "function-builder"
  display_name = "Cloud Build for Netra functions and the relay image"
}

# Writes build logs and pushes the built images (functions and relay). It reads the function
# sources from their bucket through a grant on that bucket only (modules/functions).
resource "google_project_iam_member" "builder" {
  for_each = toset(["roles/logging.logWriter", "roles/artifactregistry.writer"])
  project  = var.project_id
  role     = each.key
  member   = "serviceAccount:${google_service_account.builder.email}"
}
