"""Every client event the producers really send keeps its type's schema, as a socket
receives it: the agents' steps (their real Progress on a recording publisher, the step
paths of tests/unit/agents), the step runtime, the supervisor, chat's notifications and
the relay's own messages. tests/integration/agents/test_agent_chain.py checks a whole run
end to end on the emulators."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
import json
import types

import pytest
from aiohttp import WSMsgType

from shared_lib.contracts.agents import StepResult, StepTask
from shared_lib.contracts.client_events import CONTROL, wire_errors
from shared_lib.contracts.runs import new_run
from shared_lib.events import TOPIC, ClientEvent
from shared_lib.llm.gateway import LlmUnavailable
from tests.unit.agents.report_fixtures import QUERIES, data_for
from tests.unit.agents.test_runs_and_triage import FakeGateway, context
from tests.unit.agents.test_step_outputs import Outputs, Unavailable
from tests.unit.agents.test_supervisor import Runs, message, supervisor
from tests.unit.agents.test_usage_data import WEEK, Silent, recording
from tests.unit.chat.fakes import ADA, Store, chat_service

from netra_agents.actions import plan_rollouts
from netra_agents.optimization import find_savings
from netra_agents.progress import Progress
from netra_agents.query import KINDS, Query
from netra_agents.reporting import ReportingContext, write_report
from netra_agents.runtime import PriorOutputs, StepFailed, StepRuntime, run_step
from netra_agents.supervisor import DEAD_LETTER_ATTRIBUTE, supervise
from netra_agents.triage import triage
from netra_agents.usage_data import DataContext, read_usage
from netra_chat.store import message_view, thread_view
from netra_relay import app as relay
from netra_relay.connections import Connection

NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.timezone.utc)


class Done:
    def result(self, timeout=None):
        return None


class Publisher:
    """Pub/Sub as the relay sees it: each client event, given the user's next stream id."""

    def __init__(self):
        self.events: list[dict] = []
        self._ids = itertools.count(1)

    def publish(self, topic, data, **attributes):
        if topic.endswith(f"/topics/{TOPIC}"):
            self.events.append(ClientEvent.from_message(data).wire(f"1764244800000-{next(self._ids)}"))
        return Done()


def broken(messages: list[dict]) -> dict[str, list[str]]:
    """Each message that breaks its schema, by type and id, with where."""
    return {f"{m['type']} {m['event_id']}": errors for m in messages if (errors := wire_errors(m))}


def progress(publisher: Publisher, agent: str) -> Progress:
    return Progress(publisher, "netra-test", "user-1", "thread-1", "run-1", agent)


def task(step: str) -> StepTask:
    return StepTask("run-1", step, "user-1", "org-1", "thread-1")


def types_of(publisher: Publisher) -> set[str]:
    return {m["type"] for m in publisher.events}


# --- the agents' steps --------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, gateway",
    [
        ("Show me spend on doc qa by model for the last 7 days", None),  # the parser understands it
        (
            "zorp blorp, last week?",
            FakeGateway(
                {
                    "kind": "plan",
                    "period_from": None,
                    "period_to": None,
                    "dimensions": [],
                    "filters": {"feature": [], "model": [], "provider": [], "user": []},
                    "metric": None,
                    "top_n": None,
                    "target_pct": 25,
                    "target_usd": None,
                    "budget_usd": None,
                    "scenario": None,
                }
            ),
        ),  # a model reads it
        ("zorp blorp", FakeGateway(error=LlmUnavailable(["openai/gpt: 503"]))),  # no model answers
    ],
    ids=["parsed", "llm", "fallback"],
)
def test_triage_events_keep_their_contract(question, gateway):
    publisher = Publisher()
    triage(task("triage"), progress(publisher, "triage"), context(question, gateway))
    assert broken(publisher.events) == {}
    assert {"agent_thinking", "tool_executing", "tool_completed", "agent_completed"} <= types_of(publisher)


class Usage:
    """analytics' query API behind UsageApi.for_run, answering as tests/unit/agents do."""

    def __init__(self, calls: int):
        _, self._read = recording(calls)

    def for_run(self, run_id):
        return self

    def get(self, path, params, timeout):
        return self._read(path, params, **{k: v for k, v in params.items() if k not in ("from", "to")})


