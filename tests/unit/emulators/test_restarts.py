"""The launcher restarts a crashed child with capped exponential backoff, gives up on one
that keeps crashing, and `netra status` says so (real child processes, no emulators)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time

from emulators.cli import main as netra
from emulators.platform import launcher
from emulators.platform.launcher import PlatformOptions, Started, Supervisor
from emulators.platform.processes import Lifecycle, ManagedProcess, RestartPolicy
from emulators.platform.workspace import Workspace
from tests.helpers import eventually


def test_backoff_doubles_up_to_its_cap():
    policy = RestartPolicy(first_delay=0.5, max_delay=4.0)
    assert [policy.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_a_child_that_keeps_crashing_is_given_up_on_and_one_that_recovered_starts_over():
    policy = RestartPolicy(first_delay=1.0, max_delay=10.0, max_crashes=3, stable_after=60.0)
    life = Lifecycle(started_at=0.0)
    assert life.exited(1, 5.0, policy) == 6.0  # 1 s after the first crash
    life.restarted(6.0)
    assert life.exited(1, 7.0, policy) == 9.0  # then 2 s
    life.restarted(9.0)
    assert life.exited(1, 10.0, policy) == 14.0  # then 4 s
    life.restarted(14.0)
    assert life.exited(1, 15.0, policy) is None and life.gave_up and life.restarts == 3
    calm = Lifecycle(started_at=0.0, crashes=3)
    assert calm.exited(-9, 100.0, policy) == 101.0 and calm.crashes == 1  # ran 100 s: recovered


def _platform(tmp_path, argv: list[str], policy: RestartPolicy) -> Supervisor:
    ws = Workspace(tmp_path)
    supervisor = Supervisor(PlatformOptions(ws, restart=policy), environ=dict(os.environ), say=lambda _: None)
    process = ManagedProcess("child", argv, ws.logs_dir / "child.log").start()
    supervisor.started.append(
        Started("child", "function", process, "127.0.0.1", None, "http://127.0.0.1:9", {"type": "process"})
    )
    supervisor._write_state(ready=True)
    return supervisor


def test_a_killed_child_is_restarted_and_status_shows_restarts_and_last_exit(tmp_path, capsys, monkeypatch):
    supervisor = _platform(
        tmp_path, [sys.executable, "-c", "import time; time.sleep(60)"], RestartPolicy(first_delay=0.2)
    )
    child = supervisor.started[0]
    first = child.process.pid
    supervisor.watch()
    try:
        os.kill(first, signal.SIGKILL)
        eventually(
            lambda: child.lifecycle.restarts == 1 and child.process.running(),
            10,
            interval=0.05,
            what="the killed child restarted once",
        )
        assert child.process.pid != first
        report = launcher.status(supervisor.ws)
        (service,) = report["services"]
        assert service["restarts"] == 1 and service["last_exit_code"] == -signal.SIGKILL
        assert service["pid"] == child.process.pid and time.time() - service["last_exit_at"] < 10
        monkeypatch.setenv("NETRA_WORKSPACE", str(tmp_path))
        assert netra(["status", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["services"][0]["restarts"] == 1
        assert netra(["status"]) == 0
        assert "restarts 1, last exit -9" in capsys.readouterr().out
    finally:
        supervisor.stop()
    assert not child.process.running()


def test_a_child_that_crashes_at_every_start_is_reported_not_restarted_for_ever(tmp_path):
    policy = RestartPolicy(first_delay=0.05, max_delay=0.2, max_crashes=3)
    supervisor = _platform(tmp_path, [sys.executable, "-c", "raise SystemExit(3)"], policy)
    child = supervisor.started[0]
    supervisor.watch()
    try:
        eventually(lambda: child.lifecycle.gave_up, 10, interval=0.05, what="the launcher gave up on the child")
        time.sleep(0.5)  # and it stays given up on
        assert child.lifecycle.restarts == 3
        (service,) = launcher.status(supervisor.ws)["services"]
        assert (service["state"], service["restarts"], service["last_exit_code"]) == ("crashed", 3, 3)
    finally:
        supervisor.stop()
