terraform {
  required_version = ">= 1.6"
  required_providers {
    google = {
      source  = "hashicorp/google"
      # One major: a new major is an upgrade made on purpose (and the lock file records the
      # exact release). 7.x has google_sql_user.database_roles (2026) and invoker_iam_disabled.
      version = "~> 7.0"
    }
  }
}
