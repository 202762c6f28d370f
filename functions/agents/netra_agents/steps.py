"""What travels between the supervisor and the agents (one Pub/Sub hop per step).

A task names the run and the step; everything bulky (the usage profile, the
recommendations) stays in Firestore under the run, where the next step reads it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

STEPS = ("triage", "data", "optimization", "actions", "reporting")
RESULTS_TOPIC = "agent-results"
# How long a dispatched step may take before the run fails (beyond Pub/Sub's own
# redeliveries, which end in the dead-letter topic).
STEP_TIMEOUT_SECONDS = {"triage": 180, "data": 300, "optimization": 900, "actions": 300, "reporting": 300}
# Questions about usage get the whole analysis; anything else a usage overview and guidance.
ANALYSIS = ("data", "optimization", "actions", "reporting")
OVERVIEW = ("data", "reporting")


class InvalidMessage(ValueError):
    """A message that is not a task or result: it will never succeed (→ dead letter)."""


def topic_of(step: str) -> str:
    return f"agent-{step}"


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
    summary: dict
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


def plan_for(verdict: dict) -> tuple[str, ...]:
    return OVERVIEW if verdict.get("category") == "general" else ANALYSIS
