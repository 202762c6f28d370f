"""The supervisor's side of the run document (shared_lib.contracts.runs): its transitions
write only the fields it owns, and a completed run's result is the reporting step's output."""

from __future__ import annotations

import datetime as dt

from shared_lib.contracts.agents import StepResult
from shared_lib.contracts.runs import foreign_fields, new_run

from netra_agents.runs import fail, obligations, on_dead_letter, on_request, on_result

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc)
REPORT = {"kind": "breakdown", "rows": []}


def test_a_runs_whole_life_writes_only_the_supervisors_fields():
    run, written = new_run("u1", "o1", "t1", "m1", NOW), []

    def step(outcome):
        nonlocal run
        written.append(outcome.changes or {})
        run = {**run, **(outcome.changes or {})}

    step(on_request("r", run, "where does our spend go?", NOW))
    step(on_result("r", run, StepResult("r", "triage", "completed", {"verdict": {"category": "usage_analysis"}}), NOW))
    for name in run["plan"][1:]:
        step(on_result("r", run, StepResult("r", name, "completed", {"calls": 3}), NOW, {"reporting": REPORT}.get))
    assert run["status"] == "completed" and run["result"] == REPORT
    step(fail("r", [dict(s) for s in run["steps"]], "data", "lost", NOW))
    step(on_dead_letter("r", {**run, "status": "running"}, "your request", NOW))
    step(obligations("r", {**run, "status": "failed"}, NOW))
    assert all(foreign_fields(changes) == set() for changes in written) and len(written) >= 5


def test_only_the_completing_transition_reads_the_report():
    asked = []

    def outputs(step):
        asked.append(step)
        return REPORT

    run = {
        **new_run("u1", "o1", "t1", "m1", NOW),
        **on_request("r", new_run("u1", "o1", "t1", "m1", NOW), "q", NOW).changes,
    }
    triaged = on_result(
        "r", run, StepResult("r", "triage", "completed", {"verdict": {"category": "cost"}}), NOW, outputs
    )
    assert asked == [] and "result" not in triaged.changes
