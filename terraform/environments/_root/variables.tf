variable "environment" {
  description = "staging or production."
  type        = string
}

variable "project_id" {
  description = "GCP project of this environment."
  type        = string
}


variable "region" {
  description = "Region for functions, Cloud Run, Cloud SQL and Memorystore."
  type        = string
}


variable "deletion_protection" {
  description = "Protect Cloud SQL, Firestore and the relay from deletion."
  type        = bool
}


variable "database_tier" {
  description = "Cloud SQL machine tier."
  type        = string
}


variable "database_high_availability" {
  description = "REGIONAL (true) or ZONAL (false) Cloud SQL."
  type        = bool
}


variable "database_backup_retention" {
  description = "Number of daily Cloud SQL backups kept."
  type        = number
}


variable "redis_tier" {
  description = "Memorystore tier: BASIC or STANDARD_HA."
  type        = string
}


variable "redis_memory_size_gb" {
  description = "Memorystore size in GB."
  type        = number
}


variable "firestore_location" {
  description = "Firestore location id (e.g. eur3, nam5, or a region)."
  type        = string
}


variable "bundle_dir" {
  description = "Folder of the function source bundles built by scripts/deploy."
  type        = string
}


variable "function_min_instances" {
  description = "Minimum instances per function name (absent: 0)."
  type        = map(number)
}


variable "function_max_instances" {
  description = "Maximum instances of any function."
  type        = number
}


variable "relay_image" {
  description = "Container image of the WebSocket relay."
  type        = string
}


variable "relay_min_instances" {
  description = "Minimum relay instances (sockets are long-lived: keep some warm)."
  type        = number
}


variable "relay_max_instances" {
  description = "Maximum relay instances."
  type        = number
}


variable "relay_allowed_origins" {
  description = "Browser origins allowed to open sockets."
  type        = list(string)
}


variable "auth_redirect_allowlist" {
  description = "App URLs the auth function may redirect to after sign-in (exact match)."
  type        = list(string)
}


variable "access_token_ttl_seconds" {
  description = "Lifetime of access tokens."
  type        = number
}

variable "llm_monthly_budget_usd" {
  description = "Default monthly LLM budget per org, in dollars (the agents' gateway enforces it)."
  type        = number
}


variable "google_oauth_client_id" {
  description = "Google OAuth client id (its secret is in Secret Manager)."
  type        = string
}


variable "github_oauth_client_id" {
  description = "GitHub OAuth client id (its secret is in Secret Manager)."
  type        = string
}


variable "trusted_proxy_hops" {
  description = "Proxies in front of the functions that each append to X-Forwarded-For (Google's front end of a function URL: 1; an external HTTPS load balancer in front as well: 2). The client address for rate limits is the Nth entry from the right."
  type        = number
  validation {
    condition     = var.trusted_proxy_hops >= 0 && var.trusted_proxy_hops <= 10
    error_message = "trusted_proxy_hops must be 0-10."
  }
}

variable "clickhouse_cluster" {
  description = "The self-managed ClickHouse cluster whose replicas hold the warehouse (CLICKHOUSE_CLUSTER; ADR 0013). Empty: one node, or ClickHouse Cloud, which replicates by itself."
  type        = string
  validation {
    condition     = can(regex("^([A-Za-z0-9_][A-Za-z0-9_.-]*|\\{[A-Za-z0-9_]+\\})?$", var.clickhouse_cluster))
    error_message = "clickhouse_cluster must be empty, a cluster name (letters, digits, _ . -) or a macro such as {cluster}."
  }
}

variable "usage_batch_encoding" {
  description = "How intake writes usage batches on usage-events (USAGE_BATCH_ENCODING): json, or gzip once every consumer deployed reads gzip (ADR 0014)."
  type        = string
  validation {
    condition     = contains(["json", "gzip"], var.usage_batch_encoding)
    error_message = "usage_batch_encoding must be json or gzip."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of every component."
  type        = string
}


variable "alert_email" {
  description = "Where alerts are sent."
  type        = string
}


variable "alert_error_rate_per_second" {
  description = "5xx responses per second (per service) that raise an alert."
  type        = number
}
