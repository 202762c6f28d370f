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
