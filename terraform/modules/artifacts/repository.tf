# The Docker repository the relay image is pushed to (scripts/deploy builds it as
# REGION-docker.pkg.dev/PROJECT/netra/relay:COMMIT). It must exist before the first image
# build, so scripts/deploy creates it in its bootstrap apply (-target=module.platform.module.artifacts).
resource "google_artifact_registry_repository" "netra" {
  project       = var.project_id
  location      = var.region
  repository_id = "netra"
  format        = "DOCKER"
  description   = "Netra container images (the WebSocket relay)."
  labels        = var.labels

  # Every deploy pushes an image tagged with its commit; keep the last ones for rollbacks.
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 20
    }
  }
}
