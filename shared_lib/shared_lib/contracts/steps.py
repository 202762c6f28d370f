"""What each agent step leaves under the run, `runs/{id}/outputs/{step}`, for the steps
after it: typed here, with a JSON Schema per step in `step/<step>.schema.json` (beside the
report schemas). A failed step leaves `FailedOutput` instead.

    triage        → TriageOutput        read by data, reporting and later runs of the thread
    data          → DataOutput          read by optimization and reporting
    optimization  → OptimizationOutput  read by actions and reporting
    actions       → ActionsOutput       read by reporting
    reporting     → the final report    copied to the run's `result` when the run completes
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import TypedDict

from shared_lib.contracts import report_errors
from shared_lib.contracts.agents import STEPS

# `from` is a keyword: the functional form spells the field names.
Period = TypedDict("Period", {"from": str, "to": str, "days": int, "label": str})


class Entities(TypedDict):
    models: list[str]
    target_reduction_pct: float | None
    days: int


class TriageOutput(TypedDict):
    query: dict  # netra_agents.query.Query.to_json()
    category: str  # general | latency | usage_analysis | cost
    intent: str  # one line: what the query asks
    source: str  # "parser", or "llm:<model>"
    entities: Entities
    needs_usage_data: bool


class Unpriced(TypedDict):
    calls: int
    tokens: int
    models: list[dict]


class _DataRequired(TypedDict):
    query: dict
    period: Period
    today: str  # ISO date
    summary: dict  # GET /api/usage/summary by model, as analytics answered
    by: dict[str, dict]  # dimension -> summary
    profile: dict  # {"workloads": [...]}, GET /api/usage/profile (empty unless the kind prices savings)
    unpriced: Unpriced
    warnings: list[str]


class DataOutput(_DataRequired, total=False):
    within: dict[str, dict]  # a breakdown's top keys -> their summary by the second dimension
    previous: dict  # a change's earlier period: {period, by, daily}
    daily: list[dict]  # a change's days
    history_daily: list[dict]  # a forecast's days
    org: dict  # {calls, first, last}: the days the org has usage, when the period has none
    stored_budget_usd: str | None  # a forecast's budget from the org's settings


class OptimizationOutput(TypedDict):
    total_spend_usd: str
    projected_savings_usd: str
    projected_savings_pct: float
    projected_savings_monthly_usd: str | None  # at the period's run rate
    recommendations: list[dict]
    latency_findings: list[dict]
    warnings: list[str]


class RolloutStep(TypedDict):
    phase: str  # change | validate | watch | rollback
    detail: str


class ActionsOutput(TypedDict):
    plans: dict[str, list[RolloutStep]]  # recommendation id -> its rollout


class FailedOutput(TypedDict):
    error: str  # the message the user was shown


@functools.cache
def output_schema(step: str) -> dict:
    if step not in STEPS:
        raise KeyError(f"no agent step {step!r}")
    return json.loads(resources.files(__package__).joinpath("step", f"{step}.schema.json").read_text())


def output_errors(step: str, output: dict) -> list[str]:
    """What makes a step's output break its schema (empty when it keeps it); the reporting
    step's output is also held to its report kind's schema."""
    import jsonschema  # a heavy SDK: loaded at the first check, not at cold start

    validator = jsonschema.Draft202012Validator(output_schema(step), format_checker=jsonschema.FormatChecker())
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '(output)'}: {e.message}" for e in validator.iter_errors(output)
    ]
    if step == "reporting" and not errors:
        errors = report_errors(output)
    return errors
