"""Which steps each kind of answer takes, and how long each may.

What travels between the supervisor and the agents (requests, tasks, results) is in
`shared_lib.contracts.agents`; what each step leaves under the run, in
`shared_lib.contracts.steps`. The resolved query lives on the run document
(`runs/{id}.query`), written when triage answers.
"""

from __future__ import annotations

import datetime as dt

from netra_agents.query import DEFAULT_DAYS, KINDS, Period, Query

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
    # Asking back needs no analysis; `data` says whether the org has usage (none: guidance).
    "clarify": ("data", "reporting"),
}


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
    return {
        **Query(kind, period).to_json(),
        "target": {"pct": target, "usd": None} if target else None,
        "sources": {"kind": "default", "period": "default"},
    }
