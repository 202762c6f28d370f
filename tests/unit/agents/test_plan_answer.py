"""The plan answer states the savings per month at the period's run rate, the same figure in
the report, its next steps and its prose as the optimizer computed."""

from __future__ import annotations

from netra_agents.answers.plan import plan
from netra_agents.answers.prose import template
from netra_agents.optimizer import optimize

JOB = {
    "feature": "enrich",
    "provider": "openai",
    "model": "gpt-4.1-mini",
    "interactive": False,
    "batch": False,
    "calls": 1000,
    "success_calls": 1000,
    "cost_usd": "0.72",
    "unpriced_calls": 0,
    "calls_with_prompt_hash": 0,
    "calls_with_prefix_hash": 0,
    "tokens": {"input_tokens": 1_000_000, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 200_000},
    "reasoning_tokens": 0,
    "output": {"mean": 200.0, "stddev": 150.0, "p50": 200.0, "p95": 600.0, "p99": 700.0, "max_tokens_p50": None},
    "failures": {
        "calls": 0,
        "billed_calls": 0,
        "cost_usd": "0",
        "tokens": {"input_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0},
    },
    "latency": {"p50_ms": 800.0, "p95_ms": 2000.0, "p50_ttft_ms": None, "p95_ttft_ms": None},
    "repeats": {
        "calls": 0,
        "cost_usd": "0",
        "tokens": {"input_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0},
    },
    "output_tail": {"cap_tokens": 800, "calls": 0, "excess_tokens": 0},
    "prefixes": [],
}
PERIOD = {"from": "2026-11-06", "to": "2026-11-20", "days": 14}
SUMMARY = {"totals": {"calls": 1000, "cost_usd": "0.72"}, "groups": []}


def test_the_monthly_saving_agrees_in_the_optimizer_the_plan_and_the_prose():
    found = optimize({"from": "2026-11-06T00:00:00+00:00", "to": "2026-11-20T00:00:00+00:00", "workloads": [JOB]})
    period, summary = PERIOD, SUMMARY
    report = {"kind": "plan", "period": period, **plan({"period": period}, summary, found, {})}
    # Batch API halves 0.72: 0.36 over 14 days, 0.36 x 30.4375 / 14 = 0.782679 a month.
    assert report["projected_savings_monthly_usd"] == report["recommendations"][0]["savings_monthly_usd"] == "0.782679"
    assert "($0.78 a month)" in report["next_steps"][0]
    assert "$0.78 a month at this rate" in template(report)


def plan_for(target: dict) -> dict:
    found = optimize({"from": "2026-11-06T00:00:00+00:00", "to": "2026-11-20T00:00:00+00:00", "workloads": [JOB]})
    return {"kind": "plan", "period": PERIOD, **plan({"period": PERIOD, "target": target}, SUMMARY, found, {})}


def test_a_monthly_dollar_target_is_compared_with_the_monthly_saving():
    # $0.36 saved in 14 days is $0.782679 a month: it meets "$0.50 a month", though the period's $0.36 does not.
    met = plan_for({"pct": None, "usd": "0.5", "per": "month"})
    assert met["meets_target"] is True and "$0.50 a month target" in template(met)
    short = plan_for({"pct": None, "usd": "1", "per": "month"})
    assert short["meets_target"] is False
    assert (
        "The changes found save $0.78 a month at this rate (50.0% of spend), $0.22 a month short of the $1.00 a "
        "month asked for." in short["warnings"]
    )
    # A target without "a month" is the period's: $0.36 against $0.50.
    assert plan_for({"pct": None, "usd": "0.5", "per": None})["meets_target"] is False


def test_a_level_to_bring_spend_down_to_saves_what_spend_runs_above_it():
    # $0.72 in 14 days runs at 0.72 x 30.4375 / 14 = $1.565357 a month; the batch API saves $0.782679 a month.
    # Down to $1 a month needs 0.565357: the one change reaches it.
    met = plan_for({"level_usd": "1", "per": "month"})
    assert (met["meets_target"], met["target_savings_usd"], met["recommendations_to_target"]) == (True, "0.565357", 1)
    assert "That brings spend down to $1.00 a month." in template(met)
    # Down to $0.50 a month needs 1.065357: 0.282678 short.
    short = plan_for({"level_usd": "0.5", "per": "month"})
    assert (short["meets_target"], short["recommendations_to_target"]) == (False, None)
    assert (
        "The changes found save $0.78 a month at this rate (50.0% of spend), $0.28 a month short of bringing spend "
        "from $1.57 a month down to $0.50 a month." in short["warnings"]
    )
    assert "That falls short of bringing spend down to $0.50 a month." in template(short)
    # Already under the level: nothing needs saving.
    under = plan_for({"level_usd": "2", "per": "month"})
    assert (under["meets_target"], under["target_savings_usd"], under["recommendations_to_target"]) == (True, "0", 0)
    # A level over the period analysed: $0.72 down to $0.50 needs 0.22, and the period's 0.36 is enough.
    period = plan_for({"level_usd": "0.5"})
    assert (period["meets_target"], period["target_savings_usd"], period["target_per"]) == (True, "0.22", None)


def test_no_monthly_sentence_when_nothing_is_saved_a_month():
    # 2,000 input tokens of gpt-4.1-mini on the batch API save $0.0004 in 14 days: $0.00087 a month, $0.00 to the cent.
    tiny = {**JOB, "tokens": {**JOB["tokens"], "input_tokens": 2000, "output_tokens": 0}}
    found = optimize({"from": "2026-11-06T00:00:00+00:00", "to": "2026-11-20T00:00:00+00:00", "workloads": [tiny]})
    report = {"kind": "plan", "period": PERIOD, **plan({"period": PERIOD}, SUMMARY, found, {})}
    assert report["recommendations"][0]["savings_monthly_usd"] == "0.00087"  # 0.0004 x 30.4375 / 14
    assert "a month" not in report["next_steps"][0] and "a month" not in template(report)
    # Nothing found at all: the monthly figure is "0", and no sentence says "$0.00 a month".
    none = optimize({"from": "2026-11-06T00:00:00+00:00", "to": "2026-11-20T00:00:00+00:00", "workloads": []})
    assert none["projected_savings_monthly_usd"] == "0"
    empty = {"kind": "plan", "period": PERIOD, **plan({"period": PERIOD}, SUMMARY, none, {})}
    assert "a month" not in template(empty)


def test_the_next_steps_quote_each_name_once():
    # The optimizer quotes the names in its titles; the plan states them as they are, so a
    # provider's name inside a feature's name is not quoted a second time.
    job = {**JOB, "feature": "use openai now"}
    found = optimize({"from": "2026-11-06T00:00:00+00:00", "to": "2026-11-20T00:00:00+00:00", "workloads": [job]})
    report = plan({"period": PERIOD}, SUMMARY, found, {})
    assert report["next_steps"] == [
        "1. Send “use openai now” through the “openai” batch API — saves $0.36 ($0.78 a month) (high confidence)"
    ]
