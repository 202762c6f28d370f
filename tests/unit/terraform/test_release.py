"""scripts/release.py (traffic moved only to healthy revisions, rollback outside Terraform) and
scripts/deploy (the plan shown and approved). gcloud is replaced by an in-memory model of the
Cloud Run services (pure logic); scripts/deploy runs for real against stub terraform/gcloud."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.unit.terraform.hcl import ROOT

spec = importlib.util.spec_from_file_location("release", ROOT / "scripts" / "release.py")
release = importlib.util.module_from_spec(spec)
sys.modules.setdefault("release", release)  # dataclasses look their module up
spec.loader.exec_module(release)


class FakeRun(release.Gcloud):
    """Cloud Run services as gcloud describes them; records every command."""

    def __init__(self, services: dict[str, dict], ready: set[str] = frozenset()):
        super().__init__("p", "r")
        self.services, self.ready, self.commands = services, set(ready), []

    def service(self, name):
        state = self.services.get(name)
        if state is None:
            return None
        traffic = [dict(e) for e in state["traffic"]]
        for tag, revision in state.get("tags", {}).items():
            traffic.append(
                {"revisionName": revision, "percent": 0, "tag": tag, "url": f"https://{tag}---{name}.run.app"}
            )
        return {
            "status": {
                "traffic": traffic,
                "latestCreatedRevisionName": state["latest"],
                "latestReadyRevisionName": state["latest"],
            }
        }

    def revision_ready(self, revision):
        return revision in self.ready

    def route(self, name, revisions):
        self.commands.append(("route", name, dict(revisions)))
        self.services[name]["traffic"] = [{"revisionName": r, "percent": p} for r, p in revisions.items()]

    def tag(self, name, revision):
        self.commands.append(("tag", name, revision))
        self.services[name].setdefault("tags", {})[release.TAG] = revision

    def untag(self, name):
        self.commands.append(("untag", name))
        self.services[name].get("tags", {}).pop(release.TAG, None)

    def make_public(self, name):
        self.commands.append(("public", name))


def _service(serving: str, latest: str, *, latest_routing: bool = False) -> dict:
    entry = {"latestRevision": True, "percent": 100} if latest_routing else {"revisionName": serving, "percent": 100}
    return {"traffic": [entry], "latest": latest}


def test_pin_turns_latest_routing_into_the_serving_revision():
    cloud = FakeRun(
        {"relay": _service("relay-1", "relay-1", latest_routing=True), "chat": _service("chat-1", "chat-1")}
    )
    release.pin(cloud, ["relay", "chat", "not-created-yet"])
    assert cloud.commands == [("route", "relay", {"relay-1": 100})]


def test_new_revisions_are_checked_on_their_tagged_url_before_any_traffic_moves():
    cloud = FakeRun(
        {"chat": _service("chat-1", "chat-2"), "triage": _service("triage-1", "triage-2")}, ready={"triage-2"}
    )
    checked = []
    status = release.promote(cloud, ["chat"], ["triage"], check=lambda url: checked.append(url) or True)
    assert status == 0
    assert checked == ["https://candidate---chat.run.app/health"]
    routes = [c for c in cloud.commands if c[0] == "route"]
    assert routes == [("route", "chat", {"chat-2": 100}), ("route", "triage", {"triage-2": 100})]
    # Every check happened before the first traffic move; the HTTP function is public without IAM.
    assert cloud.commands.index(("tag", "triage", "triage-2")) < cloud.commands.index(routes[0])
    assert ("public", "chat") in cloud.commands and ("public", "triage") not in cloud.commands


def test_one_unhealthy_revision_moves_no_traffic_at_all():
    cloud = FakeRun({"chat": _service("chat-1", "chat-2"), "triage": _service("triage-1", "triage-2")}, ready=set())
    assert release.promote(cloud, ["chat"], ["triage"], check=lambda url: True) == 1
    assert not [c for c in cloud.commands if c[0] == "route"]
    assert cloud.services["chat"]["traffic"] == [{"revisionName": "chat-1", "percent": 100}]
    assert cloud.services["chat"]["tags"] == {}  # the candidate tag is removed either way


def test_a_failing_health_check_moves_no_traffic():
    cloud = FakeRun({"chat": _service("chat-1", "chat-2")})
    assert release.promote(cloud, ["chat"], [], check=lambda url: False) == 1
    assert cloud.services["chat"]["traffic"] == [{"revisionName": "chat-1", "percent": 100}]


def test_rollback_moves_traffic_back_and_prints_nothing_terraform_would_undo(capsys):
    cloud = FakeRun({"chat": _service("chat-1", "chat-2")})
    release.promote(cloud, ["chat"], [], check=lambda url: True)
    printed = capsys.readouterr().out
    assert "scripts/release.py rollback --project p --region r chat=chat-1" in printed
    assert release.rollback(cloud, ["chat=chat-1"]) == 0
    assert cloud.services["chat"]["traffic"] == [{"revisionName": "chat-1", "percent": 100}]
    assert release.rollback(cloud, ["chat"]) == 2


def test_a_revision_already_serving_is_left_alone():
    cloud = FakeRun({"chat": _service("chat-1", "chat-1")})
    assert release.promote(cloud, ["chat"], [], check=lambda url: pytest.fail("nothing new to check")) == 0
    assert [c for c in cloud.commands if c[0] in ("route", "tag")] == []


# -- scripts/deploy against stub terraform and gcloud ---------------------------------------------

STUB = """#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "$STUB_LOG"
case "$(basename "$0") $*" in
  "terraform "*" plan "*-detailed-exitcode*) exit 2 ;;     # there are changes
  "terraform "*" output "*) echo '{}' ;;                   # no state yet
  "gcloud run services describe "*) exit 1 ;;              # a new project: no service yet
