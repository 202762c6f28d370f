# Pub/Sub's own service agent moves messages to dead-letter topics: it must publish to them
# and subscribe to (acknowledge on) the subscriptions it moves them from. It also mints the
# OIDC tokens pushes carry.
data "google_project" "this" {
  project_id = var.project_id
}

locals {
  pubsub_agent                = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  dead_letter_topics          = toset([for sub in var.subscriptions : sub.dead_letter.topic if try(sub.dead_letter, null) != null])
  dead_lettered_subscriptions = toset([for name, sub in var.subscriptions : name if try(sub.dead_letter, null) != null])
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.dead_letter_topics
  project  = var.project_id
  topic    = google_pubsub_topic.topic[each.key].name
  role     = "roles/pubsub.publisher"
  member   = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each     = local.dead_lettered_subscriptions
  project      = var.project_id
  subscription = google_pubsub_subscription.subscription[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

resource "google_service_account_iam_member" "push_token_creator" {
  service_account_id = "projects/${var.project_id}/serviceAccounts/${var.push_invoker}"
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}
