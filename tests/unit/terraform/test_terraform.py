"""Offline checks of terraform/: it parses, it is wired from the one topology, every
variable is declared and set, production is protected, no secret value is written down,
and checkov finds nothing unreviewed. (`terraform validate` and `plan` need the provider
registry: they run in the deploy pipeline, see the README.)"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from shared_lib.topology import DEFAULT_PATH, load_topology
from tests.unit.terraform.hcl import (
    ENVIRONMENTS,
    MODULES,
    ROOT,
    TERRAFORM,
    blocks,
    load,
    locals_of,
    module_calls,
    passed_arguments,
    referenced_variables,
    tf_files,
    variables,
)

TOPOLOGY = load_topology()
PLATFORM = MODULES / "platform"


def test_every_file_parses():
    assert len(tf_files()) > 30
    for path in tf_files():
        load(path)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_root_reads_the_shared_topology_file(env):
    call = module_calls(TERRAFORM / "environments" / env)["platform"]
    assert call["source"] == "../../modules/platform"
    found = re.fullmatch(r'\$\{yamldecode\(file\("\$\{path\.module\}/(.+)"\)\)\}', call["topology"])
    assert found, call["topology"]
    assert (TERRAFORM / "environments" / env / found.group(1)).resolve() == DEFAULT_PATH.resolve()
    assert call["environment"] == "${var.environment}"
    assert load(TERRAFORM / "environments" / env / "terraform.tfvars")["environment"] == env


# Each kind of topology entry -> the platform local that carries it -> the module argument
# -> the resource whose for_each walks it, one instance per name.
WIRING = [
    ("topics", "${local.topology.topics}", "pubsub", "topics", "google_pubsub_topic.topic"),
    ("subscriptions", "${local.subscriptions}", "pubsub", "subscriptions", "google_pubsub_subscription.subscription"),
    ("functions", "${local.functions}", "functions", "functions", "google_cloudfunctions2_function.function"),
    ("functions", "${local.functions}", "identities", "functions", "google_service_account.function"),
    ("secrets", "${local.secrets}", "secrets", "secrets", "google_secret_manager_secret.secret"),
    ("services", "${local.services}", "identities", "services", "google_service_account.service"),
]


@pytest.mark.parametrize(("kind", "expression", "module", "argument", "resource"), WIRING)
def test_every_topology_entry_has_its_resource(kind, expression, module, argument, resource):
    assert getattr(TOPOLOGY, kind), f"the topology declares no {kind}"
    local_name = expression.removeprefix("${local.").removesuffix("}")
    if not local_name.startswith("topology."):
        assert locals_of(PLATFORM)[local_name] in (
            f"${{local.topology.{kind}}}",
            f"${{try(local.topology.{kind}, {{}})}}",
        )
    assert module_calls(PLATFORM)[module][argument] == expression
    assert blocks(MODULES / module, "resource")[resource]["for_each"] == f"${{var.{argument}}}"


def test_every_topology_service_has_its_module():
    calls = module_calls(PLATFORM)
    for name in TOPOLOGY.services:
        assert calls[name]["service"] == f'${{local.services["{name}"]}}'


def test_push_targets_and_dead_letters_are_wired():
    subscription = blocks(MODULES / "pubsub", "resource")["google_pubsub_subscription.subscription"]
    assert (
        subscription["dynamic"][0]["push_config"]["content"][0]["oidc_token"][0]["service_account_email"]
        == "${var.push_invoker}"
    )
    assert "dead_letter_policy" in subscription["dynamic"][1]
    iam = blocks(MODULES / "pubsub", "resource")
    assert "google_pubsub_topic_iam_member.dead_letter_publisher" in iam
    assert "google_pubsub_subscription_iam_member.dead_letter_subscriber" in iam
    # Every service a subscription pushes to has a URL passed to the module.
    service_urls = module_calls(PLATFORM)["pubsub"]["service_urls"]
    for sub in TOPOLOGY.subscriptions.values():
        if sub.push and sub.push.service:
            assert sub.push.service in service_urls


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_root_variable_is_declared_used_and_set(env):
    root = TERRAFORM / "environments" / env
    declared = set(variables(root))
    values = load(root / "terraform.tfvars")
    assert referenced_variables(root) == declared
    assert set(values) == declared, (
        f"set but undeclared: {set(values) - declared}; declared but unset: {declared - set(values)}"
    )


def test_both_environments_share_their_root_and_differ_only_in_values():
    staging, production = (load(TERRAFORM / "environments" / env / "terraform.tfvars") for env in ENVIRONMENTS)
    assert set(staging) == set(production)
    assert (staging["environment"], production["environment"]) == ENVIRONMENTS
    for env in ENVIRONMENTS:
        root = TERRAFORM / "environments" / env
        # (plus the provider lock file, once created and committed: see scripts/deploy)
        own = sorted(p.name for p in root.iterdir() if not p.is_symlink() and p.name != ".terraform.lock.hcl")
        assert own == ["backend.tf", "terraform.tfvars"], own
        for linked in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
            assert (root / linked).resolve() == (TERRAFORM / "environments" / "_root" / linked).resolve()


def _module_folders_and_calls():
    for caller in [PLATFORM, *(TERRAFORM / "environments" / env for env in ENVIRONMENTS)]:
        for name, call in module_calls(caller).items():
            yield caller, name, call


@pytest.mark.parametrize(
    ("caller", "name", "call"),
    list(_module_folders_and_calls()),
    ids=lambda v: getattr(v, "name", v) if not isinstance(v, dict) else "",
)
def test_module_calls_pass_exactly_the_declared_variables(caller, name, call):
    module_dir = (caller / call["source"]).resolve()
    declared = variables(module_dir)
    required = {n for n, body in declared.items() if "default" not in body}
    passed = passed_arguments(call)
    assert passed <= set(declared), f"{caller.name}/{name} passes unknown {passed - set(declared)}"
    assert required <= passed, f"{caller.name}/{name} misses {required - passed}"


def test_every_module_variable_is_used():
    for module_dir in sorted(p for p in MODULES.iterdir() if p.is_dir()):
        unused = set(variables(module_dir)) - referenced_variables(module_dir)
        assert not unused, f"{module_dir.name} declares unused {unused}"


def test_production_has_deletion_protection_and_backups():
    production = load(TERRAFORM / "environments" / "production" / "terraform.tfvars")
    assert production["deletion_protection"] is True
    assert production["database_high_availability"] is True and production["database_backup_retention"] >= 7
    calls = module_calls(PLATFORM)
    for module in ("database", "firestore", "relay"):
        assert calls[module]["deletion_protection"] == "${var.deletion_protection}"
    instance = blocks(MODULES / "database", "resource")["google_sql_database_instance.main"]
    assert instance["deletion_protection"] == "${var.deletion_protection}"
    settings = instance["settings"][0]
    assert settings["deletion_protection_enabled"] == "${var.deletion_protection}"
    backup = settings["backup_configuration"][0]
    assert backup["enabled"] is True and backup["point_in_time_recovery_enabled"] is True
    assert settings["ip_configuration"][0]["ipv4_enabled"] is False
    firestore = blocks(MODULES / "firestore", "resource")["google_firestore_database.main"]
    assert firestore["point_in_time_recovery_enablement"] == "POINT_IN_TIME_RECOVERY_ENABLED"


SECRET_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"netra_sk_[A-Za-z0-9_-]{8,}"),
    re.compile(r"AIza[0-9A-Za-z_-]{20,}"),
    re.compile(r"gh[pousr]_[A-Za-z0-9]{20,}"),
    re.compile(r"\bsk-[A-Za-z0-9]{20,}"),
    re.compile(r"(?i)\b(password|secret_data|client_secret|api_key|auth_string)\s*=\s*\"[^\"$]+\""),
]


def test_no_secret_value_is_written_in_terraform():
    for path in tf_files():
        text = path.read_text()
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(text), f"{path} matches {pattern.pattern}"
        assert "google_secret_manager_secret_version" not in text, f"{path} would put a secret value in state"


def test_the_secret_scan_would_catch_a_written_secret():
    leaked = 'resource "google_sql_user" "x" {\n  password = "hunter2-hunter2"\n}\n'
    assert any(pattern.search(leaked) for pattern in SECRET_PATTERNS)


def _checkov() -> str:
    for candidate in (
        os.environ.get("NETRA_CHECKOV"),
        str(ROOT / ".venv" / "checkov" / "bin" / "checkov"),
        shutil.which("checkov"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail("checkov is not installed: `make test` installs it into .venv/checkov")


def run_checkov(directory: Path) -> dict:
    result = subprocess.run(
        [_checkov(), "-d", str(directory), "--config-file", str(TERRAFORM / ".checkov.yaml"), "-o", "json", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stdout) if result.stdout.strip() else {}
    report = report[0] if isinstance(report, list) else report
    # checkov exits 0 on a syntax error: the parsing_errors in its report are what count.
    return {
        "parsing_errors": report.get("summary", {}).get("parsing_errors", 0),
        "failed": [
            f"{c['check_id']} {c['resource']} ({c['file_path']})"
            for c in report.get("results", {}).get("failed_checks", [])
        ],
        "passed": report.get("summary", {}).get("passed", 0),
    }


def test_checkov_finds_nothing_unreviewed():
    report = run_checkov(TERRAFORM)
    assert report["parsing_errors"] == 0
    assert report["failed"] == []
    assert report["passed"] > 40


def test_a_syntax_error_is_caught_even_though_checkov_exits_zero(tmp_path):
    (tmp_path / "broken.tf").write_text('resource "google_pubsub_topic" "t" {\n  name = "x"\n')
    assert run_checkov(tmp_path)["parsing_errors"] == 1


def test_every_skipped_check_is_justified():
    lines = (TERRAFORM / ".checkov.yaml").read_text().splitlines()
    skip_at = lines.index("skip-check:")
    for index, line in enumerate(lines[skip_at + 1 :], start=skip_at + 1):
        if line.strip().startswith("- CKV"):
            previous = lines[index - 1].strip()
            assert previous.startswith("#") or previous.startswith("- CKV"), f"{line.strip()} has no justification"


def test_scheduled_functions_are_called_by_cloud_scheduler_with_oidc_and_invoked_by_it_alone():
    scheduled = [f for f in TOPOLOGY.functions.values() if f.trigger == "schedule"]
    assert [f.name for f in scheduled] == ["sweeper"]
    resources = blocks(MODULES / "functions", "resource")
    job = resources["google_cloud_scheduler_job.schedule"]
    assert (
        locals_of(MODULES / "functions")["scheduled"]
        == '${{for name, f in var.functions : name => f if f.trigger == "schedule"}}'
    )
    assert job["for_each"] == "${local.scheduled}" and job["schedule"] == "${each.value.schedule}"
    target = job["http_target"][0]
    run_app = "${google_cloudfunctions2_function.function[each.key].service_config[0].uri}"
    assert target["http_method"] == "POST" and target["uri"] == run_app
    assert target["oidc_token"][0] == {"service_account_email": "${var.scheduler_invoker}", "audience": run_app}
    functions = locals_of(MODULES / "functions")
    assert functions["invoker_accounts"]["schedule"] == "${var.scheduler_invoker}"
    assert '"serviceAccount:${local.invoker_accounts[f.trigger]}" if f.trigger != "http"' in functions["invokers"]
    calls = module_calls(PLATFORM)["functions"]
    assert calls["scheduler_invoker"] == "${module.identities.scheduler_invoker_email}"


def test_a_pushed_or_scheduled_function_is_told_the_one_identity_that_may_invoke_it():
    """Cloud Run's invoker binding and the function's own OIDC check name the same account
    (netra_agents.bootstrap reads it): Pub/Sub's push identity, or the scheduler's."""
    functions = locals_of(MODULES / "functions")
    assert functions["invoker_accounts"] == {"pubsub": "${var.push_invoker}", "schedule": "${var.scheduler_invoker}"}
    assert {f.trigger for f in TOPOLOGY.functions.values()} - {"http"} <= set(functions["invoker_accounts"])
    assert (
        'f.trigger == "http" ? {} : {INVOKER_SERVICE_ACCOUNT = local.invoker_accounts[f.trigger]}'
        in functions["function_env"]
    )
    assert "local.invoker_accounts[f.trigger]" in functions["invokers"]
    resource = blocks(MODULES / "functions", "resource")["google_cloudfunctions2_function.function"]
    assert resource["service_config"][0]["environment_variables"] == "${local.function_env[each.key]}"
    bootstrap = (ROOT / "functions" / "agents" / "netra_agents" / "bootstrap.py").read_text()
    assert '("INVOKER_SERVICE_ACCOUNT",)' in bootstrap
    # The OIDC audience stays each function's run.app URL, which the function checks the token
    # against as the URL it was called at (no INVOKER_AUDIENCE needed).
    subscriptions = locals_of(MODULES / "pubsub")["push"]
    assert "audience = try(var.push_urls[sub.push.function]" in subscriptions
    assert "INVOKER_AUDIENCE" not in functions["function_env"]


def test_the_sweepers_query_has_its_firestore_index():
    index = blocks(MODULES / "firestore", "resource")["google_firestore_index.runs_by_status_and_update"]
    assert index["collection"] == "runs"
    assert [(f["field_path"], f["order"]) for f in index["fields"]] == [
        ("status", "ASCENDING"),
        ("updated_at", "ASCENDING"),
    ]


def test_no_terraform_file_is_ignored_by_git():
    # `build/` in .gitignore once swallowed a module named build: it passed here, absent from the commit.
    ignored = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--others", "--ignored", "--exclude-standard", "terraform", "scripts"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [p for p in ignored if "__pycache__/" not in p] == []
