# Components log in as their service accounts (IAM database authentication): there is no
# database password to store, rotate or leak.
resource "google_sql_user" "iam" {
  for_each = toset(var.iam_users)
  project  = var.project_id
  instance = google_sql_database_instance.main.name
  name     = trimsuffix(each.value, ".gserviceaccount.com")
  type     = "CLOUD_IAM_SERVICE_ACCOUNT"
}

resource "google_project_iam_member" "client" {
  for_each = toset(var.iam_users)
  project  = var.project_id
  role     = "roles/cloudsql.client"
  member   = "serviceAccount:${each.value}"
}

resource "google_project_iam_member" "instance_user" {
  for_each = toset(var.iam_users)
  project  = var.project_id
  role     = "roles/cloudsql.instanceUser"
  member   = "serviceAccount:${each.value}"
}
