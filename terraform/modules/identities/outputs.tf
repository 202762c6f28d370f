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

# Maps keyed by topology names, never by emails: for_each keys must be known at plan time,
# and an email is known only once its account exists (tests/unit/terraform checks this).
output "postgres_users" {
  description = "Function name -> service account email, for functions that log in to Cloud SQL (IAM database authentication)."
  value       = { for name, f in var.functions : name => google_service_account.function[name].email if contains(try(f.uses, []), "postgres") }
}

output "publishers" {
  description = "\"topic principal\" -> {topic, member}: who may publish where (the topology's publishes)."
  value = {
    for grant in local.publish_grants : "${grant.topic} ${grant.kind}/${grant.name}" => {
      topic  = grant.topic
      member = "serviceAccount:${local.emails["${grant.kind}/${grant.name}"]}"
    }
  }
}

output "builder_email" {
  description = "Service account Cloud Build builds the functions and the relay image as."
  value       = google_service_account.builder.email
}