esac
exit 0
"""


@pytest.fixture
def stubbed(tmp_path):
    """A checkout in tmp_path (the sources linked, the staging root copied with a stand-in lock
    file) so the script writes nothing into this repository."""
    root = tmp_path / "repo"
    for part in ("functions", "shared_lib", "websocket_relay"):
        (root / part).parent.mkdir(parents=True, exist_ok=True)
        (root / part).symlink_to(ROOT / part)
    (root / "scripts").mkdir()
    for script in ("deploy", "release.py", "build_bundles.py"):
        (root / "scripts" / script).symlink_to(ROOT / "scripts" / script)
    staging = root / "terraform" / "environments" / "staging"
    staging.mkdir(parents=True)
    (staging / "terraform.tfvars").write_text(
        (ROOT / "terraform" / "environments" / "staging" / "terraform.tfvars").read_text()
    )
    (staging / ".terraform.lock.hcl").write_text("# stand-in: terraform is a stub here\n")
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "init", "-q", str(root)], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(root),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "t",
        ],
        check=True,
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("terraform", "gcloud"):
        (bin_dir / tool).write_text(STUB)
        (bin_dir / tool).chmod(0o755)
    log = tmp_path / "calls.log"
    log.touch()
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "STUB_LOG": str(log)}
    env.pop("CI", None)

    def run(*args, stdin="", ci=False):
        result = subprocess.run(
            [str(root / "scripts" / "deploy"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**env, **({"CI": "true"} if ci else {})},
            timeout=120,
        )
        return result, log.read_text().splitlines()

    return run


def test_auto_approve_outside_ci_is_refused_before_anything_runs(stubbed):
    result, calls = stubbed("staging", "--auto-approve")
    assert result.returncode == 2 and "CI" in result.stderr
    assert calls == []


def test_a_plan_not_approved_is_not_applied(stubbed):
    result, calls = stubbed("staging", stdin="yes\n")  # approval is the environment's name
    assert result.returncode == 1 and "not approved" in result.stderr
    assert any(c.startswith("terraform ") and " show " in c for c in calls)  # the plan was shown
    assert not [c for c in calls if " apply " in c]


def test_an_approved_bootstrap_is_applied_and_then_secrets_are_checked(stubbed):
    result, calls = stubbed("staging", stdin="staging\nno\n")
    applied = [i for i, c in enumerate(calls) if " apply " in c]
    assert len(applied) == 1 and "bootstrap.tfplan" in calls[applied[0]]
    secrets = next(i for i, c in enumerate(calls) if c.startswith("gcloud secrets list"))
    assert applied[0] < secrets
    assert result.returncode == 1 and "not approved" in result.stderr  # the full plan was refused


def test_ci_approves_with_the_flag(stubbed):
    result, calls = stubbed("staging", "--auto-approve", ci=True)
    assert [c for c in calls if " apply " in c][:1] and "approved by CI" in result.stdout


def test_without_a_committed_lock_file_nothing_runs(stubbed, tmp_path):
    # The lock file records the provider release; it cannot be generated offline, so the
    # deploy asks for it to be created once, reviewed and committed, instead of inventing one.
    (tmp_path / "repo" / "terraform" / "environments" / "staging" / ".terraform.lock.hcl").unlink()
    result, calls = stubbed("staging")
    assert result.returncode == 1 and "providers lock" in result.stderr
    assert calls == []
