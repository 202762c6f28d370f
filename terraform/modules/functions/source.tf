# Source bundles (a function folder + shared_lib) are zipped by scripts/deploy into
# var.bundle_dir and uploaded to the sources bucket (modules/artifacts); each object is named by
# its content hash, so a changed bundle redeploys.
locals {
  components = toset([for f in values(var.functions) : f.component])
}

resource "google_storage_bucket_object" "bundle" {
  for_each = local.components
  name     = "${each.key}-${filemd5("${var.bundle_dir}/${each.key}.zip")}.zip"
  bucket   = var.sources_bucket
  source   = "${var.bundle_dir}/${each.key}.zip"
}
