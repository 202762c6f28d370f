"""The supervisor on in-memory collaborators: a request keeps the run's token and starts
triage on its topic; a result moves the run; the end of a run drops the token; a request
for no run, or for someone else's, keeps nothing (not even for a moment)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shared_lib.contracts.agents import InvalidMessage, StepResult, StepTask
from shared_lib.contracts.runs import new_run
from shared_lib.envelope import PubSubMessage

from netra_agents.credentials import RunCredentials
from netra_agents.runs import RunNotFound
from netra_agents.supervisor import SupervisorContext, supervise

NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.timezone.utc)
REPORT = {"kind": "guidance", "recommendations": []}


class Done:
    def result(self, timeout=None):
        return None


class Publisher:
    def __init__(self):
        self.sent = []

    def publish(self, topic, data, **attributes):
        self.sent.append((topic.rsplit("/", 1)[-1], json.loads(data)))
        return Done()


class Redis:
    def __init__(self):
        self.values, self.expiry, self.written = {}, {}, []

    def set(self, key, value, ex=None):
        self.values[key], self.expiry[key] = value, ex
        self.written.append(key)  # every write, even one deleted afterwards

    def get(self, key):
        return self.values.get(key)

    def delete(self, key):
        return int(self.values.pop(key, None) is not None)


class Runs:
    """RunStore's behaviour: transitions applied to one document, outputs beside it."""

    def __init__(self, run: dict | None, outputs: dict | None = None):
        self.doc, self.outputs, self.sent = run, outputs or {}, []

    def run(self, run_id):
        if self.doc is None:
            raise RunNotFound(run_id)
        return self.doc

    def apply(self, run_id, transition):
        if self.doc is None:
            raise RunNotFound(run_id)
        outcome = transition(self.doc, NOW, self.outputs.get)
        self.doc = {**self.doc, **(outcome.changes or {})}
        return self.doc, outcome

    def question(self, thread_id, message_id):
        return "How do we reduce our LLM spend?"

    def mark_sent(self, run_id, names):
        self.sent += names


def message(body) -> PubSubMessage:
    return PubSubMessage("1", json.dumps(body).encode(), {})


def supervisor(runs: Runs):
    publisher, redis = Publisher(), Redis()
    return SupervisorContext(runs, publisher, "netra-local", RunCredentials(redis)), publisher, redis


def test_a_request_keeps_the_token_for_its_lifetime_and_dispatches_triage():
    runs = Runs(new_run("u1", "o1", "t1", "m1", NOW))
    ctx, publisher, redis = supervisor(runs)
    supervise(
        message(
            {
                "run_id": "r1",
                "thread_id": "t1",
                "message_id": "m1",
                "user_id": "u1",
                "org_id": "o1",
                "delegated_token": "tok",
                "delegated_expires_in": 1800,
            }
        ),
        ctx,
    )
    assert (redis.values, redis.expiry) == ({"run-credential:r1": "tok"}, {"run-credential:r1": 1800})
    assert runs.doc["status"] == "running" and runs.doc["question"] == "How do we reduce our LLM spend?"
    assert publisher.sent[0] == ("agent-triage", StepTask("r1", "triage", "u1", "o1", "t1").to_json())
    assert [topic for topic, _ in publisher.sent[1:]] == ["client-events", "client-events"] and runs.sent == ["triage"]


def test_the_last_result_completes_the_run_with_the_report_and_drops_the_token():
    run = {
        **new_run("u1", "o1", "t1", "m1", NOW),
        "status": "running",
        "plan": ["triage", "data", "reporting"],
        "steps": [
            {
                "name": "reporting",
                "status": "dispatched",
                "dispatched_at": NOW,
                "deadline_at": NOW + dt.timedelta(minutes=5),
            }
        ],
    }
    runs = Runs(run, {"reporting": REPORT})
    ctx, publisher, redis = supervisor(runs)
    redis.set("run-credential:r1", "tok")
    supervise(
        message(StepResult("r1", "reporting", "completed", {"kind": "guidance", "recommendations": 0}).to_json()), ctx
    )
    assert runs.doc["status"] == "completed" and runs.doc["result"] == REPORT
    final = [body for topic, body in publisher.sent if topic == "client-events" and body["type"] == "final_report"]
    assert final[0]["payload"]["report"] == REPORT and runs.sent == ["final_report"] and redis.values == {}


def test_a_request_redelivered_after_its_run_ended_does_not_keep_the_token():
    runs = Runs({**new_run("u1", "o1", "t1", "m1", NOW), "status": "completed", "result": REPORT})
    ctx, publisher, redis = supervisor(runs)
    supervise(
        message(
            {
                "run_id": "r1",
                "thread_id": "t1",
                "message_id": "m1",
                "user_id": "u1",
                "org_id": "o1",
                "delegated_token": "tok",
                "delegated_expires_in": 1800,
            }
        ),
        ctx,
    )
    assert redis.values == {} and runs.doc["status"] == "completed"
    assert [topic for topic, _ in publisher.sent if topic.startswith("agent-")] == []


def test_a_request_without_its_message_is_invalid():
    ctx, _, _ = supervisor(Runs(new_run("u1", "o1", "t1", "m1", NOW)))
    with pytest.raises(InvalidMessage, match="needs run_id, thread_id and message_id"):
        supervise(message({"run_id": "r1"}), ctx)


def request(**changed) -> dict:
    return {
        "run_id": "r1",
        "thread_id": "t1",
        "message_id": "m1",
        "user_id": "u1",
        "org_id": "o1",
        "delegated_token": "forged",
        "delegated_expires_in": 1800,
        **changed,
    }


def test_a_request_for_no_run_keeps_no_token_and_sends_nothing():
    runs = Runs(None)
    ctx, publisher, redis = supervisor(runs)
    supervise(message(request()), ctx)
    assert redis.written == [] and publisher.sent == []


@pytest.mark.parametrize(
    "claimed",
    [
        {"user_id": "intruder"},
        {"org_id": "other-org"},
        {"thread_id": "someone-elses-thread"},
        {"message_id": "another-message"},
        {"user_id": None},
        {"org_id": None},
    ],
)
def test_a_request_for_someone_elses_run_keeps_no_token_and_does_not_start_it(claimed):
    runs = Runs(new_run("u1", "o1", "t1", "m1", NOW))
    ctx, publisher, redis = supervisor(runs)
    supervise(message(request(**claimed)), ctx)
    assert redis.written == [] and publisher.sent == []
    assert runs.doc["status"] == "pending"


def test_a_request_for_someone_elses_running_run_does_not_replace_its_token():
    runs = Runs({**new_run("u1", "o1", "t1", "m1", NOW), "status": "running", "steps": []})
    ctx, _, redis = supervisor(runs)
    redis.set("run-credential:r1", "the-owners")
    supervise(message(request(user_id="intruder", org_id="o2")), ctx)
    assert redis.values == {"run-credential:r1": "the-owners"}
