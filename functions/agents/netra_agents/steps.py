"""What travels between the supervisor and the agents (one Pub/Sub hop per step), and
which steps each kind of answer takes.

A task names the run and the step; everything bulky (the usage profile, the
recommendations) stays in Firestore under the run, where the next step reads it. The
resolved query lives on the run document (`runs/{id}.query`), written when triage answers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from netra_agents.query import DEFAULT_DAYS, KINDS, Period, Query

STEPS = ("triage", "data", "optimization", "actions", "reporting")
RESULTS_TOPIC = "agent-results"
# How long a dispatched step may take before the run fails (beyond Pub/Sub's own
# redeliveries, which end in the dead-letter topic).
STEP_TIMEOUT_SECONDS = {"triage": 180, "data": 300, "optimization": 900, "actions": 300, "reporting": 300}
# The steps after triage, per answer kind: only what the answer needs. A breakdown never
# runs the optimizer; an overview does (it quotes the headline saving); only a plan gets
# rollout plans. Without usage every kind ends as guidance after `data` (see runs.on_result).
PLANS: dict[str, tuple[str, ...]] = {
    "plan": ("data", "optimization", "actions", "reporting"),
    "what_if": ("data", "optimization", "reporting"),
    "overview": ("data", "optimization", "reporting"),
    "breakdown": ("data", "reporting"),
    "change": ("data", "reporting"),
    "latency": ("data", "reporting"),
    "forecast": ("data", "reporting"),
    "guidance": ("data", "reporting"),
}


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


def plan_for(query: dict) -> tuple[str, ...]:
    return PLANS.get(query.get("kind"), PLANS["plan"])


def resolved_query(verdict: dict, today: dt.date) -> dict:
    """The query triage resolved (`verdict.query`, a `Query.to_json()`); from a verdict
    without one, today's reading: an overview for a general question, else a plan, over the
    last `entities.days` days (today included)."""
    query = verdict.get("query")
    if isinstance(query, dict) and query.get("kind") in KINDS:
        try:
            return Query.from_json(query).to_json()  # normalised: every field present
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # a malformed query is read as if triage had given none, never a stuck run
    days = int((verdict.get("entities") or {}).get("days") or DEFAULT_DAYS)
    end = today + dt.timedelta(days=1)
    period = Period(end - dt.timedelta(days=days), end, f"the last {days} days")
    kind = "overview" if verdict.get("category") == "general" else "plan"
    target = (verdict.get("entities") or {}).get("target_reduction_pct")
    return {**Query(kind, period).to_json(), "target": {"pct": target, "usd": None} if target else None,
            "sources": {"kind": "default", "period": "default"}}
