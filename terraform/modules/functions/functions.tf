locals {
  # The one identity that may invoke a Pub/Sub or scheduled function (access.tf's invoker
  # binding): the function checks the caller's OIDC token against it as well.
  invoker_accounts = { pubsub = var.push_invoker, schedule = var.scheduler_invoker }
  # Environment a function gets from the datastores the topology says it uses.
  function_env = {
    for name, f in var.functions : name => merge(
      var.environment_variables,
      merge([for store in try(f.uses, []) : var.datastore_env[store]]...),
      # Its OIDC audience is the run.app URL pushes and the scheduler are sent to (see
      # modules/pubsub): the function checks it against the URL it was called at, since it
      # cannot be given its own URL here.
      f.trigger == "http" ? {} : { INVOKER_SERVICE_ACCOUNT = local.invoker_accounts[f.trigger] },
      contains(try(f.uses, []), "postgres") ? {
        DATABASE_URL = "postgresql://${urlencode(trimsuffix(var.service_accounts[name], ".gserviceaccount.com"))}@/${var.datastore_env.postgres.DATABASE_NAME}"
      } : {},
    )
  }
}

resource "google_cloudfunctions2_function" "function" {
  for_each = var.functions
  project  = var.project_id
  name     = each.key
  location = var.region
  labels   = var.labels

  build_config {
    runtime         = var.runtime
    entry_point     = each.value.entry_point
    service_account = "projects/${var.project_id}/serviceAccounts/${var.build_service_account}"
    environment_variables = {
      # A Pub/Sub target sits behind its own push subscription. The entry point's decorator
      # overrides this: the agents' are HTTP functions that authenticate and decode the push
      # themselves (functions/agents/main.py), analytics' consumer a CloudEvent one.
      GOOGLE_FUNCTION_SIGNATURE_TYPE = each.value.trigger == "pubsub" ? "cloudevent" : "http"
    }
    source {
      storage_source {
        bucket = var.sources_bucket
        object = google_storage_bucket_object.bundle[each.value.component].name
      }
    }
  }

  service_config {
    available_memory = "${try(each.value.memory_mb, var.function_defaults.memory_mb)}M"
    timeout_seconds  = try(each.value.timeout_seconds, var.function_defaults.timeout_seconds)
    # More than one request at a time needs a whole CPU on Cloud Run functions.
    max_instance_request_concurrency = try(each.value.concurrency, 1)
    available_cpu                    = try(each.value.concurrency, 1) > 1 ? "1" : null
    min_instance_count               = lookup(var.min_instances, each.key, 0)
    max_instance_count               = var.max_instances
    service_account_email            = var.service_accounts[each.key]
    # Pub/Sub pushes and Cloud Scheduler count as internal traffic when sent to the run.app
    # URL (service_config uri), which is where modules/pubsub and the scheduler send them.
    ingress_settings              = each.value.trigger == "http" ? "ALLOW_ALL" : "ALLOW_INTERNAL_ONLY"
    vpc_connector                 = var.vpc_connector
    vpc_connector_egress_settings = "PRIVATE_RANGES_ONLY"
    # A new revision gets no traffic: scripts/release.py health-checks it on a tagged URL, then
    # moves traffic. Traffic is never managed here, so a rollback is not undone by an apply.
    all_traffic_on_latest_revision = false
    environment_variables          = local.function_env[each.key]

    dynamic "secret_environment_variables" {
      for_each = [for secret in try(each.value.secrets, []) : secret if try(var.secrets[secret].env, null) != null]
      content {
        key        = var.secrets[secret_environment_variables.value].env
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  # A mounted secret is read when the revision starts: the accessor grant must exist first
  # (and the secret must have a version: scripts/deploy checks before the full apply).
  depends_on = [google_secret_manager_secret_iam_member.accessor]
}
