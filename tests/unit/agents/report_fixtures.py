"""Hand-built data-step outputs of every kind, shared by the report tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from tests.unit.agents.test_levers import SHORT, workload

from netra_agents.optimizer import optimize
from netra_agents.query import Choice, Clarification, Period, Query, Scenario, Target, Unresolved

PERIOD = Period(dt.date(2026, 11, 18), dt.date(2026, 11, 25), "the last 7 days")
PREVIOUS = PERIOD.previous()


def group(key, calls, cost, p50=800.0, p95=2100.0, p99=4000.0, ttft=400.0, error_rate=0.0):
    return {
        "key": key,
        "calls": calls,
        "input_tokens": calls * 500,
        "output_tokens": calls * 40,
        "cached_input_tokens": 0,
        "cost_usd": cost,
        "p50_latency_ms": p50,
        "p95_latency_ms": p95,
        "p99_latency_ms": p99,
        "p50_ttft_ms": 200.0,
        "p95_ttft_ms": ttft,
        "error_rate": error_rate,
        "unpriced_calls": 0,
    }


def summary(*groups):
    totals = group(None, sum(g["calls"] for g in groups), str(sum(Decimal(g["cost_usd"]) for g in groups)))
    totals.pop("key")
    return {"from": "", "to": "", "groups": list(groups), "totals": totals, "unpriced": {"calls": 0, "tokens": 0}}


PROFILE = {
    "workloads": [
        workload(feature="ticket-triage", cost_usd="1.45", tokens={"output_tokens": 20_000}, output=SHORT),
        workload(feature="nightly", cost_usd="5.25", interactive=False),
        workload(
            feature="chat",
            cost_usd="5.25",
            latency={"p50_ms": 2000.0, "p95_ms": 15000.0, "p50_ttft_ms": 800.0, "p95_ttft_ms": 2500.0},
        ),
    ]
}
BY_MODEL = summary(group("gpt-4o", 3000, "11.95"))
BY_FEATURE = summary(
    group("nightly", 1000, "5.25"), group("chat", 1000, "5.25", p95=15000.0), group("ticket-triage", 1000, "1.45")
)


def days(start: dt.date, count: int, cost=lambda d: "1.5"):
    return [
        {
            "bucket": (start + dt.timedelta(days=i)).isoformat(),
            "calls": 400,
            "errors": 0,
            "input_tokens": 0,
            "output_tokens": 0,
            "cost_usd": cost(start + dt.timedelta(days=i)),
        }
        for i in range(count)
    ]


QUERIES = {
    "plan": Query("plan", PERIOD, target=Target(pct=30.0)),
    "breakdown": Query("breakdown", PERIOD, dimensions=("feature", "model"), top_n=2),
    "change": Query("change", PERIOD, comparison=PREVIOUS, dimensions=("feature", "model")),
    "what_if": Query("what_if", PERIOD, scenario=Scenario("top_n", n=2)),
    "latency": Query("latency", PERIOD, metric="latency"),
    "forecast": Query("forecast", PERIOD, budget_usd="40"),
    "overview": Query("overview", PERIOD),
    "clarify": Query(
        "clarify",
        PERIOD,
        clarify=Clarification(
            "unsure",
            (
                Choice("breakdown", "Where the money goes", "Spend by feature in the last 7 days"),
                Choice("plan", "How to cut 25%", "How can we cut spend by 25%?"),
            ),
        ),
    ),
}


def data_for(kind: str, calls: int = 3000) -> dict:
    query = QUERIES[kind].to_json()
    data = {
        "query": query,
        "period": query["period"],
        "today": "2026-11-24",
        "summary": BY_MODEL if calls else summary(),
        "by": {"model": BY_MODEL, "feature": BY_FEATURE},
        "profile": PROFILE,
        "unpriced": {"calls": 0, "tokens": 0, "models": []},
        "within": {"nightly": BY_MODEL, "chat": BY_MODEL},
        "org": {"calls": calls},
    }
    if kind == "change":
        data["previous"] = {
            "period": PREVIOUS.to_json(),
            "by": {
                "model": summary(group("gpt-4o", 2000, "7.5")),
                "feature": summary(group("nightly", 1000, "3"), group("chat", 1000, "4.5")),
            },
            "daily": days(PREVIOUS.start, 7),
        }
        data["daily"] = days(PERIOD.start, 7, lambda d: "4.45" if d.day == 20 else "1.25")
    if kind == "forecast":
        data["history_daily"] = days(dt.date(2026, 10, 1), 55)
    return data


def found() -> dict:
    return optimize(PROFILE)


def unresolved(kind: str) -> dict:
    return dataclasses.replace(
        QUERIES[kind], unresolved=(Unresolved("feature", "doc-qa", ("doc-summarizer", "faq-answers")),)
    ).to_json()
