output "docker_prefix" {
  description = "REGION-docker.pkg.dev/PROJECT/REPOSITORY: where images are pushed."
  value       = "${google_artifact_registry_repository.netra.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.netra.repository_id}"
}

output "sources_bucket" {
  description = "Bucket of the function bundles and the relay's build context."
  value       = google_storage_bucket.sources.name
}
