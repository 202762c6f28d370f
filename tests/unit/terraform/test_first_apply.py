"""Offline checks for what makes a first `plan`/`apply` in a new project fail, or the platform
misbehave once up (issue 18), each read from the Terraform files with python-hcl2."""

from __future__ import annotations

import re
import shutil

import pytest

from shared_lib.topology import load_topology
from tests.unit.terraform.hcl import (
    ENVIRONMENTS,
    MODULES,
    ROOT,
    TERRAFORM,
    blocks,
    load,
    locals_of,
    module_calls,
    tf_files,
)
from tests.unit.terraform.plan_time import PlanTime

TOPOLOGY = load_topology()
PLATFORM = MODULES / "platform"


def _depends_on(call: dict) -> set[str]:
    return {re.sub(r"^\$\{|\}$", "", d) for d in call.get("depends_on", [])}


# -- plan: for_each keys -----------------------------------------------------------------


def test_no_for_each_key_depends_on_something_computed():
    assert PlanTime(MODULES).unknown_keys() == []


def test_the_key_check_catches_for_each_over_service_account_emails(tmp_path):
    # Issue 18: `toset(var.iam_users)` (emails) and publishers keyed by "${topic} ${member}".
    modules = tmp_path / "modules"
    shutil.copytree(MODULES, modules)
    users = modules / "database" / "users.tf"
    users.write_text(
        users.read_text().replace("for_each       = var.iam_users", "for_each       = toset(values(var.iam_users))", 1)
    )
    topics = modules / "pubsub" / "topics.tf"
    topics.write_text(
        topics.read_text().replace(
            "for_each = var.publishers",
            'for_each = { for pair in values(var.publishers) : "${pair.topic} ${pair.member}" => pair }',
        )
    )
    problems = PlanTime(modules).unknown_keys()
    assert [p.split(" for_each")[0] for p in problems] == [
        "database: google_sql_user.iam",
        "pubsub: google_pubsub_topic_iam_member.publisher",
    ]


def test_a_map_with_known_keys_and_computed_values_passes_the_key_check():
    # The fix: maps keyed by topology names, valued by emails.
    assert blocks(MODULES / "database", "resource")["google_sql_user.iam"]["for_each"] == "${var.iam_users}"
    assert module_calls(PLATFORM)["database"]["iam_users"] == "${module.identities.postgres_users}"
    assert PlanTime(MODULES).computed("platform", "${module.identities.postgres_users}")  # values are computed


# -- apply: Cloud SQL edition, grants for IAM users -------------------------------------------


def test_a_custom_tier_runs_on_the_enterprise_edition():
    settings = blocks(MODULES / "database", "resource")["google_sql_database_instance.main"]["settings"][0]
    tiers = [load(TERRAFORM / "environments" / env / "terraform.tfvars")["database_tier"] for env in ENVIRONMENTS]
    assert all(re.fullmatch(r"db-custom-\d+-\d+", tier) for tier in tiers), tiers
    # POSTGRES_16+ default to ENTERPRISE_PLUS, which refuses db-custom-* tiers.
    assert settings["edition"] == "ENTERPRISE"
    validation = load(MODULES / "database" / "variables.tf")["variable"]
    tier = next(v["tier"] for v in validation if "tier" in v)
    assert "db-custom-" in tier["validation"][0]["condition"]


def test_iam_database_users_can_create_their_schema():
    # auth runs CREATE SCHEMA at start-up; a new IAM user has no privileges at all.
    user = blocks(MODULES / "database", "resource")["google_sql_user.iam"]
    assert user["type"] == "CLOUD_IAM_SERVICE_ACCOUNT"
    assert "cloudsqlsuperuser" in user["database_roles"]
    assert "CREATE SCHEMA" in (ROOT / "functions" / "auth" / "netra_auth" / "migrate.py").read_text()
    assert "postgres" in TOPOLOGY.functions["auth"].uses
    output = blocks(MODULES / "identities", "output")["postgres_users"]["value"]
    assert 'contains(try(f.uses, []), "postgres")' in output


# -- apply: ordering ---------------------------------------------------------------------------


def test_every_module_waits_for_the_apis():
    for name, call in module_calls(PLATFORM).items():
        if name != "project":
            assert "module.project" in _depends_on(call), f"{name} does not depend on module.project"


def test_what_mounts_a_secret_waits_for_the_secret_and_its_accessor_grant():
    calls = module_calls(PLATFORM)
    assert "module.secrets" in _depends_on(calls["functions"]) and "module.secrets" in _depends_on(calls["relay"])
    function = blocks(MODULES / "functions", "resource")["google_cloudfunctions2_function.function"]
    assert "google_secret_manager_secret_iam_member.accessor" in _depends_on(function)
    relay = blocks(MODULES / "relay", "resource")["google_cloud_run_v2_service.relay"]
    assert "google_secret_manager_secret_iam_member.accessor" in _depends_on(relay)
    assert "module.artifacts" in _depends_on(calls["relay"]) and "module.artifacts" in _depends_on(calls["functions"])


