"""The optimizer against the demo generator's answer key: generated usage is stored in a
real ClickHouse engine (chDB), profiled by the analytics query, optimized, and every
lever's dollars must land within 95-105% of what was injected — on several seeds and
settings, including ones where an inefficiency is absent and nothing may be claimed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from emulators.workload import LEVERS, WorkloadSettings, generate
from shared_lib.clients.clickhouse import clickhouse_client
from shared_lib.config import load_settings
from shared_lib.usage import parse_batch

from netra_agents.optimizer import optimize
from netra_analytics import warehouse
from netra_analytics.profile import workload_profile

END = dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)
SETTINGS = [
    WorkloadSettings("org-seed-1", seed=1, days=30, calls_per_day=1500),
    WorkloadSettings("org-seed-2", seed=2, days=14, calls_per_day=3000),
    WorkloadSettings(
        "org-seed-3", seed=3, days=30, calls_per_day=1000, inject=frozenset(LEVERS) - {"batching", "response_caching"}
    ),
    WorkloadSettings(
        "org-seed-4",
        seed=4,
        days=21,
        calls_per_day=2000,
        inject=frozenset({"model_rightsizing", "prompt_caching", "error_waste"}),
    ),
    WorkloadSettings("org-seed-5", seed=5, days=10, calls_per_day=400),  # sparse: prompt caching may not pay
    WorkloadSettings("org-seed-6", seed=6, days=14, calls_per_day=1200, inject=frozenset()),  # nothing to claim
    WorkloadSettings(
        "org-seed-7", seed=7, days=21, calls_per_day=1500, inject=frozenset({"reasoning_effort", "batching"})
    ),
    WorkloadSettings("org-seed-8", seed=8, days=30, calls_per_day=2500),
]
# Per seed and lever: (injected, found), printed as a table after the last seed (pytest -s).
ACCURACY: dict[str, dict[str, tuple[Decimal, Decimal]]] = {}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    client = clickhouse_client(load_settings({"CLICKHOUSE_DSN": f"chdb://{tmp_path_factory.mktemp('optimizer')}"}))
    warehouse.migrate(client)
    return client


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: s.org_id)
def test_recovers_the_injected_savings(client, settings):
    workload = generate(dataclasses.replace(settings, end=END))
    events, rejected = parse_batch(workload.events, settings.org_id, END + dt.timedelta(minutes=1))
    assert rejected == []
    warehouse.insert(client, events)
    key = workload.answer_key

    report = optimize(workload_profile(client, settings.org_id, END - dt.timedelta(days=settings.days), END))

    found = {lever: Decimal(0) for lever in LEVERS}
    for recommendation in report["recommendations"]:
        found[recommendation["lever"]] += Decimal(recommendation["savings_usd"])
    injected = {lever: Decimal(key["levers"][lever]) for lever in LEVERS}
    ACCURACY[settings.org_id] = {lever: (injected[lever], found[lever]) for lever in LEVERS}
    for lever in LEVERS:
        if injected[lever] == 0:
            assert found[lever] == 0, f"{lever}: claimed ${found[lever]} where nothing was injected"
        else:
            # Cents: recommendations are rounded to the cent each.
            assert (
                injected[lever] * Decimal("0.95") - Decimal("0.05")
                <= found[lever]
                <= injected[lever] * Decimal("1.05") + Decimal("0.05")
            ), f"{lever}: found ${found[lever]}, injected ${injected[lever]}"
    # Per workload too: each injected inefficiency found on its own feature (the tutor's 1-hour cache,
    # the copilot's 24-hour retention, Gemini's implicit cache, the router's effort, the grader's Flex),
    # and nothing claimed on a feature where nothing was injected.
    by_feature: dict[tuple[str, str], Decimal] = {}
    for recommendation in report["recommendations"]:
        at = (recommendation["lever"], recommendation["workload"]["feature"])
        by_feature[at] = by_feature.get(at, Decimal(0)) + Decimal(recommendation["savings_usd"])
    keyed = {(i["lever"], i["feature"]): Decimal(i["savings_usd"]) for i in key["inefficiencies"]}
    assert set(by_feature) == set(keyed), sorted(set(by_feature) ^ set(keyed))
    for at, amount in keyed.items():
        assert abs(by_feature[at] - amount) <= amount * Decimal("0.05") + Decimal("0.05"), (at, by_feature[at], amount)
    total_found, total_injected = sum(found.values()), Decimal(key["total_savings_usd"])
    assert total_injected * Decimal("0.95") <= total_found <= total_injected * Decimal("1.05")
    # The spend it reports is the priced spend of the period, to the cent.
    assert abs(Decimal(report["total_spend_usd"]) - Decimal(key["total_cost_usd"])) <= Decimal("0.01")
    assert any("acme-llm-1" in warning for warning in report["warnings"])
    # Recommendations are ranked by dollars, and each names its evidence.
    savings = [Decimal(r["savings_usd"]) for r in report["recommendations"]]
    assert savings == sorted(savings, reverse=True)
    assert all(r["evidence"] and r["savings_usd"] != "0.00" for r in report["recommendations"])


def test_accuracy_table_across_seeds():
    """Found / injected per lever and seed (after the seeds above ran): every lever within 5% of
    its key, nothing claimed where nothing was injected. Printed for the closing note."""
    assert set(ACCURACY) == {s.org_id for s in SETTINGS}, "run with the seed tests"
    lines = [f"{'lever':18} " + " ".join(f"{org[-6:]:>14}" for org in ACCURACY)]
    for lever in LEVERS:
        cells = []
        for injected, found in (ACCURACY[org][lever] for org in ACCURACY):
            cells.append(
                f"{'none':>14}"
                if injected == 0 and found == 0
                else f"{'CLAIMED ' + str(found):>14}"
                if injected == 0
                else f"{float(found / injected):>14.4f}"
            )
        lines.append(f"{lever:18} " + " ".join(cells))
    print("\nfound / injected per lever and seed\n" + "\n".join(lines))
    for org, levers in ACCURACY.items():
        for lever, (injected, found) in levers.items():
            assert (
                (found == 0) if injected == 0 else abs(found - injected) <= injected * Decimal("0.05") + Decimal("0.05")
            ), (org, lever, injected, found)


def test_output_caps_only_where_outputs_run_away(client):
    """Stored calls, profiled and optimized: a log-normal tail (no max_tokens) gets no cap; a
    cluster that ran to max_tokens = 4,096 and ended `length` gets one, exact to the micro-dollar."""
    import math
    from statistics import NormalDist

    org, start = "org-caps", END - dt.timedelta(days=1)

    def call(i: int, feature: str, output: int, **extra) -> dict:
        return {
            "event_id": f"{feature}-{i}",
            "timestamp": (start + dt.timedelta(seconds=60 * i)).isoformat(),
            "provider": "google",
            "model": "gemini-2.5-flash",
            "feature": feature,
            "input_tokens": 1000,
            "output_tokens": output,
            **extra,
        }

    # Log-normal, median 300, sigma 1: 8.3% of calls beyond 4x the median, with no gap before them.
    natural = [call(i, "chat", round(300 * math.exp(NormalDist().inv_cdf((i + 0.5) / 1000)))) for i in range(1000)]
    # 963 summaries of 250..350 tokens and 37 that ran to their max_tokens.
    runaway = [
        call(i, "summaries", 250 + (i * 101) // 963, max_tokens=4096, finish_reason="stop") for i in range(963)
    ] + [call(963 + i, "summaries", 4096, max_tokens=4096, finish_reason="length") for i in range(37)]
    events, rejected = parse_batch(natural + runaway, org, END + dt.timedelta(minutes=1))
    assert rejected == []
    warehouse.insert(client, events)

    profile = workload_profile(client, org, start, END + dt.timedelta(days=1))
    summaries = next(w for w in profile["workloads"] if w["feature"] == "summaries")
    assert (summaries["output"]["length_calls"], summaries["output"]["at_max_tokens_calls"]) == (37, 37)
    caps = [r for r in optimize(profile)["recommendations"] if r["lever"] == "output_caps"]
    # Median (nearest rank) 302, cap 1,208: 37 x (4,096 - 1,208) = 106,856 tokens x $2.50/M = $0.26714
    assert [(r["workload"]["feature"], r["savings_usd"], r["change"], r["confidence"]) for r in caps] == [
        ("summaries", "0.26714", {"max_tokens": 1208}, "high")
    ]
