# The root of every environment (staging/ and production/ link these files and add only
# their backend and terraform.tfvars): the platform module with that environment's values.
# Wiring comes from the one topology file, the same one the local platform is built from.
provider "google" {
  project = var.project_id
  region  = var.region
}

module "platform" {
  source = "../../modules/platform"

  topology    = yamldecode(file("${path.module}/../../../shared_lib/shared_lib/topology.yaml"))
  environment = var.environment

  project_id                  = var.project_id
  region                      = var.region
  deletion_protection         = var.deletion_protection
  database_tier               = var.database_tier
  database_high_availability  = var.database_high_availability
  database_backup_retention   = var.database_backup_retention
  redis_tier                  = var.redis_tier
  redis_memory_size_gb        = var.redis_memory_size_gb
  firestore_location          = var.firestore_location
  bundle_dir                  = var.bundle_dir
  function_min_instances      = var.function_min_instances
  function_max_instances      = var.function_max_instances
  relay_image                 = var.relay_image
  relay_min_instances         = var.relay_min_instances
  relay_max_instances         = var.relay_max_instances
  relay_allowed_origins       = var.relay_allowed_origins
  auth_redirect_allowlist     = var.auth_redirect_allowlist
  access_token_ttl_seconds    = var.access_token_ttl_seconds
  llm_monthly_budget_usd      = var.llm_monthly_budget_usd
  google_oauth_client_id      = var.google_oauth_client_id
  github_oauth_client_id      = var.github_oauth_client_id
  trusted_proxy_hops          = var.trusted_proxy_hops
  log_level                   = var.log_level
  usage_batch_encoding        = var.usage_batch_encoding
  clickhouse_cluster          = var.clickhouse_cluster
  alert_email                 = var.alert_email
  alert_error_rate_per_second = var.alert_error_rate_per_second
}
