"""The run state machine and triage's rules, without any service."""

from __future__ import annotations

import datetime as dt

from netra_agents.runs import Outcome, obligations, on_dead_letter, on_request, on_result
from netra_agents.steps import StepResult
from netra_agents.triage import entities, rules_category

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc)


def apply(run: dict, outcome) -> dict:
    return {**run, **(outcome.changes or {})}


def result(step: str, **summary) -> StepResult:
    return StepResult("r", step, "completed", summary)


def test_a_run_walks_its_plan_and_completes():
    run = {"status": "pending"}
    started = on_request("r", run, "cut costs", NOW)
    assert started.dispatch == ["triage"] and [e.type for e in started.events] == ["agent_started", "agent_thinking"]
    run = apply(run, started)
    assert on_request("r", run, "cut costs", NOW).dispatch == ["triage"]  # redelivered before the dispatch was marked sent
    assert on_request("r", run, "cut costs", NOW).changes is None
    assert on_request("r", {**run, "sent": {"triage": True}}, "cut costs", NOW) == Outcome()  # after: nothing to send
    for step, summary, following in [("triage", {"verdict": {"category": "cost"}}, "data"), ("data", {"calls": 10}, "optimization"),
                                     ("optimization", {}, "actions"), ("actions", {}, "reporting")]:
        outcome = on_result("r", run, result(step, **summary), NOW)
        assert outcome.dispatch == [following]
        run = apply(run, outcome)
    done = on_result("r", run, result("reporting"), NOW)
    assert done.completed and done.changes["status"] == "completed"
    run = apply(run, done)
    again = on_result("r", run, result("reporting"), NOW)  # duplicate before the report was marked sent: owed again
    assert again.completed and again.changes is None
    sent = {**run, "sent": {"triage": True, "data": True, "optimization": True, "actions": True, "reporting": True,
                            "final_report": True}}
    assert on_result("r", sent, result("reporting"), NOW) == on_request("r", sent, "cut costs", NOW) == Outcome()


def test_a_general_question_or_no_usage_shortens_the_plan():
    run = apply({"status": "pending"}, on_request("r", {"status": "pending"}, "hi", NOW))
    run = apply(run, on_result("r", run, result("triage", verdict={"category": "general"}), NOW))
    assert run["plan"] == ["triage", "data", "optimization", "reporting"]  # an overview quotes the headline saving
    assert run["query"]["kind"] == "overview"
    run = apply({"status": "pending"}, on_request("r", {"status": "pending"}, "cut", NOW))
    run = apply(run, on_result("r", run, result("triage", verdict={"category": "cost"}), NOW))
    empty = on_result("r", run, result("data", calls=0), NOW)
    assert empty.dispatch == ["reporting"]


def test_failures_late_results_and_dead_letters_fail_the_run_once():
    run = apply({"status": "pending"}, on_request("r", {"status": "pending"}, "q", NOW))
    failed = on_result("r", run, StepResult("r", "triage", "failed", {}, "budget spent"), NOW)
    assert failed.changes["status"] == "failed" and failed.changes["error"] == {"step": "triage", "message": "budget spent"}
    assert [e.type for e in failed.events] == ["agent_error"]
    ended = apply(run, failed)
    assert obligations("r", ended, NOW).events[0].key == failed.events[0].key  # resent under the same key

    late = on_result("r", run, result("triage", verdict={}), NOW + dt.timedelta(hours=1))
    assert late.changes["status"] == "failed" and "took longer" in late.changes["error"]["message"]
    stuck = obligations("r", run, NOW + dt.timedelta(hours=1))
    assert stuck.changes["status"] == "failed"

    dead = on_dead_letter("r", run, "the triage step", NOW)
    assert dead.changes["error"]["step"] == "triage" and "repeated attempts" in dead.changes["error"]["message"]
    assert on_dead_letter("r", apply(run, dead), "the triage step", NOW).changes is None


def test_triage_rules_and_entities():
    assert rules_category("How can we cut our LLM costs by 30%?")[0] == "cost"
    assert rules_category("Why is p95 latency so high?")[0] == "latency"
    assert rules_category("Should we switch to a smaller model?")[0] == "model_selection"
    assert rules_category("Which features make the most calls?")[0] == "usage_analysis"
    assert rules_category("zxqv plorb")[0] == rules_category("")[0] == "general"
    assert entities("cut costs by 30% over the last 7 days on gpt-4o and claude-sonnet-4-5") == {
        "models": ["claude-sonnet-4-5", "gpt-4o"], "target_reduction_pct": 30.0, "days": 7}
    assert entities("what did we spend last quarter?")["days"] == 90
    assert entities("reduce by 250%")["target_reduction_pct"] is None
