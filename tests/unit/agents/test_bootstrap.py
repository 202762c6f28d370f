"""The agents' composition root validates every setting at cold start: a bad one fails
start-up naming it, before any client is built (and before any step could dead-letter)."""

from __future__ import annotations

import pytest

from shared_lib.config import ConfigError

from netra_agents.bootstrap import configuration, push_authenticator

DEPLOYED = {"NETRA_ENV": "production", "NETRA_PROJECT_ID": "netra-prod"}
PUSHER = "netra-push@netra-prod.iam.gserviceaccount.com"


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("LLM_MONTHLY_BUDGET_USD", "lots", "LLM_MONTHLY_BUDGET_USD must be a number of dollars, got 'lots'"),
        ("LLM_TIMEOUT_SECONDS", "0", "LLM_TIMEOUT_SECONDS must be an integer from 1 to 600, got '0'"),
        ("AGENT_DEADLINE_PERCENT", "150", "AGENT_DEADLINE_PERCENT must be an integer from 1 to 100, got '150'"),
    ],
)
def test_a_bad_setting_fails_the_cold_start_with_its_name(name, value, said):
    with pytest.raises(ConfigError) as raised:
        configuration({"NETRA_ENV": "test", name: value})
    assert raised.value.problems == [said]


def test_the_llm_emulator_is_refused_outside_local_runs():
    with pytest.raises(ConfigError) as raised:
        configuration({**DEPLOYED, "INVOKER_SERVICE_ACCOUNT": PUSHER, "LLM_EMULATOR_URL": "http://127.0.0.1:9"})
    assert raised.value.problems == ["LLM_EMULATOR_URL is for local runs only"]


@pytest.mark.parametrize(
    ("environ", "said"),
    [
        (
            DEPLOYED,
            "INVOKER_SERVICE_ACCOUNT is required when NETRA_ENV=production: the identity whose OIDC token may "
            "push to the agents (or call the sweeper)",
        ),
        (
            {**DEPLOYED, "INVOKER_SERVICE_ACCOUNT": "netra-push"},
            "INVOKER_SERVICE_ACCOUNT must be a service account email, got 'netra-push'",
        ),
        (
            {"NETRA_ENV": "test", "INVOKER_AUDIENCE": "https://supervisor-abc.a.run.app"},
            "INVOKER_AUDIENCE needs INVOKER_SERVICE_ACCOUNT (it is the OIDC token's audience)",
        ),
    ],
)
def test_deployed_the_caller_identity_is_required_and_checked(environ, said):
    with pytest.raises(ConfigError) as raised:
        configuration(environ)
    assert raised.value.problems == [said]


def test_deployed_calls_are_checked_by_oidc_and_locally_by_the_shared_token():
    from shared_lib.push_auth import PushRefused

    deployed = push_authenticator(configuration({**DEPLOYED, "INVOKER_SERVICE_ACCOUNT": PUSHER}))
    with pytest.raises(PushRefused, match="missing OIDC token"):
        deployed.check({"Host": "supervisor-abc.a.run.app"}, {"token": "anything"})
    read = []
    local = push_authenticator(configuration({"NETRA_ENV": "test"}))
    local._shared_token = lambda: read.append(1) or "shared"  # instead of the Secret Manager emulator
    with pytest.raises(PushRefused, match="missing or wrong push token"):
        local.check({}, {"token": "guess"})
    local.check({}, {"token": "shared"})
    assert read == [1]


def test_loading_the_entry_module_validates_the_settings(tmp_path):
    """What a deployed instance does at cold start: importing `main` with a bad setting fails."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    agents_dir = Path(__file__).resolve().parents[3] / "functions" / "agents"
    env = {**os.environ, "NETRA_ENV": "test", "LLM_MONTHLY_BUDGET_USD": "lots"}
    loaded = subprocess.run(
        [sys.executable, "-c", "import main"], cwd=agents_dir, env=env, capture_output=True, text=True, timeout=60
    )
    assert loaded.returncode != 0 and "LLM_MONTHLY_BUDGET_USD must be a number of dollars" in loaded.stderr
    fine = subprocess.run(
        [sys.executable, "-c", "import main"],
        cwd=agents_dir,
        env={**os.environ, "NETRA_ENV": "test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert fine.returncode == 0, fine.stderr