@pytest.mark.parametrize(
    "query",
    [
        Query("breakdown", WEEK, dimensions=("feature", "model")),
        Query("change", WEEK, comparison=WEEK.previous()),
        Query("forecast", WEEK),
        Query("plan", WEEK),
        Query("overview", WEEK),
    ],
    ids=lambda q: q.kind,
)
@pytest.mark.parametrize("calls", [10, 0])
def test_data_events_keep_their_contract(query, calls):
    publisher = Publisher()
    store = Outputs({"query": query.to_json()})
    read_usage(task("data"), progress(publisher, "data"), DataContext(store, Usage(calls), None))
    assert broken(publisher.events) == {}
    assert "tool_completed" in types_of(publisher) and publisher.events[-1]["type"] == "agent_completed"


def test_optimization_and_actions_events_keep_their_contract():
    publisher = Publisher()
    found, _ = find_savings(
        task("optimization"), progress(publisher, "optimization"), PriorOutputs(Outputs({}, data=data_for("plan")))
    )
    plan_rollouts(task("actions"), progress(publisher, "actions"), PriorOutputs(Outputs({}, optimization=found)))
    assert broken(publisher.events) == {}
    completed = [m["payload"] for m in publisher.events if m["type"] == "agent_completed"]
    assert [p["agent"] for p in completed] == ["optimization", "actions"] and completed[0]["savings_usd"]


@pytest.mark.parametrize("kind", KINDS)
def test_reporting_events_keep_their_contract(kind):
    publisher = Publisher()
    query = QUERIES.get(kind, QUERIES["plan"]).to_json()
    data = data_for(kind if kind in QUERIES else "plan", calls=0 if kind == "guidance" else 3000)
    found = None
    if kind in ("plan", "what_if", "overview"):
        found, _ = find_savings(task("optimization"), Silent(), PriorOutputs(Outputs({}, data=data)))
    store = Outputs({"question": f"a {kind} question", "query": query}, data=data, optimization=found)
    write_report(task("reporting"), progress(publisher, "reporting"), ReportingContext(store, lambda: Unavailable()))
    assert broken(publisher.events) == {}
    assert publisher.events[-1]["payload"]["kind"] == kind


# --- the step runtime: a step's start and its failure ------------------------------------


class Claims:
    def claim(self, key):
        return types.SimpleNamespace(finish=lambda: None, release=lambda: None)


class Saved(Outputs):
    def save_output(self, run_id, step, output):
        self.saved = output


@pytest.mark.parametrize("fails", [False, True])
def test_the_runtimes_events_keep_their_contract(fails):
    publisher = Publisher()
    # The run's owner is the task's: a step runs only for its run's user, org and thread.
    owner = {"user_id": "user-1", "org_id": "org-1", "thread_id": "thread-1"}
    store = Saved({"status": "running", **owner}, optimization={"recommendations": []})

    def step(task, progress, ctx):
        if fails:
            raise StepFailed("your usage could not be read: the analytics API refused (HTTP 403)")
        return plan_rollouts(task, progress, ctx)

    run_step(
        message(task("actions").to_json()),
        "actions",
        "Planning the rollouts",
        step,
        PriorOutputs(store),
        StepRuntime(store, publisher, "netra-test", Claims()),
    )
    assert broken(publisher.events) == {}
    told = [m["type"] for m in publisher.events]
    assert (told[0], told[-1]) == ("agent_started", "agent_error" if fails else "agent_completed")


# --- the supervisor -----------------------------------------------------------------------


def _running(step: str, **run) -> dict:
    return {
        **new_run("user-1", "org-1", "thread-1", "m1", NOW),
        "status": "running",
        "plan": ["triage", "data", "reporting"],
        "steps": [
            {"name": step, "status": "dispatched", "dispatched_at": NOW, "deadline_at": NOW + dt.timedelta(minutes=5)}
        ],
        **run,
    }


def _supervised(runs: Runs, body: dict, attributes: dict | None = None) -> list[dict]:
    publisher = Publisher()
    ctx = dataclasses.replace(supervisor(runs)[0], publisher=publisher)
    supervise(dataclasses.replace(message(body), attributes=attributes or {}), ctx)
    return publisher.events


def _report() -> dict:
    data = data_for("plan", calls=0)
    store = Outputs({"question": "How do I start?", "query": QUERIES["plan"].to_json()}, data=data)
    report, _ = write_report(task("reporting"), Silent(), ReportingContext(store, lambda: Unavailable()))
    return report


