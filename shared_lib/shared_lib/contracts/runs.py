"""The run document, `runs/{run_id}` in Firestore, and who writes which of its fields.

Ownership:
- chat creates it, `pending`, in the same batch as the message it answers (`new_run`), and
  later sets `published` once the request is on `agent-requests`. Chat writes nothing
  else, and only reads the rest (GET /api/runs/{id}).
- the agents' supervisor changes it from then on, through its state machine
  (netra_agents.runs) in Firestore transactions: the fields in `AGENT_FIELDS`. No other
  component writes them, and the supervisor never writes chat's (`RunStore` checks).
  The run's `question` is copied once, when the run starts, from chat's message
  (`threads/{thread_id}/messages/{message_id}.text`): the only read of chat's data.

Each step's output lives beside the run, `runs/{run_id}/outputs/{step}` =
`{"output": …, "saved_at": …}` (shapes in `contracts.steps`), written by that step only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, TypedDict

COLLECTION = "runs"
OUTPUTS = "outputs"  # runs/{id}/outputs/{step}

Status = Literal["pending", "running", "completed", "failed"]
PENDING, RUNNING, COMPLETED, FAILED = "pending", "running", "completed", "failed"
TERMINAL: tuple[str, ...] = (COMPLETED, FAILED)


class StepEntry(TypedDict, total=False):
    name: str  # a step of contracts.agents.STEPS
    status: Literal["dispatched", "completed", "failed"]
    dispatched_at: dt.datetime
    deadline_at: dt.datetime
    completed_at: dt.datetime
    summary: dict  # the step's result summary (contracts.agents.*Summary)
    error: str


class RunError(TypedDict):
    step: str  # the step that failed, or "supervisor"
    message: str  # shown to the user


class RunDocument(TypedDict, total=False):
    # chat's, at creation
    user_id: str
    org_id: str
    thread_id: str
    message_id: str
    created_at: dt.datetime
    published: bool  # chat's: the request reached agent-requests
    # the supervisor's (chat writes their initial values only)
    status: Status
    steps: list[StepEntry]
    result: dict | None  # the final report (the reporting step's output) once completed
    updated_at: dt.datetime
    question: str  # the message's text, copied when the run starts
    plan: list[str]  # the steps the run takes, triage first
    query: dict  # the resolved query (Query.to_json()), once triage answered
    error: RunError
    started_at: dt.datetime
    completed_at: dt.datetime
    sent: dict[str, bool]  # what the supervisor has published: step names, "final_report", "error"


CHAT_FIELDS = frozenset({"user_id", "org_id", "thread_id", "message_id", "created_at", "published"})
AGENT_FIELDS = frozenset(
    {
        "status",
        "steps",
        "result",
        "updated_at",
        "question",
        "plan",
        "query",
        "error",
        "started_at",
        "completed_at",
        "sent",
    }
)


def new_run(user_id: str, org_id: str, thread_id: str, message_id: str, now: dt.datetime) -> RunDocument:
    """The document chat creates for a posted message: pending, nothing sent yet."""
    return {
        "user_id": user_id,
        "org_id": org_id,
        "thread_id": thread_id,
        "message_id": message_id,
        "status": PENDING,
        "steps": [],
        "result": None,
        "published": False,
        "created_at": now,
        "updated_at": now,
    }


def foreign_fields(changes: dict[str, Any]) -> set[str]:
    """The fields of `changes` the supervisor does not own (a `sent.x` path is `sent`'s)."""
    return {name for name in changes if name.split(".", 1)[0] not in AGENT_FIELDS}
