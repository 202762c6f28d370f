"""The sweeper on the real platform (called by the launcher every second, deadlines short, as measured):
a run a lost message stranded fails with exactly one `agent_error`; a run within its
deadline is left alone; two sweeps at once fail a run once; an error the bus lost is sent
again."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import time

import httpx
import pytest
import yaml

from tests.helpers import eventually, url_of
from tests.integration.faults.conftest import SWEEP_SECONDS
from tests.integration.faults.driving import said, sign_in, stranded_run, stream

pytestmark = pytest.mark.platform
SETTLE = SWEEP_SECONDS + 8  # a sweep, and the error's way through the bus and the relay


def wait_for_status(firestore_db, run_id: str, status: str, timeout: float) -> dict:
    document = firestore_db.collection("runs").document(run_id)
    return eventually(
        lambda: (run := document.get().to_dict())["status"] == status and run,
        timeout,
        interval=0.1,
        what=lambda: f"{run_id} {status} (it is {document.get().to_dict()['status']})",
    )


def errors_of(redis, who: dict, run_id: str) -> list[dict]:
    return [
        e
        for e in stream(redis, who["user"]["user_id"], run_id, until="agent_error", timeout=SETTLE)
        if e["type"] == "agent_error"
    ]


def dispatched(step: str, seconds_ago: float, deadline_in: float) -> dict:
    now = dt.datetime.now(dt.timezone.utc)
    return {
        "name": step,
        "status": "dispatched",
        "dispatched_at": now - dt.timedelta(seconds=seconds_ago),
        "deadline_at": now + dt.timedelta(seconds=deadline_in),
    }


def test_a_run_whose_step_message_was_lost_fails_once_with_an_agent_error(
    http, platform, deadlines, redis, firestore_db, unique
):
    who = sign_in(http, platform, f"lost-{unique}@example.com")
    run_id = f"lost-{unique}"
    # The triage step went out a second past its deadline and its result never came back.
    stranded_run(
        firestore_db,
        who,
        run_id,
        "running",
        deadlines.triage + 1,
        plan=["triage"],
        sent={"triage": True},
        steps=[dispatched("triage", deadlines.triage + 1, -1)],
    )
    run = wait_for_status(firestore_db, run_id, "failed", SETTLE)
    assert run["error"] == {"step": "triage", "message": f"the triage step took longer than {deadlines.triage} s"}
    assert run["steps"][0]["status"] == "failed"
    assert len(errors_of(redis, who, run_id)) == 1
    time.sleep(3 * SWEEP_SECONDS)  # later sweeps send nothing again
    assert len(errors_of(redis, who, run_id)) == 1
    assert firestore_db.collection("runs").document(run_id).get().to_dict()["sent"]["error"] is True


def test_a_request_never_picked_up_fails_past_its_start_deadline(
    http, platform, deadlines, redis, firestore_db, unique
):
    who = sign_in(http, platform, f"unstarted-{unique}@example.com")
    run_id = f"unstarted-{unique}"
    stranded_run(firestore_db, who, run_id, "pending", deadlines.start + 1)
    run = wait_for_status(firestore_db, run_id, "failed", SETTLE)
    message = f"the request was not picked up within {deadlines.start:g} s"
    assert run["error"] == {"step": "supervisor", "message": message}
    (error,) = errors_of(redis, who, run_id)
    assert error["payload"]["agent"] == "supervisor" and error["payload"]["recoverable"] is False


def test_runs_within_their_deadlines_are_left_alone(http, platform, deadlines, firestore_db, unique):
    who = sign_in(http, platform, f"patient-{unique}@example.com")
    # Quiet long enough to be looked at, but its optimization step has 30 s left; and a
    # request that has waited 5 s of its (at least) 30.
    stranded_run(
        firestore_db,
        who,
        f"busy-{unique}",
        "running",
        deadlines.quiet + 5,
        plan=["triage", "data", "optimization"],
        sent={"optimization": True},
        steps=[dispatched("optimization", 15, 30)],
    )
    stranded_run(firestore_db, who, f"queued-{unique}", "pending", 5)
    time.sleep(4 * SWEEP_SECONDS)
    for run_id, status in ((f"busy-{unique}", "running"), (f"queued-{unique}", "pending")):
        assert firestore_db.collection("runs").document(run_id).get().to_dict()["status"] == status


def test_sweeps_at_once_fail_a_run_once(http, platform, deadlines, redis, firestore_db, unique):
    who = sign_in(http, platform, f"twice-{unique}@example.com")
    run_id = f"raced-{unique}"
    stranded_run(
        firestore_db,
        who,
        run_id,
        "running",
        deadlines.quiet + 5,
        plan=["triage", "data"],
        sent={"data": True},
        steps=[dispatched("data", 20, -5)],
    )
    sweeper = url_of(platform, "sweeper")
    # Called as the launcher's timer calls it: with the local push token.
    token = {"token": yaml.safe_load(platform.ws.secrets_file.read_text())["relay-push-token"]}
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: httpx.post(sweeper, params=token, json={}, timeout=30), range(6)))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    # The launcher's own sweeps race these too: one transition fails the run, whoever made it.
    assert sum(run_id in a.json()["failed"] for a in answers) <= 1
    run = wait_for_status(firestore_db, run_id, "failed", SETTLE)
    assert run["error"]["step"] == "data"
    assert len(errors_of(redis, who, run_id)) == 1, said(platform)


def test_an_error_the_bus_lost_is_sent_again(http, platform, deadlines, redis, firestore_db, unique):
    who = sign_in(http, platform, f"resend-{unique}@example.com")
    run_id = f"unsent-{unique}"
    # Failed past the resend delay; the error was never marked sent (the bus was down when it was due).
    stranded_run(
        firestore_db,
        who,
        run_id,
        "failed",
        deadlines.resend_after + 5,
        error={"step": "data", "message": "the data step took too long"},
        sent={"data": True},
    )
    (error,) = errors_of(redis, who, run_id)
    assert error["payload"]["message"] == "the data step took too long"
    eventually(
        lambda: (firestore_db.collection("runs").document(run_id).get().to_dict().get("sent") or {}).get("error"),
        SETTLE,
        interval=0.1,
        what="the error marked sent",
    )


def test_the_sweeper_answers_only_a_post(platform):
    sweeper = url_of(platform, "sweeper")
    assert httpx.get(f"{sweeper}/health").status_code == 200
    refused = httpx.get(sweeper)
    assert refused.status_code == 405 and refused.json()["error"]["code"] == "method_not_allowed"
