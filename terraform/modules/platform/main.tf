# The whole Netra stack for one environment, wired from the topology (shared_lib's
# topology.yaml, passed in by the root through yamldecode). Each concern is its own module.

locals {
  topology      = var.topology
  defaults      = local.topology.defaults
  functions     = local.topology.functions
  services      = try(local.topology.services, {})
  secrets       = local.topology.secrets
  subscriptions = local.topology.subscriptions

  # gen2 functions answer on a predictable URL; computing it avoids a dependency cycle
  # between functions that call each other (every component needs AUTH_URL).
  function_urls = { for name in keys(local.functions) : name => "https://${var.region}-${var.project_id}.cloudfunctions.net/${name}" }
  labels        = { app = "netra", environment = var.environment }
  # Pub/Sub's OIDC audience for pushes to services; Cloud Run cannot tell a service its own URL.
  service_audiences = { for name in keys(local.services) : name => "netra-${name}-push" }
}

module "project" {
  source     = "../project"
  project_id = var.project_id
}

module "network" {
  source      = "../network"
  project_id  = var.project_id
  region      = var.region
  environment = var.environment
  depends_on  = [module.project]
}

module "identities" {
  source     = "../identities"
  project_id = var.project_id
  functions  = local.functions
  services   = local.services
  depends_on = [module.project]
}

module "artifacts" {
  source        = "../artifacts"
  project_id    = var.project_id
  region        = var.region
  builder_email = module.identities.builder_email
  labels        = local.labels
  depends_on    = [module.project]
}

module "secrets" {
  source     = "../secrets"
  project_id = var.project_id
  secrets    = local.secrets
  labels     = local.labels
  depends_on = [module.project]
}

module "database" {
  source              = "../database"
  project_id          = var.project_id
  region              = var.region
  environment         = var.environment
  network_id          = module.network.network_id
  tier                = var.database_tier
  high_availability   = var.database_high_availability
  deletion_protection = var.deletion_protection
  backup_retention    = var.database_backup_retention
  iam_users           = module.identities.postgres_users
  depends_on          = [module.project, module.network]
}

module "redis" {
  source         = "../redis"
  project_id     = var.project_id
  region         = var.region
  environment    = var.environment
  network_id     = module.network.network_id
  tier           = var.redis_tier
  memory_size_gb = var.redis_memory_size_gb
  labels         = local.labels
  depends_on     = [module.project, module.network]
}

module "firestore" {
  source              = "../firestore"
  project_id          = var.project_id
  location            = var.firestore_location
  deletion_protection = var.deletion_protection
  depends_on          = [module.project]
}

module "functions" {
  source                = "../functions"
  project_id            = var.project_id
  region                = var.region
  functions             = local.functions
  function_defaults     = local.defaults["function"]
  secrets               = local.secrets
  service_accounts      = module.identities.function_emails
  push_invoker          = module.identities.push_invoker_email
  scheduler_invoker     = module.identities.scheduler_invoker_email
  build_service_account = module.identities.builder_email
  sources_bucket        = module.artifacts.sources_bucket
  bundle_dir            = var.bundle_dir
  vpc_connector         = module.network.vpc_connector_id
  min_instances         = var.function_min_instances
  max_instances         = var.function_max_instances
  labels                = local.labels
  # clickhouse: a named cluster reaches what migrates the warehouse (ADR 0013); none for one node or ClickHouse Cloud.
  datastore_env = {
    postgres   = { CLOUD_SQL_INSTANCE = module.database.connection_name, DATABASE_NAME = module.database.database_name }
    redis      = { REDIS_URL = module.redis.url }
    firestore  = {}
    clickhouse = var.clickhouse_cluster == "" ? {} : { CLICKHOUSE_CLUSTER = var.clickhouse_cluster }
  }
  environment_variables = {
    NETRA_ENV               = var.environment
    NETRA_PROJECT_ID        = var.project_id
    AUTH_URL                = local.function_urls["auth"]
    AUTH_PUBLIC_URL         = local.function_urls["auth"]
    AUTH_REDIRECT_ALLOWLIST = join(",", var.auth_redirect_allowlist)
    CORS_ALLOWED_ORIGINS    = join(",", var.relay_allowed_origins)
    AUTH_ACCESS_TTL_SECONDS = tostring(var.access_token_ttl_seconds)
    ANALYTICS_URL           = local.function_urls["analytics"]
    LLM_MONTHLY_BUDGET_USD  = tostring(var.llm_monthly_budget_usd)
    OAUTH_GOOGLE_CLIENT_ID  = var.google_oauth_client_id
    OAUTH_GITHUB_CLIENT_ID  = var.github_oauth_client_id
    TRUSTED_PROXY_HOPS      = tostring(var.trusted_proxy_hops)
    USAGE_BATCH_ENCODING    = var.usage_batch_encoding
    LOG_LEVEL               = var.log_level
  }
  # Strings (secret names, the connector id) do not order modules: say it. The artifacts module
  # holds the builder's read grant on the bundles.
  depends_on = [module.project, module.secrets, module.network, module.artifacts]
}

module "relay" {
  source              = "../relay"
  project_id          = var.project_id
  region              = var.region
  environment         = var.environment
  image               = var.relay_image
  service_account     = module.identities.service_emails["relay"]
  push_invoker        = module.identities.push_invoker_email
  push_audience       = local.service_audiences["relay"]
  chat_url            = local.function_urls["chat"]
  vpc_connector       = module.network.vpc_connector_id
  min_instances       = var.relay_min_instances
  max_instances       = var.relay_max_instances
  deletion_protection = var.deletion_protection
  secrets             = local.secrets
  service             = local.services["relay"]
  redis_url           = module.redis.url
  auth_url            = local.function_urls["auth"]
  allowed_origins     = var.relay_allowed_origins
  labels              = local.labels

  # The image is pushed to the repository and the secret referenced by name: neither is a reference.
  depends_on = [module.project, module.secrets, module.artifacts, module.network]
}

module "pubsub" {
  source            = "../pubsub"
  project_id        = var.project_id
  topics            = local.topology.topics
  subscriptions     = local.subscriptions
  defaults          = local.defaults["subscription"]
  push_invoker      = module.identities.push_invoker_email
  push_urls         = module.functions.service_uris
  service_urls      = { relay = module.relay.url }
  service_audiences = local.service_audiences
  publishers        = module.identities.publishers
  labels            = local.labels
  depends_on        = [module.project]
}

module "monitoring" {
  source             = "../monitoring"
  project_id         = var.project_id
  environment        = var.environment
  alert_email        = var.alert_email
  dead_letter_holds  = [for name, sub in local.subscriptions : name if contains([for s in local.subscriptions : try(s.dead_letter.topic, "")], sub.topic)]
  error_rate_per_sec = var.alert_error_rate_per_second
  depends_on         = [module.project]
}

# The sources bucket moved from the functions module to the artifacts module (it must exist before
# the first image build): state follows it instead of a destroy and re-create.
moved {
  from = module.functions.google_storage_bucket.sources
  to   = module.artifacts.google_storage_bucket.sources
}
