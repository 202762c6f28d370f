output "topic_ids" {
  description = "Topic id per name."
  value       = { for name, topic in google_pubsub_topic.topic : name => topic.id }
}

output "subscription_ids" {
  description = "Subscription id per name."
  value       = { for name, sub in google_pubsub_subscription.subscription : name => sub.id }
}
