"""Faults on the local platform: many users at once, an agent killed mid-run, the bus killed
mid-run. Deadlines are short, measured when the suite starts (triage 9 s on an idle
machine), the sweeper runs every second and a crashed child comes back after triage's
deadline (see conftest)."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import time

import httpx
import pytest

from emulators.platform import health, launcher
from tests.helpers import eventually, url_of
from tests.integration.faults.calibration import step_times
from tests.integration.faults.conftest import SWEEP_SECONDS
from tests.integration.faults.driving import ask, events, finished, run_of, said, sign_in, stream

pytestmark = pytest.mark.platform


def child(platform, name: str):
    return next(item for item in platform.started if item.name == name)


def unclear(unique: str) -> str:
    """A question code cannot read: triage asks a model about it (a clear one needs none)."""
    return f"zxqv {unique}"


def slow_triage(platform, unique: str) -> None:
    """The next model call about `unique` (triage's) answers after 4 s: the run waits mid-step."""
    llm = url_of(platform, "llm-emulator")
    httpx.post(
        f"{llm}/_emulator/faults", json={"faults": [{"match": unique, "latency_ms": 4000, "times": 1}]}
    ).raise_for_status()


def in_triage(platform, unique: str, timeout: float = 20.0) -> None:
    llm = url_of(platform, "llm-emulator")
    eventually(
        lambda: httpx.get(f"{llm}/_emulator/requests", params={"match": unique}).json()["count"] >= 1,
        timeout,
        interval=0.05,
        what="triage called a model",
    )


def back(platform, name: str, restarts: int, timeout: float) -> dict:
    """Once the launcher has restarted `name` and it answers again: its `netra status` entry."""
    item = child(platform, name)
    eventually(
        lambda: item.lifecycle.restarts >= restarts and item.process.running() and health.probe(item.record()),
        timeout,
        interval=0.1,
        what=lambda: f"{name} back\n{said(platform)}",
    )
    return next(s for s in launcher.status(platform.ws)["services"] if s["name"] == name)


def told(redis, who: dict, run: dict, timeout: float = 30.0) -> list[dict]:
    """The run's outcome as the user's stream has it: one final report, or one error."""
    last_word = "final_report" if run["status"] == "completed" else "agent_error"
    said_once = [
        e
        for e in stream(redis, who["user"]["user_id"], run["run_id"], until=last_word, timeout=timeout)
        if e["type"] == last_word
    ]
    assert len(said_once) == 1, said_once
    return said_once


def test_twenty_questions_from_five_users_at_once_all_complete_and_each_sees_only_their_own(
    http, platform, deadlines, redis, unique
):
    users = [sign_in(http, platform, f"crowd{n}-{unique}@example.com") for n in range(5)]
    asks = [(who, f"How do we reduce our LLM spend? ({n})") for who in users for n in range(4)]
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        asked = list(pool.map(lambda a: ask(http, platform, *a), asks))
    runs = [finished(http, platform, who, a["run_id"], timeout=90) for (who, _), a in zip(asks, asked, strict=False)]
    failed = [(r["run_id"], r["error"], step_times([r])) for r in runs if r["status"] != "completed"]
    assert not failed, f"{len(failed)} of 20 failed: {failed}\n{deadlines}; slowest here: {step_times(runs)}"
    for who in users:
        mine = [a for (w, _), a in zip(asks, asked, strict=False) if w is who]
        for a in mine:
            told(redis, who, {"run_id": a["run_id"], "status": "completed"})
        seen = events(redis, who["user"]["user_id"])
        assert {e["run_id"] for e in seen if e.get("run_id")} == {a["run_id"] for a in mine}
        assert {e["thread_id"] for e in seen if e.get("thread_id")} == {a["thread_id"] for a in mine}


def test_an_agent_killed_mid_run_is_restarted_and_the_run_ends_with_its_outcome_told(
    http, platform, deadlines, restart_delay, redis, unique
):
    who = sign_in(http, platform, f"killed-{unique}@example.com")
    slow_triage(platform, unique)
    asked = ask(http, platform, who, unclear(unique))
    in_triage(platform, unique)
    triage = child(platform, "triage")
    killed_pid = triage.process.pid
    os.killpg(killed_pid, signal.SIGKILL)  # kill -9, workers and all

    status = back(platform, "triage", 1, timeout=restart_delay + 30)
    assert status["pid"] != killed_pid and status["restarts"] == 1 and status["last_exit_code"] == -signal.SIGKILL
    assert status["state"] == "healthy"
    run = finished(http, platform, who, asked["run_id"], timeout=deadlines.triage + restart_delay + 30)
    told(redis, who, run)
    # The restarted agent serves the next question.
    again = ask(http, platform, who, "Which models do we use most?")
    after = finished(http, platform, who, again["run_id"], timeout=60)
    assert after["status"] == "completed", f"{after}\n{said(platform)}"


def test_a_killed_bus_fails_the_run_within_its_deadline_and_the_error_reaches_the_user_once_it_is_back(
    http, platform, deadlines, restart_delay, redis, unique
):
    who = sign_in(http, platform, f"busless-{unique}@example.com")
    slow_triage(platform, unique)
    asked = ask(http, platform, who, unclear(unique))
    in_triage(platform, unique)
    dispatched = run_of(http, platform, who, asked["run_id"])["steps"][0]
    bus = child(platform, "pubsub-emulator")
    os.killpg(bus.process.pid, signal.SIGKILL)
    killed_at = time.monotonic()

    # Whatever triage sends now is lost; the sweeper (no bus needed) fails the run on time.
    run = finished(http, platform, who, asked["run_id"], timeout=deadlines.triage + SWEEP_SECONDS + 10)
    assert time.monotonic() - killed_at <= deadlines.triage + SWEEP_SECONDS + 5, said(platform)
    assert run["status"] == "failed" and run["error"]["step"] == "triage", run
    assert run["error"]["message"] == f"the triage step took longer than {deadlines.triage} s"
    assert dispatched["name"] == "triage"

    # The launcher brings the bus back (empty: it wires it again); the error then reaches the user, once.
    back(platform, "pubsub-emulator", 1, timeout=restart_delay + 30)
    (error,) = told(redis, who, run, timeout=40)
    assert error["payload"]["agent"] == "triage"
    # And the platform works again.
    again = ask(http, platform, who, "Which models do we use most?")
    after = finished(http, platform, who, again["run_id"], timeout=60)
    assert after["status"] == "completed", f"{after}\n{said(platform)}"
