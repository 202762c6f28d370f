# Components log in as their service accounts (IAM database authentication): there is no
# database password to store, rotate or leak. Keyed by function name (known at plan time),
# never by email (known only after the account exists).
#
# A new IAM user has no privileges, and the components create their own schema at start-up
# (auth: CREATE SCHEMA auth). The Admin API can grant only predefined roles (database_roles,
# no SQL connection needed: the instance has no public IP), and cloudsqlsuperuser is the
# one that carries CREATE on the database. Only functions that `use: postgres` get it.
resource "google_sql_user" "iam" {
  for_each       = var.iam_users
  project        = var.project_id
  instance       = google_sql_database_instance.main.name
  name           = trimsuffix(each.value, ".gserviceaccount.com")
  type           = "CLOUD_IAM_SERVICE_ACCOUNT"
  database_roles = ["cloudsqlsuperuser"]
}

resource "google_project_iam_member" "client" {
  for_each = var.iam_users
  project  = var.project_id
  role     = "roles/cloudsql.client"
  member   = "serviceAccount:${each.value}"
}

resource "google_project_iam_member" "instance_user" {
  for_each = var.iam_users
  project  = var.project_id
  role     = "roles/cloudsql.instanceUser"
  member   = "serviceAccount:${each.value}"
}
