locals {
  # (topic, principal) pairs from the topology alone, so the keys built from them are known at plan time.
  publish_grants = concat(
    flatten([for name, f in var.functions : [for topic in try(f.publishes, []) : { topic = topic, kind = "function", name = name }]]),
    flatten([for name, s in var.services : [for topic in try(s.publishes, []) : { topic = topic, kind = "service", name = name }]]),
  )
  emails = merge(
    { for name, account in google_service_account.function : "function/${name}" => account.email },
    { for name, account in google_service_account.service : "service/${name}" => account.email },
  )
}
