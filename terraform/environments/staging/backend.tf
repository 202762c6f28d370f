# Remote state per environment, in a bucket of that environment's project (created once,
# by hand, with versioning on: see the README's "Deploying").
terraform {
  backend "gcs" {
    bucket = "netra-staging-tfstate"
    prefix = "netra"
  }
}
