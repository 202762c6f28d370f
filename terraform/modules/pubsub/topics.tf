resource "google_pubsub_topic" "topic" {
  for_each                   = var.topics
  project                    = var.project_id
  name                       = each.key
  labels                     = var.labels
  message_retention_duration = "86400s"
}

resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = var.publishers
  project  = var.project_id
  topic    = google_pubsub_topic.topic[each.value.topic].name
  role     = "roles/pubsub.publisher"
  member   = each.value.member
}
