"""`netra up / status / env / down` as a developer runs them, on the real emulators."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from emulators.platform.processes import pid_alive, port_open
from tests.conftest import FIXTURES, FUNCTION_DIRS, TEST_DATABASE_URL, TEST_REDIS_URL
from tests.helpers import eventually

pytestmark = pytest.mark.platform
EXPECTED = {
    "front-end",
    "pubsub-emulator",
    "firestore-emulator",
    "secretmanager-emulator",
    "oauth-emulator",
    "recorder",
    "failing",
    "hello",
    "auth",
    "chat",
    "relay",
    "analytics",
    "llm-emulator",
    "supervisor",
    "triage",
    "data",
    "optimization",
    "actions",
    "reporting",
    "sweeper",
}


@pytest.fixture
def cli_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST")}
    env.update(
        NETRA_WORKSPACE=str(tmp_path),
        NETRA_TOPOLOGY=str(FIXTURES / "topology.yaml"),
        NETRA_FUNCTIONS_DIRS=os.pathsep.join(str(d) for d in FUNCTION_DIRS),
        DATABASE_URL=TEST_DATABASE_URL,
        REDIS_URL=TEST_REDIS_URL,
        NETRA_DEMO_CALLS_PER_DAY="20",  # a small demo month
    )
    return env


def netra(env: dict[str, str], *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "emulators.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def assert_all_gone(records: list[dict], workspace: Path) -> None:
    for record in records:
        assert not pid_alive(record["pid"]), f"{record['name']} (pid {record['pid']}) survived"
        if record.get("port"):
            assert not port_open("127.0.0.1", record["port"]), f"{record['name']} still listens on {record['port']}"
    assert not list((workspace / ".service_discovery").glob("*.json"))
    assert not (workspace / ".netra" / "run" / "state.json").exists()


def test_up_detached_status_env_down(cli_env, tmp_path):
    started = netra(cli_env, "up", "--detach")
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        status = json.loads(netra(cli_env, "status", "--json").stdout)
        assert status["run_dir"] == str(tmp_path / ".netra" / "run")
        states = {s["name"]: s["state"] for s in status["services"]}
        assert set(states) == EXPECTED
        assert set(states.values()) == {"healthy"}, states
        for service in status["services"]:
            assert Path(service["log"]).is_file()
            discovery = json.loads((tmp_path / ".service_discovery" / f"{service['name']}.json").read_text())
            assert discovery["url"] == service["url"]

        exports = netra(cli_env, "env").stdout
        assert "export PUBSUB_EMULATOR_HOST=127.0.0.1:" in exports
        assert "export NETRA_ENV=local" in exports

        # The local developer had no usage: `up` sends them a demo month, with its answer key.
        answer_key = tmp_path / ".netra" / "demo" / "answer_key.json"
        eventually(answer_key.exists, 120, interval=0.5, what="the demo's answer key written")
        key = json.loads(answer_key.read_text())
        assert key["email"] == "dev@netra.local" and key["calls"] > 300 and float(key["total_savings_usd"]) > 0
        seeded = netra(cli_env, "seed-demo", "--if-empty")
        assert seeded.returncode == 0 and "already holds" in seeded.stdout

        again = netra(cli_env, "up", "--detach")
        assert again.returncode != 0
        assert "already running" in again.stderr
        records = json.loads((tmp_path / ".netra" / "run" / "state.json").read_text())["services"]
    finally:
        stopped = netra(cli_env, "down")
    assert stopped.returncode == 0
    assert_all_gone(records, tmp_path)
    assert netra(cli_env, "status", "--json").returncode == 1


def test_ctrl_c_stops_everything(cli_env, tmp_path):
    foreground = subprocess.Popen(
        [sys.executable, "-m", "emulators.cli", "up"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    state_file = tmp_path / ".netra" / "run" / "state.json"

    def ready() -> list | None:
        assert foreground.poll() is None, "netra up exited before the platform was ready"
        state = json.loads(state_file.read_text()) if state_file.exists() else {}
        return state["services"] if state.get("ready") else None

    records = eventually(ready, 180, what="the platform ready")
    foreground.send_signal(signal.SIGINT)
    output, _ = foreground.communicate(timeout=60)
    assert foreground.returncode == 0
    assert "Netra local platform is up." in output and "stopped" in output
    assert_all_gone(records, tmp_path)


def test_a_missing_sdk_starts_nothing_and_says_how_to_install_it(cli_env, tmp_path):
    cli_env["NETRA_GCLOUD_SDK"] = str(tmp_path / "no-sdk")
    result = netra(cli_env, "up")
    assert result.returncode == 1
    assert "apt-get install -y google-cloud-cli-pubsub-emulator" in result.stdout
    assert not (tmp_path / ".netra" / "run" / "logs").exists()
    assert not (tmp_path / ".service_discovery").exists()
