"""Latency and overview answers on hand-built summaries and profiles."""

from __future__ import annotations

from tests.unit.agents.test_levers import SHORT, workload

from netra_agents.answers.latency import latency
from netra_agents.answers.overview import overview
from netra_agents.optimizer import optimize


def g(key, calls, cost, p50=None, p95=None, p99=None, ttft=None):
    return {
        "key": key,
        "calls": calls,
        "cost_usd": cost,
        "p50_latency_ms": p50,
        "p95_latency_ms": p95,
        "p99_latency_ms": p99,
        "p95_ttft_ms": ttft,
        "input_tokens": 0,
        "output_tokens": 0,
    }


def test_latency_percentiles_tail_and_fixes():
    totals = {
        "calls": 300,
        "p50_latency_ms": 800.0,
        "p95_latency_ms": 4000.0,
        "p99_latency_ms": 12000.0,
        "p95_ttft_ms": 900.0,
    }
    by_model = {
        "groups": [
            g("gpt-4o-mini", 200, "1", 500.0, 1000.0, 1500.0),
            g("gpt-4o", 100, "9", 2000.0, 15000.0, 20000.0, 2500.0),
        ]
    }
    by_feature = {
        "groups": [g("chat", 100, "9", 2000.0, 15000.0, 20000.0, 2500.0), g("tags", 200, "1", 500.0, 1000.0, 1500.0)]
    }
    slow = workload(
        feature="chat",
        latency={"p50_ms": 2000.0, "p95_ms": 15000.0, "p50_ttft_ms": 800.0, "p95_ttft_ms": 2500.0},
        output={"mean": 900.0},
    )
    answer = latency(totals, by_model, by_feature, {"workloads": [slow, workload(feature="tags")]})
    assert answer["overall"] == {
        "p50_ms": 800.0,
        "p95_ms": 4000.0,
        "p99_ms": 12000.0,
        "p95_ttft_ms": 900.0,
        "calls": 300,
    }
    assert [r["key"] for r in answer["by_model"]] == ["gpt-4o", "gpt-4o-mini"]
    assert answer["tail"]["p99_over_p50"] == 15.0 and [r["key"] for r in answer["tail"]["features"]] == ["chat"]
    (finding,) = answer["findings"]
    assert finding["feature"] == "chat" and any("Stream" in f for f in finding["fixes"])
    assert any("max_tokens" in f for f in finding["fixes"]) and any("gpt-4o-mini" in f for f in finding["fixes"])


def test_an_overview_names_the_orgs_own_features_and_the_headline_saving():
    profile = {
        "workloads": [
            workload(feature="ticket-triage", tokens={"output_tokens": 20_000}, output=SHORT),
            workload(feature="nightly", interactive=False),
        ]
    }
    found = optimize(profile)
    by_feature = {
        "groups": [g("nightly", 1000, "5.25"), g("ticket-triage", 1000, "1.45")],
        "totals": {"calls": 2000, "cost_usd": "6.7"},
    }
    answer = overview(by_feature, found)
    assert answer["total_spend_usd"] == "6.7" and [f["key"] for f in answer["top_features"]] == [
        "nightly",
        "ticket-triage",
    ]
    assert (
        answer["top_features"][0]["share_pct"] == 78.4
    )  # 5.25 / 6.7 = 78.358…, to one decimal as the web app shows it
    assert (
        answer["headline_saving"]["savings_usd"]
        == found["projected_savings_usd"]
        == answer["projected_savings_usd"]
        != "0"
    )
    assert "What if we move ticket-triage from gpt-4o to gpt-4o-mini?" in answer["examples"]
    assert any("nightly" in e for e in answer["examples"])
    assert overview(by_feature, None)["headline_saving"] is None


def test_an_overview_of_a_message_with_no_question_in_it_says_so():
    from netra_agents.answers.prose import template

    by_feature = {"groups": [g("nightly", 1000, "5.25")], "totals": {"calls": 1000, "cost_usd": "5.25"}}
    period = {"from": "2026-10-29", "to": "2026-11-28", "days": 30}
    report = {**overview(by_feature, None), "kind": "overview", "period": period}
    nothing = {name: "default" for name in ("kind", "period", "comparison", "dimensions", "filters")}
    unrecognised = template({**report, "query": {"sources": nothing}})
    assert unrecognised.startswith("Netra did not find a question about your usage in that, so here is an overview.")
    asked = template({**report, "query": {"sources": {**nothing, "kind": "parser"}}})  # "give me an overview"
    assert "did not find a question" not in asked and "1,000 LLM calls costing $5.25" in asked
