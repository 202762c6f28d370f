"""The supervisor plans from the query: each kind of answer takes only the steps it needs,
and the resolved query is stored on the run."""

from __future__ import annotations

import datetime as dt

import pytest

from shared_lib.contracts.agents import StepResult

from netra_agents.query import Period, Query
from netra_agents.runs import on_request, on_result
from netra_agents.steps import resolved_query

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc)
PERIOD = Period(dt.date(2026, 11, 18), dt.date(2026, 11, 25), "the last 7 days")


def walk(query: dict | None, calls: int = 10) -> tuple[dict, list[str]]:
    """Drive a run from the request to completion; (run, the steps dispatched in order)."""
    run = {"status": "pending"}
    outcome = on_request("r", run, "q", NOW)
    run, dispatched = {**run, **outcome.changes}, list(outcome.dispatch)
    verdict = {"category": "cost", **({"query": query} if query else {})}
    summaries = {"triage": {"verdict": verdict}, "data": {"calls": calls}}
    while run["status"] == "running":
        step = dispatched[-1]
        outcome = on_result("r", run, StepResult("r", step, "completed", summaries.get(step, {})), NOW)
        run = {**run, **outcome.changes}
        dispatched += outcome.dispatch
    return run, dispatched


@pytest.mark.parametrize(
    "kind, steps",
    [
        ("plan", ["triage", "data", "optimization", "actions", "reporting"]),
        ("what_if", ["triage", "data", "optimization", "reporting"]),
        ("overview", ["triage", "data", "optimization", "reporting"]),
        ("breakdown", ["triage", "data", "reporting"]),
        ("change", ["triage", "data", "reporting"]),
        ("latency", ["triage", "data", "reporting"]),
        ("forecast", ["triage", "data", "reporting"]),
    ],
)
def test_each_kind_takes_only_the_steps_it_needs(kind, steps):
    query = Query(kind, PERIOD, dimensions=("feature",)).to_json()
    run, dispatched = walk(query)
    assert dispatched == steps and run["plan"] == steps and run["status"] == "completed"
    assert run["query"] == query  # stored on the run as triage resolved it


@pytest.mark.parametrize("kind", ["plan", "what_if", "overview", "breakdown", "change"])
def test_without_usage_every_kind_goes_straight_to_reporting(kind):
    _, dispatched = walk(Query(kind, PERIOD).to_json(), calls=0)
    assert dispatched == ["triage", "data", "reporting"]


def test_a_verdict_without_a_query_is_read_as_today_a_plan_or_an_overview_over_its_days():
    plan = resolved_query(
        {"category": "cost", "entities": {"days": 7, "target_reduction_pct": 30.0}}, dt.date(2026, 11, 25)
    )
    assert plan["kind"] == "plan" and plan["target"] == {"pct": 30.0, "usd": None}
    assert plan["period"] == {"from": "2026-11-19", "to": "2026-11-26", "days": 7, "label": "the last 7 days"}
    overview = resolved_query({"category": "general"}, dt.date(2026, 11, 25))
    assert overview["kind"] == "overview" and overview["period"]["days"] == 30 and overview["target"] is None
    _, dispatched = walk(None)
    assert dispatched == ["triage", "data", "optimization", "actions", "reporting"]


def test_a_malformed_query_is_read_as_none_rather_than_failing_the_run():
    broken = {"kind": "breakdown", "period": {"from": "not a date", "to": "2026-11-25"}}
    assert resolved_query({"category": "cost", "query": broken}, dt.date(2026, 11, 25))["kind"] == "plan"
    odd = {**Query("what_if", PERIOD).to_json(), "scenario": {"type": "top_n", "colour": "red"}}
    assert resolved_query({"category": "general", "query": odd}, dt.date(2026, 11, 25))["kind"] == "overview"
