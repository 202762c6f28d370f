output "function_emails" {
  description = "Service account email per function."
  value       = { for name, account in google_service_account.function : name => account.email }
}

output "service_emails" {
  description = "Service account email per service."
  value       = { for name, account in google_service_account.service : name => account.email }
}

output "push_invoker_email" {
  description = "Service account Pub/Sub pushes as."
  value       = google_service_account.push_invoker.email
}

output "scheduler_invoker_email" {
  description = "Service account Cloud Scheduler calls scheduled functions as."
  value       = google_service_account.scheduler_invoker.email
}

output "postgres_users" {
  description = "Service accounts that log in to Cloud SQL (IAM database authentication)."
  value       = [for name, f in var.functions : google_service_account.function[name].email if contains(try(f.uses, []), "postgres")]
}

output "publishers" {
  description = "topic -> members allowed to publish to it."
  value = {
    for topic in distinct(flatten([for f in values(merge(var.functions, var.services)) : try(f.publishes, [])])) :
    topic => concat(
      [for name, f in var.functions : "serviceAccount:${google_service_account.function[name].email}" if contains(try(f.publishes, []), topic)],
      [for name, s in var.services : "serviceAccount:${google_service_account.service[name].email}" if contains(try(s.publishes, []), topic)],
    )
  }
}
