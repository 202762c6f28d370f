"""What travels on the agents' topics, one Pub/Sub hop at a time.

- `AgentRequest`: chat → `agent-requests` → the supervisor, once per posted message (and
  again on a replayed POST until one publish succeeds).
- `StepTask`: the supervisor → `agent-{step}` → that step's agent. It names the run and the
  step; everything bulky stays in Firestore under the run (`contracts.runs`).
- `StepResult`: a step → `agent-results` → the supervisor, with the step's summary (typed
  per step below); the supervisor tells a result from a request by `kind: "result"`.

A body that is none of these is an `InvalidMessage`: it will never succeed, so it ends in
the dead-letter topic, which fails the run.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal, TypedDict

from shared_lib.contracts.topics import AGENT_STEPS

Step = Literal["triage", "data", "optimization", "actions", "reporting"]
STEPS: tuple[str, ...] = AGENT_STEPS
# How long the delegated token of a request lives when chat does not say (auth grants an hour).
DELEGATION_SECONDS = 3600


class InvalidMessage(ValueError):
    """A message that is not a request, task or result: it will never succeed (→ dead letter)."""


@dataclasses.dataclass(frozen=True)
class AgentRequest:
    """A posted message for the agents to answer. The delegated token lets the data and
    triage steps read this user's usage: kept in Redis while the run lives, never written
    to Firestore (and never logged)."""

    run_id: str
    thread_id: str
    message_id: str
    user_id: str | None = None
    org_id: str | None = None
    delegated_token: str | None = dataclasses.field(default=None, repr=False)
    delegated_expires_in: int | None = None

    @classmethod
    def parse(cls, body: Any) -> AgentRequest:
        try:
            return cls(
                body["run_id"],
                body["thread_id"],
                body["message_id"],
                body.get("user_id"),
                body.get("org_id"),
                body.get("delegated_token") or None,
                body.get("delegated_expires_in"),
            )
        except (KeyError, TypeError):
            raise InvalidMessage("a request needs run_id, thread_id and message_id") from None

    @property
    def delegation_seconds(self) -> int:
        return int(self.delegated_expires_in or DELEGATION_SECONDS)

    def to_json(self) -> dict:
        body = {
            "run_id": self.run_id,
            "thread_id": self.thread_id,
            "message_id": self.message_id,
            "user_id": self.user_id,
            "org_id": self.org_id,
        }
        if self.delegated_token is not None:
            body.update(delegated_token=self.delegated_token, delegated_expires_in=self.delegated_expires_in)
        return body


@dataclasses.dataclass(frozen=True)
class StepTask:
    run_id: str
    step: str
    user_id: str
    org_id: str
    thread_id: str

    @classmethod
    def parse(cls, body: Any) -> StepTask:
        try:
            task = cls(**{f.name: body[f.name] for f in dataclasses.fields(cls)})
        except (KeyError, TypeError):
            raise InvalidMessage("a step task needs run_id, step, user_id, org_id and thread_id") from None
        if task.step not in STEPS or not all(isinstance(v, str) and v for v in dataclasses.astuple(task)):
            raise InvalidMessage(f"not a step task: {body!r:.200}")
        return task

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class StepResult:
    run_id: str
    step: str
    status: str  # completed | failed
    summary: dict  # the step's summary: one of the *Summary shapes below
    error: str | None = None

    @classmethod
    def parse(cls, body: Any) -> StepResult:
        try:
            result = cls(body["run_id"], body["step"], body["status"], body.get("summary") or {}, body.get("error"))
        except (KeyError, TypeError):
            raise InvalidMessage("a step result needs run_id, step and status") from None
        if result.step not in STEPS or result.status not in ("completed", "failed"):
            raise InvalidMessage(f"not a step result: {body!r:.200}")
        return result

    def to_json(self) -> dict:
        return {"kind": "result", **dataclasses.asdict(self)}


def is_result(body: dict) -> bool:
    """A result, rather than a request, on the supervisor's subscription."""
    return body.get("kind") == "result"


# --- each step's summary: what its result tells the supervisor --------------------
# The supervisor plans from two of them: triage's verdict (the resolved query) and the
# data step's call count (no usage: straight to the guidance report).


class TriageSummary(TypedDict):
    verdict: dict  # the triage output (contracts.steps.TriageOutput)


class DataSummary(TypedDict):
    calls: int
    cost_usd: str


class OptimizationSummary(TypedDict):
    recommendations: int
    projected_savings_usd: str


class ActionsSummary(TypedDict):
    plans: int


class ReportingSummary(TypedDict):
    kind: str
    recommendations: int