@pytest.mark.parametrize(
    "case", ["request", "next step", "completed", "completed without a result", "step failed", "dead letter"]
)
def test_the_supervisors_events_keep_their_contract(case):
    request = {
        "run_id": "run-1",
        "thread_id": "thread-1",
        "message_id": "m1",
        "user_id": "user-1",
        "org_id": "org-1",
        "delegated_token": None,
        "delegated_expires_in": None,
    }
    result = _report() if case == "completed" else None
    if case == "request":
        events = _supervised(Runs(new_run("user-1", "org-1", "thread-1", "m1", NOW)), request)
    elif case == "next step":
        events = _supervised(Runs(_running("data")), StepResult("run-1", "data", "completed", {"calls": 10}).to_json())
    elif case.startswith("completed"):
        outputs = {"reporting": result} if result else {}
        events = _supervised(
            Runs(_running("reporting"), outputs),
            StepResult("run-1", "reporting", "completed", {"kind": "guidance", "recommendations": 0}).to_json(),
        )
    elif case == "step failed":
        events = _supervised(
            Runs(_running("data")), StepResult("run-1", "data", "failed", {}, "analytics refused").to_json()
        )
    else:
        events = _supervised(Runs(_running("data")), task("data").to_json(), {DEAD_LETTER_ATTRIBUTE: "agent-data-sub"})
    assert events and broken(events) == {}
    expected = {
        "request": {"agent_started", "agent_thinking"},
        "next step": {"agent_thinking"},
        "completed": {"final_report", "agent_completed"},
        "completed without a result": {"final_report", "agent_completed"},
        "step failed": {"agent_error"},
        "dead letter": {"agent_error"},
    }[case]
    assert {m["type"] for m in events} == expected
    reports = [m["payload"]["report"] for m in events if m["type"] == "final_report"]
    assert reports == ([result or {}] if case.startswith("completed") else [])


# --- chat ---------------------------------------------------------------------------------


class ViewedStore(Store):
    """The fake store, answering threads and messages through the real store's views."""

    def thread(self, user_id, thread_id):
        stored = {
            **self._owned(user_id, thread_id),
            "created_at": NOW,
            "updated_at": NOW,
            "message_count": len(self.messages_by_thread[thread_id]),
        }
        return thread_view(thread_id, stored)

    def message(self, thread_id, message_id):
        stored = super().message(thread_id, message_id)
        return message_view(
            thread_id, message_id, {**stored, "user_id": ADA.user_id, "role": "user", "created_at": NOW}
        )


def test_chats_notifications_keep_their_contract():
    service, publisher = chat_service(), Publisher()
    service.store, service.publisher = ViewedStore(), publisher
    thread_id = service.create_thread(ADA, "Costs")["thread_id"]
    service.post_message(ADA, thread_id, "How can we cut costs?", None, "ada")
    service.rename_thread(ADA, thread_id, "Cutting costs")
    service.delete_thread(ADA, thread_id)
    assert [m["type"] for m in publisher.events] == ["message_created", "thread_updated", "thread_updated"]
    assert broken(publisher.events) == {}


# --- the relay's own messages -------------------------------------------------------------


class Socket:
    """A client's socket: the frames it sends, what it receives."""

    def __init__(self, *frames):
        self.frames, self.received = list(frames), []

    def __aiter__(self):
        return self

    async def __anext__(self):
        if not self.frames:
            raise StopAsyncIteration
        return self.frames.pop(0)

    async def send_str(self, text):
        self.received.append(json.loads(text))

    async def close(self, code=None, message=b""):
        pass


def frame(data, kind=WSMsgType.TEXT):
    return types.SimpleNamespace(type=kind, data=data)


def test_the_relays_own_messages_keep_their_contract():
    settings = types.SimpleNamespace(
        resume_grace_seconds=60, messages_per_window=100, window_seconds=1, heartbeat_seconds=0
    )

    class Hub:
        def connections(self):
            return [connection]

    class Leases:
        async def renew(self, held):
            raise asyncio.CancelledError  # one beat is enough

    async def scenario():
        nonlocal connection
        socket = Socket(
            frame("ping"),
            frame('{"type": "ping"}'),
            frame(b"\x00", WSMsgType.BINARY),
            frame('{"type": "subscribe"}'),
            frame('{"type": "resume", "last_event_id": "x"}'),
        )
        connection = Connection(socket, "user-1", 100)
        await relay._serve({relay.SETTINGS: settings}, connection, None)
        with pytest.raises(asyncio.CancelledError):
            await relay._heartbeats({relay.SETTINGS: settings, relay.HUB: Hub(), relay.LEASES: Leases()})
        while not connection.queue.empty():
            await asyncio.sleep(0)
        connection.sender.cancel()
        return socket.received

    connection = None
    received = asyncio.run(scenario())
    assert [m["type"] for m in received] == [
        "connection_established",
        "error",
        "pong",
        "error",
        "error",
        "error",
        "heartbeat",
    ]
    assert {m["type"] for m in received} == set(CONTROL)
    assert broken(received) == {}
