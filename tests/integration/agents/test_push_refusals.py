"""The agents' functions on the real platform refuse what Pub/Sub (or the scheduler) did not
send: a push without the push token, or with a wrong one, is refused with a JSON 401 and
not processed; a malformed envelope gets a JSON 400 and one log line, no stack trace; the
supervisor keeps no delegated token for a run that does not exist or is someone else's,
not even for a moment; and a step that fails on a bug fails its run at once, with a clear
message the client gets, instead of after Pub/Sub's redeliveries."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import uuid

import httpx
import pytest
import yaml

from shared_lib.clients.pubsub import publisher_client
from shared_lib.contracts.agents import StepTask
from shared_lib.contracts.runs import new_run
from tests.conftest import TEST_REDIS_URL
from tests.helpers import eventually, url_of

from netra_relay.streams import stream_key

pytestmark = pytest.mark.platform
PUSHED = ("supervisor", "triage", "data", "optimization", "actions", "reporting")
TOPICS = {
    "supervisor": "agent-requests",
    **{step: f"agent-{step}" for step in PUSHED[1:]},
}


@pytest.fixture(scope="module")
def push_token(platform) -> str:
    return yaml.safe_load(platform.ws.secrets_file.read_text())["relay-push-token"]


def endpoint(platform, settings, function: str) -> str:
    return f"{url_of(platform, function)}/projects/{settings.project_id}/topics/{TOPICS[function]}"


def envelope(data: bytes, subscription: str = "supervisor-agent-requests", **message) -> dict:
    return {
        "message": {
            "data": base64.b64encode(data).decode(),
            "attributes": {},
            "messageId": f"forged-{uuid.uuid4().hex}",
            "publishTime": dt.datetime.now(dt.timezone.utc).isoformat(),
            **message,
        },
        "subscription": f"projects/netra-local/subscriptions/{subscription}",
    }


def pending_run(firestore_db, run_id: str, user: str = "owner") -> dict:
    run = new_run(f"u-{user}", f"o-{user}", f"t-{run_id}", "m1", dt.datetime.now(dt.timezone.utc))
    firestore_db.collection("runs").document(run_id).set(run)
    return run


def request_of(run_id: str, run: dict, **claimed) -> dict:
    return {
        "run_id": run_id,
        "thread_id": run["thread_id"],
        "message_id": run["message_id"],
        "user_id": run["user_id"],
        "org_id": run["org_id"],
        "delegated_token": "forged-delegated-token",
        "delegated_expires_in": 1800,
        **claimed,
    }


def refused_as(answer: httpx.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json"), answer.text
    assert answer.json()["error"]["code"] == code and answer.json()["error"]["message"]


def log_of(platform, function: str):
    """What the function logs from now on: a callable giving the lines written since."""
    path = next(item for item in platform.started if item.name == function).process.log_path
    start = path.stat().st_size

    def since() -> str:
        with path.open("rb") as log:
            log.seek(start)
            return log.read().decode(errors="replace")

    return since


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_a_forged_request_to_the_supervisor_is_refused_and_not_processed(
    platform, settings, firestore_db, redis, unique, token
):
    run_id = f"forged-{unique}"
    run = pending_run(firestore_db, run_id)
    params = {"token": token} if token else {}
    answer = httpx.post(
        endpoint(platform, settings, "supervisor"),
        params=params,
        json=envelope(json.dumps(request_of(run_id, run)).encode()),
    )
    refused_as(answer, 401, "unauthenticated")
    assert firestore_db.collection("runs").document(run_id).get().to_dict()["status"] == "pending"
    assert not redis.exists(f"run-credential:{run_id}")


@pytest.mark.parametrize("function", PUSHED[1:])
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_a_forged_step_task_is_refused(platform, settings, firestore_db, unique, function, token):
    run_id = f"forged-{unique}"
    run = pending_run(firestore_db, run_id)
    task = StepTask(run_id, function, run["user_id"], run["org_id"], run["thread_id"]).to_json()
    answer = httpx.post(
        endpoint(platform, settings, function),
        params={"token": token} if token else {},
        json=envelope(json.dumps(task).encode(), f"{function}-steps"),
    )
    refused_as(answer, 401, "unauthenticated")
    assert not firestore_db.collection("runs").document(run_id).collection("outputs").document(function).get().exists


def test_the_sweeper_is_called_with_the_token_only(platform, push_token):
    sweeper = url_of(platform, "sweeper")
    refused_as(httpx.post(sweeper, json={}), 401, "unauthenticated")
    refused_as(httpx.post(sweeper, params={"token": "wrong-token"}, json={}), 401, "unauthenticated")
    swept = httpx.post(sweeper, params={"token": push_token}, json={}, timeout=30)
    assert swept.status_code == 200 and set(swept.json()) == {"failed", "resent", "errors"}, swept.text
    assert httpx.get(f"{sweeper}/health").status_code == 200  # the launcher's probe carries no token


GOOD = base64.b64encode(b"{}").decode()
MALFORMED = {
    "not JSON": b"{not json",
    "a JSON array": b"[]",
    "no message": json.dumps({"subscription": "projects/p/subscriptions/s"}).encode(),
    "a message that is not an object": json.dumps({"message": "hello"}).encode(),
    "no messageId": json.dumps({"message": {"data": GOOD}}).encode(),
    "data not base64": json.dumps({"message": {"data": "%%%not-base64%%%", "messageId": "1"}}).encode(),
    "attributes not strings": json.dumps(
        {"message": {"data": GOOD, "messageId": "1", "attributes": {"a": 1}}}
    ).encode(),
    "data not JSON": json.dumps(
        {"message": {"data": base64.b64encode(b"\xff\xfe").decode(), "messageId": "1"}}
    ).encode(),
    "data not a task": json.dumps({"message": {"data": GOOD, "messageId": "1"}}).encode(),
    "deeply nested data": json.dumps(
        {"message": {"data": base64.b64encode(b"[" * 5000 + b"]" * 5000).decode(), "messageId": "1"}}
    ).encode(),
}


@pytest.mark.parametrize("function", PUSHED)
def test_a_malformed_push_gets_a_json_400_and_one_log_line_without_a_stack_trace(
    platform, settings, push_token, function
):
    since = log_of(platform, function)
    for what, body in MALFORMED.items():
        answer = httpx.post(
            endpoint(platform, settings, function),
            params={"token": push_token},
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 400, (what, answer.status_code, answer.text[:300])
        refused_as(answer, 400, "invalid_message")
    wrong_type = httpx.post(
        endpoint(platform, settings, function),
        params={"token": push_token},
        content=b"hello",
        headers={"Content-Type": "text/plain"},
    )
    refused_as(wrong_type, 400, "invalid_message")
    logged = since()
    assert "Traceback" not in logged, logged[-3000:]
    refusals = [line for line in logged.splitlines() if "push refused" in line]
    assert len(refusals) == len(MALFORMED) + 1, logged[-3000:]


def watched_redis():
    """Every command Redis runs from now on, until `stop()` (MONITOR: what was written, even
    if it was deleted again before anyone could look)."""
    import redis as redis_lib

    client = redis_lib.Redis.from_url(TEST_REDIS_URL)
    sentinel, seen, ready = f"netra-test-sentinel-{uuid.uuid4().hex}", [], threading.Event()

    def watch():
        with client.monitor() as monitor:
            ready.set()
            while True:
                command = monitor.next_command()["command"]
                if sentinel in command:
                    return
                seen.append(command)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert ready.wait(10)

    def stop() -> list[str]:
        client.echo(sentinel)  # after everything the function did before it answered
        watcher.join(20)
        assert not watcher.is_alive(), "the Redis monitor did not see its sentinel"
        return seen

    return stop


def test_a_request_for_a_run_that_does_not_exist_keeps_no_token(platform, settings, firestore_db, push_token, unique):
    run_id = f"no-such-run-{unique}"
    stop = watched_redis()
    answer = httpx.post(
        endpoint(platform, settings, "supervisor"),
        params={"token": push_token},
        json=envelope(json.dumps(request_of(run_id, new_run("u-x", "o-x", "t-x", "m1", dt.datetime.now()))).encode()),
    )
    assert answer.is_success, answer.text  # acknowledged: it will never be processable
    commands = stop()
    assert [c for c in commands if run_id in c] == []
    assert not firestore_db.collection("runs").document(run_id).get().exists


@pytest.mark.parametrize(
    "claimed", [{"user_id": "u-intruder", "org_id": "o-intruder"}, {"user_id": "u-intruder"}, {"org_id": "o-intruder"}]
)
def test_a_request_for_someone_elses_run_keeps_no_token_and_does_not_start_it(
    platform, settings, firestore_db, redis, push_token, unique, claimed
):
    run_id = f"theirs-{unique}"
    run = pending_run(firestore_db, run_id)
    stop = watched_redis()
    answer = httpx.post(
        endpoint(platform, settings, "supervisor"),
        params={"token": push_token},
        json=envelope(json.dumps(request_of(run_id, run, **claimed)).encode()),
    )
    assert answer.is_success, answer.text  # acknowledged, not redelivered into a dead letter for their run
    assert [c for c in stop() if f"run-credential:{run_id}" in c] == []
    assert not redis.exists(f"run-credential:{run_id}")
    assert firestore_db.collection("runs").document(run_id).get().to_dict()["status"] == "pending"


def client_events(redis, user_id: str, run_id: str) -> list[dict]:
    return [
        e
        for e in map(json.loads, (fields[b"e"] for _, fields in redis.xrange(stream_key(user_id))))
        if e.get("run_id") == run_id
    ]


def test_a_step_that_fails_on_a_bug_fails_the_run_at_once_and_the_client_is_told(
    platform, settings, firestore_db, redis, unique
):
    run_id = f"buggy-{unique}"
    now = dt.datetime.now(dt.timezone.utc)
    run = {
        **new_run(f"u-{unique}", f"o-{unique}", f"t-{unique}", "m1", now),
        "status": "running",
        "plan": ["triage", "data", "optimization", "reporting"],
        "steps": [
            {
                "name": "optimization",
                "status": "dispatched",
                "dispatched_at": now,
                "deadline_at": now + dt.timedelta(minutes=10),
            }
        ],
        "sent": {"optimization": True},
    }
    document = firestore_db.collection("runs").document(run_id)
    document.set(run)
    # A data output the optimization step's code cannot read: a KeyError in the step, a bug.
    document.collection("outputs").document("data").set({"output": {"profile": {}}, "saved_at": now})
    since = log_of(platform, "optimization")
    task = StepTask(run_id, "optimization", run["user_id"], run["org_id"], run["thread_id"])
    publisher_client(settings).publish(
        f"projects/{settings.project_id}/topics/agent-optimization", json.dumps(task.to_json()).encode(), run_id=run_id
    ).result(10)
    failed = eventually(
        lambda: (current := document.get().to_dict())["status"] == "failed" and current,
        60,
        interval=0.2,
        what=lambda: f"the run failed (it is {document.get().to_dict()['status']})",
    )
    # The step's own answer, not the dead letter's "could not be processed after repeated attempts".
    assert failed["error"]["step"] == "optimization", failed["error"]
    assert "internal error (KeyError)" in failed["error"]["message"], failed["error"]
    errors = eventually(
        lambda: [e for e in client_events(redis, run["user_id"], run_id) if e["type"] == "agent_error"],
        20,
        what="the client got the run's error",
    )
    # The step's own agent_error, and the supervisor's for the run: the same message.
    assert {e["payload"]["message"] for e in errors} == {failed["error"]["message"]}
    # One attempt: the bug logged once (with its trace), never redelivered.
    bugs = [line for line in since().splitlines() if run_id in line and "failed on a bug" in line]
    assert len(bugs) == 1, since()[-3000:]