def test_mounted_secrets_are_bootstrapped_before_the_full_apply():
    # No version can come from Terraform (it would be in state): scripts/deploy applies the
    # secret containers first and stops until every secret has a version.
    deploy = (ROOT / "scripts" / "deploy").read_text()
    bootstrap = deploy.index("-target=module.platform.module.secrets")
    check = deploy.index("gcloud secrets versions list")
    full = deploy.index("plan -input=false -lockfile=readonly -out=")
    assert bootstrap < check < full
    assert "-target=module.platform.module.artifacts" in deploy[:check]


# -- apply: builds -----------------------------------------------------------------------------


def test_functions_are_built_by_their_own_build_service_account():
    function = blocks(MODULES / "functions", "resource")["google_cloudfunctions2_function.function"]
    assert (
        function["build_config"][0]["service_account"]
        == "projects/${var.project_id}/serviceAccounts/${var.build_service_account}"
    )
    assert module_calls(PLATFORM)["functions"]["build_service_account"] == "${module.identities.builder_email}"
    identities = blocks(MODULES / "identities", "resource")
    assert "google_service_account.builder" in identities
    roles = identities["google_project_iam_member.builder"]["for_each"]
    assert "roles/logging.logWriter" in roles and "roles/artifactregistry.writer" in roles
    reads = blocks(MODULES / "artifacts", "resource")["google_storage_bucket_iam_member.builder_reads"]
    assert reads["member"] == "serviceAccount:${var.builder_email}" and reads["role"] == "roles/storage.objectViewer"
    assert module_calls(PLATFORM)["artifacts"]["builder_email"] == "${module.identities.builder_email}"


def test_the_relay_image_has_a_repository_and_the_deploy_pushes_there():
    build = blocks(MODULES / "artifacts", "resource")
    repository = build["google_artifact_registry_repository.netra"]
    assert repository["format"] == "DOCKER" and repository["location"] == "${var.region}"
    deploy = (ROOT / "scripts" / "deploy").read_text()
    assert f'image="$region-docker.pkg.dev/$project/{repository["repository_id"]}/relay:$revision"' in deploy
    # Built as the builder (not the default Cloud Build account), from a bucket it may read.
    assert '--service-account "projects/$project/serviceAccounts/$builder"' in deploy
    assert 'builder="function-builder@$project.iam.gserviceaccount.com"' in deploy
    assert (
        blocks(MODULES / "identities", "resource")["google_service_account.builder"]["account_id"] == "function-builder"
    )
    bucket = build["google_storage_bucket.sources"]["name"].replace("${var.project_id}", "$project")
    assert f'--gcs-source-staging-dir "gs://{bucket}/' in deploy


# -- behaviour: invokers, push URLs, traffic ----------------------------------------------------


def test_no_public_iam_member_that_domain_restricted_sharing_refuses():
    for path in tf_files():
        text = path.read_text()
        assert '"allUsers"' not in text and '"allAuthenticatedUsers"' not in text, path
    relay = blocks(MODULES / "relay", "resource")["google_cloud_run_v2_service.relay"]
    assert relay["invoker_iam_disabled"] is True
    # HTTP functions: the release turns the invoker check off (no functions-resource argument).
    assert "--no-invoker-iam-check" in (ROOT / "scripts" / "release.py").read_text()
    invokers = locals_of(MODULES / "functions")["invokers"]
    assert 'if f.trigger != "http"' in invokers


def test_pushes_and_schedules_go_to_the_run_app_url_with_it_as_audience():
    locals_ = locals_of(MODULES / "pubsub")["push"]
    assert "var.push_urls[sub.push.function]}/projects/" in locals_
    assert "audience = try(var.push_urls[sub.push.function]" in locals_
    assert module_calls(PLATFORM)["pubsub"]["push_urls"] == "${module.functions.service_uris}"
    uris = blocks(MODULES / "functions", "output")["service_uris"]["value"]
    assert "f.service_config[0].uri" in uris
    job = blocks(MODULES / "functions", "resource")["google_cloud_scheduler_job.schedule"]["http_target"][0]
    run_app = "${google_cloudfunctions2_function.function[each.key].service_config[0].uri}"
    assert job["uri"] == run_app and job["oidc_token"][0]["audience"] == run_app
    for module in ("pubsub", "functions"):
        for path in (MODULES / module).glob("*.tf"):
            code = [line for line in path.read_text().splitlines() if not line.strip().startswith("#")]
            assert not [line for line in code if "cloudfunctions.net" in line], path


def test_traffic_is_moved_by_the_release_not_by_terraform():
    function = blocks(MODULES / "functions", "resource")["google_cloudfunctions2_function.function"]
    assert function["service_config"][0]["all_traffic_on_latest_revision"] is False
    relay = blocks(MODULES / "relay", "resource")["google_cloud_run_v2_service.relay"]
    assert "traffic" in relay["lifecycle"][0]["ignore_changes"][0] or relay["lifecycle"][0]["ignore_changes"] == [
        "${traffic}"
    ]


# -- provider ----------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", [PLATFORM, TERRAFORM / "environments" / "_root"])
def test_the_provider_is_pinned_to_one_major(folder):
    terraform = load(folder / "versions.tf")["terraform"][0]
    google = terraform["required_providers"][0]["google"]
    assert google["source"] == "hashicorp/google"
    assert re.fullmatch(r"~> \d+\.\d+", google["version"]), google["version"]
