"""What a user's browser is told: the payload of each client event type, typed here, with a
JSON Schema per type in `client_event/<type>.schema.json` and one for the message the relay
sends (`client_event/envelope.schema.json`: `{"type", "event_id", "ts", "thread_id"?,
"run_id"?, "payload"}`). The event itself (type, topic, wire format) is `shared_lib.events`.

    agent_started, agent_thinking   → StepSaid           agents: runtime, progress, the supervisor
    tool_executing, tool_completed  → ToolExecuting, ToolCompleted   agents: a step's tools
    agent_completed, agent_error    → AgentCompleted, AgentError     agents
    final_report                    → FinalReport        the supervisor: the run's result
    message_created, thread_updated → MessageCreated, ThreadRenamed | ThreadDeleted   chat
    connection_established, heartbeat, error, pong       the relay's own, with event_id null

One schema per type, not one with a `oneOf`: it is how step outputs and report kinds are
kept, a type's schema reads on its own, and a broken payload is named at its own path
instead of as "not valid under any of the given schemas".
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Literal, TypedDict

from shared_lib.contracts import report_errors
from shared_lib.events import TYPES

# The relay's own messages, outside the user's stream: no event id, never published.
CONTROL = ("connection_established", "heartbeat", "error", "pong")
# Every `type` a socket receives: the published ones, and `pong`, which only the relay says.
WIRE_TYPES = (*TYPES, "pong")

Agent = Literal["supervisor", "triage", "data", "optimization", "actions", "reporting"]


class StepSaid(TypedDict):
    """agent_started, agent_thinking."""

    agent: Agent
    message: str


class ToolExecuting(TypedDict):
    agent: Agent
    tool: str  # org_names, usage_summary, usage_by_<dimension>, optimizer, … (the schema lists them)
    message: str


class _ToolRan(TypedDict):
    agent: Agent
    tool: str
    duration_ms: int


class ToolCompleted(_ToolRan, total=False):
    """What the tool found, by the tool that says it (each one says only its own)."""

    features: int  # org_names: the org's names of each dimension
    models: int
    providers: int
    users: int
    model: str  # read_question_with_llm: the model that answered …
    fallback: str  # … or why none did
    calls: int  # usage_summary, unpriced_calls
    cost_usd: str  # usage_summary, a decimal string
    groups: int  # usage_by_<dimension>
    split: int  # usage_by_<dimension> of a two-dimension breakdown
    previous_calls: int  # usage_previous_period
    days: int  # daily_history
    workloads: int  # workload_profile
    recommendations: int  # optimizer
    savings_usd: str  # optimizer, a decimal string
    plans: int  # rollout_planner
    source: str  # narrative: llm:<model>, or template (with why)


class _Completed(TypedDict):
    agent: Agent
    message: str


class AgentCompleted(_Completed, total=False):
    kind: str  # triage: the kind of answer asked; reporting: the report's kind
    confident: bool  # triage
    calls: int  # data
    savings_usd: str  # optimization, a decimal string


class AgentError(TypedDict):
    agent: Agent
    message: str  # shown to the user
    recoverable: bool  # always False: a failed run stays failed


class FinalReport(TypedDict):
    report: dict  # the run's result, tagged by `kind` (contracts/report/); {} when a completed run has none


class Message(TypedDict):
    message_id: str
    thread_id: str
    role: str
    text: str
    created_at: str | None
    run_id: str | None


class MessageCreated(TypedDict):
    message: Message


class Thread(TypedDict):
    thread_id: str
    title: str
    created_at: str | None
    updated_at: str | None
    message_count: int


class ThreadRenamed(TypedDict):
    thread: Thread


class ThreadDeleted(TypedDict):
    thread_id: str
    deleted: Literal[True]


class ConnectionEstablished(TypedDict):
    user_id: str


class Nothing(TypedDict):
    """heartbeat, pong: the type says it all."""


class RelayError(TypedDict):
    code: Literal["not_json", "unknown_type", "invalid_event_id"]
    message: str


PAYLOADS: dict[str, type | tuple[type, ...]] = {
    "connection_established": ConnectionEstablished,
    "message_created": MessageCreated,
    "agent_started": StepSaid,
    "agent_thinking": StepSaid,
    "tool_executing": ToolExecuting,
    "tool_completed": ToolCompleted,
    "agent_completed": AgentCompleted,
    "agent_error": AgentError,
    "final_report": FinalReport,
    "thread_updated": (ThreadRenamed, ThreadDeleted),
    "heartbeat": Nothing,
    "error": RelayError,
    "pong": Nothing,
}


def _load(name: str) -> dict:
    return json.loads(resources.files(__package__).joinpath("client_event", f"{name}.schema.json").read_text())


@functools.cache
def payload_schema(event_type: str) -> dict:
    if event_type not in WIRE_TYPES:
        raise KeyError(f"no client event type {event_type!r}")
    return _load(event_type)


@functools.cache
def envelope_schema() -> dict:
    return _load("envelope")


def client_event_errors(event_type: str, payload: dict) -> list[str]:
    """What makes `payload` break its type's schema (empty when it keeps it); a final
    report is also held to its kind's schema."""
    if event_type not in WIRE_TYPES:
        return [f"type must be one of {', '.join(WIRE_TYPES)}, got {event_type!r}"]
    errors = _errors(payload_schema(event_type), payload, "(payload)")
    report = payload.get("report") if event_type == "final_report" and not errors else None
    if report:
        errors = _under("report", "(report)", report_errors(report))
    return errors


def wire_errors(message: dict) -> list[str]:
    """What makes a server message (as a socket receives it) break the envelope or its
    payload's schema; payload errors are named from `payload/`."""
    errors = _errors(envelope_schema(), message, "(message)")
    kind, payload = (message.get("type"), message.get("payload")) if isinstance(message, dict) else (None, None)
    if kind in WIRE_TYPES and isinstance(payload, dict):
        errors += _under("payload", "(payload)", client_event_errors(kind, payload))
    return errors


def _under(path: str, root: str, errors: list[str]) -> list[str]:
    """Errors of a part, named from the whole: `x: …` becomes `path/x: …`, `(root): …` `path: …`."""
    return [path + e[len(root) :] if e.startswith(f"{root}:") else f"{path}/{e}" for e in errors]


def _errors(schema: dict, value, root: str) -> list[str]:
    import jsonschema  # a heavy SDK (~30 ms): loaded at the first check, never at cold start

    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path)) or root}: {e.message}" for e in validator.iter_errors(value)]
