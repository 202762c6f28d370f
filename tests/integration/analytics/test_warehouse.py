"""The usage warehouse on a real ClickHouse engine (embedded chDB): exact costs, no double
counting on redelivery, unpriced calls flagged, one org never sees another's usage.

Opted in, the same suite runs on a server: NETRA_TEST_CLICKHOUSE_DSN (http(s)://, a ClickHouse
Cloud service included) and, for a self-managed cluster, NETRA_TEST_CLICKHOUSE_CLUSTER (ADR 0013).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

import pytest

from shared_lib.clients.clickhouse import clickhouse_client
from shared_lib.config import load_settings
from shared_lib.usage import parse_batch

from netra_analytics import schema, warehouse
from netra_analytics.layout import Layout

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
START, END = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc), dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)


SERVER_DSN = os.environ.get("NETRA_TEST_CLICKHOUSE_DSN")
SERVER_CLUSTER = os.environ.get("NETRA_TEST_CLICKHOUSE_CLUSTER") or None


@pytest.fixture(
    scope="module",
    params=[
        "chdb",
        pytest.param(
            "server",
            marks=[
                pytest.mark.clickhouse_server,
                pytest.mark.skipif(not SERVER_DSN, reason="set NETRA_TEST_CLICKHOUSE_DSN to a ClickHouse server"),
            ],
        ),
    ],
)
def client(request, tmp_path_factory):
    """The same suite on embedded chDB and, opted in, on a real server (a fresh database)."""
    cluster = None if request.param == "chdb" else SERVER_CLUSTER
    if request.param == "chdb":
        client = clickhouse_client(load_settings({"CLICKHOUSE_DSN": f"chdb://{tmp_path_factory.mktemp('warehouse')}"}))
    else:
        database = f"netra_test_{uuid.uuid4().hex[:12]}"
        on_cluster = f" ON CLUSTER '{cluster}'" if cluster else ""
        clickhouse_client(load_settings({"CLICKHOUSE_DSN": SERVER_DSN})).command(
            f"CREATE DATABASE {database}{on_cluster}"
        )
        client = clickhouse_client(load_settings({"CLICKHOUSE_DSN": _with_database(SERVER_DSN, database)}))
        request.addfinalizer(lambda: client.command(f"DROP DATABASE {database}{on_cluster} SYNC"))
    assert warehouse.migrate(client, cluster=cluster) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert warehouse.migrate(client, cluster=cluster) == []
    return client


@pytest.fixture
def cluster(request) -> str | None:
    """The cluster the `client` warehouse was created on (None: one node)."""
    return SERVER_CLUSTER if request.node.callspec.params["client"] == "server" else None


def _with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


def events(org: str, *rows: dict):
    accepted, rejected = parse_batch(
        [{"timestamp": "2026-11-20T10:00:00Z", "provider": "openai", **r} for r in rows], org, NOW
    )
    assert rejected == []
    return accepted


def test_summary_by_model_with_hand_worked_costs(client):
    org_a = events(
        "org-a",
        {"event_id": "a1", "model": "gpt-4o", "input_tokens": 1000, "output_tokens": 500, "latency_ms": 100},
        {
            "event_id": "a2",
            "model": "gpt-4o",
            "input_tokens": 5000,
            "cached_input_tokens": 4000,
            "output_tokens": 1000,
            "latency_ms": 300,
        },
        {
            "event_id": "a3",
            "model": "gpt-4o-mini",
            "input_tokens": 1_000_000,
            "output_tokens": 1_000_000,
            "batch": True,
            "latency_ms": 200,
            "status": "error",
            "interactive": False,
        },
        {"event_id": "a4", "model": "gpt-99-turbo", "input_tokens": 10, "output_tokens": 10, "latency_ms": 400},
        {
            "event_id": "a5",
            "provider": "anthropic",
            "model": "claude-3-5-haiku-latest",
            "input_tokens": 10,
            "output_tokens": 10,
            "cost_usd": "0.5",
            "latency_ms": 500,
        },
    )
    org_b = events(
        "org-b", {"event_id": "b1", "model": "gpt-4o", "input_tokens": 10_000_000, "output_tokens": 0, "latency_ms": 9}
    )
    warehouse.insert(client, org_a + org_b)
    warehouse.insert(client, org_a[:2])  # a redelivery of a1 and a2

    report = warehouse.summary(client, "org-a", START, END, "model")
    by_model = {g["key"]: g for g in report["groups"]}
    # gpt-4o: 1000*2.5/M + 500*10/M = 0.0075; 1000*2.5/M + 4000*1.25/M + 1000*10/M = 0.0175
    assert by_model["gpt-4o"]["calls"] == 2 and by_model["gpt-4o"]["cost_usd"] == "0.025"
    assert by_model["gpt-4o"]["cached_input_tokens"] == 4000
    assert by_model["gpt-4o"]["p50_latency_ms"] == 300.0  # nearest rank: sorted [100, 300][floor(0.5 * 2)]
    # gpt-4o-mini batch: (1M * 0.15/M + 1M * 0.6/M) / 2
    assert by_model["gpt-4o-mini"]["cost_usd"] == "0.375" and by_model["gpt-4o-mini"]["error_rate"] == 1.0
    assert by_model["claude-3-5-haiku-latest"]["cost_usd"] == "0.5"  # as provided
    assert by_model["gpt-99-turbo"]["cost_usd"] == "0"
    totals = report["totals"]
    assert totals["calls"] == 5 and totals["cost_usd"] == "0.9" and totals["error_rate"] == 0.2
    # latencies [100, 200, 300, 400, 500]: p50 = [floor(2.5)] = 300, p95 = [floor(4.75)] = 500
    assert totals["input_tokens"] == 1_006_020 and (totals["p50_latency_ms"], totals["p95_latency_ms"]) == (
        300.0,
        500.0,
    )
    assert totals["p99_latency_ms"] == 500.0
    assert (totals["p50_ttft_ms"], totals["p95_ttft_ms"]) == (None, None)  # no call reported a TTFT
    assert report["unpriced"] == {"calls": 1, "tokens": 20}
    assert [g["key"] for g in report["groups"]][0] == "claude-3-5-haiku-latest"  # ranked by cost

    only_b = warehouse.summary(client, "org-b", START, END, "provider")
    assert only_b["totals"]["calls"] == 1 and only_b["groups"][0]["key"] == "openai"
    assert warehouse.summary(client, "org-c", START, END, "day")["totals"]["calls"] == 0


def test_provided_and_computed_costs_are_kept_side_by_side(client):
    warehouse.insert(
        client,
        events(
            "org-d",
            {"event_id": "d1", "model": "gpt-4o", "input_tokens": 1000, "output_tokens": 500, "cost_usd": "0.01"},
        ),
    )
    row = client.query(
        "SELECT provided_cost_usd, computed_cost_usd, cost_usd, cost_status, price_version FROM usage_events FINAL "
        "WHERE org_id = 'org-d'"
    ).result_rows[0]
    assert [str(v) for v in row[:3]] == ["0.010000000", "0.007500000", "0.010000000"]
    assert row[3] == "provided" and row[4].startswith("genai-prices/")


def test_group_by_is_checked(client):
    with pytest.raises(ValueError, match="group_by must be one of"):
        warehouse.summary(client, "org-a", START, END, "model; DROP TABLE usage_events")


def test_repeated_prompts_and_shared_prefixes(client):
    base = {"model": "gpt-4o", "output_tokens": 500, "latency_ms": 10}
    warehouse.insert(
        client,
        events(
            "org-p",
            {
                **base,
                "event_id": "p1",
                "timestamp": "2026-11-20T10:00:00Z",
                "input_tokens": 1000,
                "prompt_hash": "h1",
                "prefix_hash": "x",
            },
            {
                **base,
                "event_id": "p2",
                "timestamp": "2026-11-20T10:01:00Z",
                "input_tokens": 1000,
                "prompt_hash": "h1",
                "prefix_hash": "x",
                "cached_input_tokens": 800,
            },
            {
                **base,
                "event_id": "p3",
                "timestamp": "2026-11-20T10:02:00Z",
                "input_tokens": 1000,
                "prompt_hash": "h1",
                "prefix_hash": "x",
            },
            {**base, "event_id": "p4", "timestamp": "2026-11-20T10:03:00Z", "input_tokens": 1000, "prompt_hash": "h2"},
            {
                **base,
                "event_id": "p5",
                "timestamp": "2026-11-20T10:04:00Z",
                "input_tokens": 1000,
                "prompt_hash": "h1",
                "status": "error",
            },
        ),
    )
    found = warehouse.repeated_prompts(client, "org-p", START, END)
    # h1 succeeded 3 times: 0.0075 (first) + 0.0065 (800 cached: 200*2.5/M + 800*1.25/M + 500*10/M) + 0.0075
    assert found["duplicate_prompts"] == [
        {
            "prompt_hash": "h1",
            "calls": 3,
            "repeat_calls": 2,
            "cost_usd": "0.0215",
            "repeat_cost_usd": "0.014",
            "models": ["gpt-4o"],
            "features": ["default"],
        }
    ]
    assert found["shared_prefixes"] == [
        {
            "prefix_hash": "x",
            "calls": 3,
            "input_tokens": 3000,
            "cached_input_tokens": 800,
            "cached_share": 0.2667,
            "models": ["gpt-4o"],
        }
    ]
    assert warehouse.repeated_prompts(client, "org-a", START, END)["duplicate_prompts"] == []


def test_ttft_percentiles_skip_calls_that_did_not_report_one(client):
    base = {"model": "gpt-4o", "input_tokens": 10, "output_tokens": 10, "latency_ms": 1000}
    warehouse.insert(
        client,
        events(
            "org-t",
            {**base, "event_id": "t1", "ttft_ms": 100},
            {**base, "event_id": "t2", "ttft_ms": 300},
            {**base, "event_id": "t3", "ttft_ms": 200},
            {**base, "event_id": "t4"},
        ),
    )
    totals = warehouse.summary(client, "org-t", START, END, "model")["totals"]
    # reported TTFTs sorted [100, 200, 300]: p50 = [floor(1.5)] = 200, p95 = [floor(2.85)] = 300
    assert (totals["calls"], totals["p50_ttft_ms"], totals["p95_ttft_ms"]) == (4, 200.0, 300.0)


def test_calls_without_a_latency_are_left_out_of_latency_percentiles(client):
    from netra_analytics.profile import workload_profile

    base = {"model": "gpt-4o", "input_tokens": 10, "output_tokens": 10, "feature": "timed"}
    warehouse.insert(
        client,
        events(
            "org-l",
            {**base, "event_id": "l1", "latency_ms": 100},
            {**base, "event_id": "l2", "latency_ms": 300},
            {**base, "event_id": "l3"},
            {**base, "event_id": "l4", "feature": "untimed"},
        ),
    )
    report = warehouse.summary(client, "org-l", START, END, "feature")
    # timed latencies [100, 300] (l3 sent none): p50 = [floor(1.0)] = 300; were l3 a 0, [0, 100, 300] would give 100
    timed, untimed = sorted(report["groups"], key=lambda g: g["key"])
    assert (timed["calls"], timed["p50_latency_ms"], timed["p95_latency_ms"]) == (3, 300.0, 300.0)
    assert (untimed["calls"], untimed["p50_latency_ms"], untimed["p99_latency_ms"], untimed["p50_ttft_ms"]) == (
        1,
        None,
        None,
        None,
    )
    assert report["totals"]["p50_latency_ms"] == 300.0
    latency = {w["feature"]: w["latency"] for w in workload_profile(client, "org-l", START, END)["workloads"]}
    assert latency["timed"]["p50_ms"] == 300.0 and latency["untimed"] == {
        "p50_ms": None,
        "p95_ms": None,
        "p50_ttft_ms": None,
        "p95_ttft_ms": None,
    }


def test_daily_rollup_counts_a_redelivered_event_once(client):
    base = {"model": "gpt-4o", "input_tokens": 1000, "output_tokens": 500, "latency_ms": 10}
    batch = events(
        "org-r",
        {**base, "event_id": "r1", "timestamp": "2026-11-20T10:00:00Z"},
        {**base, "event_id": "r2", "timestamp": "2026-11-20T23:59:59Z", "status": "error"},
        {**base, "event_id": "r3", "timestamp": "2026-11-21T00:00:00Z", "model": "gpt-99-turbo"},
    )
    assert warehouse.insert(client, batch).rows == 3
    warehouse.insert(client, batch)  # the whole batch again
    warehouse.insert(client, batch[1:] + batch[1:])  # part of it, twice within one batch

    daily = warehouse.timeseries(client, "org-r", START, END, "day", None)
    # each gpt-4o call: 1000*2.5/M + 500*10/M = 0.0075; the unknown model is unpriced (0, counted apart)
    assert daily["series"] == [
        {
            "key": None,
            "points": [
                {
                    "bucket": "2026-11-20",
                    "calls": 2,
                    "errors": 1,
                    "input_tokens": 2000,
                    "output_tokens": 1000,
                    "cost_usd": "0.015",
                },
                {
                    "bucket": "2026-11-21",
                    "calls": 1,
                    "errors": 0,
                    "input_tokens": 1000,
                    "output_tokens": 500,
                    "cost_usd": "0",
                },
            ],
        }
    ]
    hourly = warehouse.timeseries(client, "org-r", START, END, "hour", "model")
    assert [(s["key"], [p["bucket"] for p in s["points"]]) for s in hourly["series"]] == [
        ("gpt-4o", ["2026-11-20T10:00:00Z", "2026-11-20T23:00:00Z"]),
        ("gpt-99-turbo", ["2026-11-21T00:00:00Z"]),
    ]
    # The rollup and the calls agree.
    assert warehouse.summary(client, "org-r", START, END, "day")["totals"]["calls"] == 3
    # A day series covers whole days overlapping the range; an hour series exactly the range.
    late = dt.datetime(2026, 11, 20, 12, tzinfo=dt.timezone.utc)
    assert [
        p["bucket"] for p in warehouse.timeseries(client, "org-r", late, END, "day", None)["series"][0]["points"]
    ] == ["2026-11-20", "2026-11-21"]
    assert len(warehouse.timeseries(client, "org-r", late, END, "hour", None)["series"][0]["points"]) == 2


def test_unpriced_calls_are_listed_per_model(client):
    warehouse.insert(
        client,
        events(
            "org-u",
            {"event_id": "u1", "model": "gpt-99-turbo", "input_tokens": 100, "output_tokens": 10, "feature": "chat"},
            {
                "event_id": "u2",
                "model": "gpt-99-turbo",
                "input_tokens": 200,
                "output_tokens": 20,
                "feature": "search",
                "timestamp": "2026-11-21T08:00:00Z",
            },
            {"event_id": "u3", "model": "gpt-4o", "input_tokens": 100, "output_tokens": 10},
        ),
    )
    found = warehouse.unpriced(client, "org-u", START, END)
    assert (found["calls"], found["tokens"]) == (2, 330)
    [model] = found["models"]
    assert (model["provider"], model["model"], model["calls"], model["features"]) == (
        "openai",
        "gpt-99-turbo",
        2,
        ["chat", "search"],
    )
    assert (model["first_seen"], model["last_seen"]) == ("2026-11-20T10:00:00Z", "2026-11-21T08:00:00Z")
    assert warehouse.unpriced(client, "org-a", START, END)["calls"] == 1  # org-a's own gpt-99-turbo call only


def test_workload_profile_with_hand_worked_numbers(client):
    from netra_analytics.profile import workload_profile

    base = {
        "model": "gpt-4o",
        "feature": "triage",
        "latency_ms": 100,
        "prefix_hash": "sys",
        "metadata": {"prefix_tokens": "1800"},
    }
    rows = [  # outputs 10, 20, 30, 40 and a runaway 1000; a billed timeout; h1 asked three times
        {
            **base,
            "event_id": "w1",
            "timestamp": "2026-11-20T10:00:00Z",
            "input_tokens": 2000,
            "output_tokens": 10,
            "prompt_hash": "h1",
        },
        {
            **base,
            "event_id": "w2",
            "timestamp": "2026-11-20T10:01:00Z",
            "input_tokens": 2000,
            "output_tokens": 20,
            "prompt_hash": "h1",
            "cached_input_tokens": 1000,
        },
        {
            **base,
            "event_id": "w3",
            "timestamp": "2026-11-20T10:07:00Z",
            "input_tokens": 2100,
            "output_tokens": 30,
            "prompt_hash": "h1",
        },
        {
            **base,
            "event_id": "w4",
            "timestamp": "2026-11-20T11:00:00Z",
            "input_tokens": 2500,
            "output_tokens": 40,
            "prompt_hash": "h2",
            "max_tokens": 40,
        },
        {
            **base,
            "event_id": "w5",
            "timestamp": "2026-11-20T11:01:00Z",
            "input_tokens": 3000,
            "output_tokens": 1000,
            "finish_reason": "length",
        },
        {
            **base,
            "event_id": "w6",
            "timestamp": "2026-11-20T11:02:00Z",
            "input_tokens": 4000,
            "output_tokens": 100,
            "status": "timeout",
            "finish_reason": "length",
            "max_tokens": 100,
        },
        {
            **base,
            "event_id": "w7",
            "timestamp": "2026-11-20T11:03:00Z",
            "input_tokens": 0,
            "output_tokens": 0,
            "status": "rate_limited",
        },
        {
            **base,
            "event_id": "w8",
            "model": "gpt-4o-mini",
            "interactive": False,
            "input_tokens": 10,
            "output_tokens": 10,
        },
    ]
    warehouse.insert(client, events("org-w", *rows))
    profile = workload_profile(client, "org-w", START, END)
    [triage] = [w for w in profile["workloads"] if w["model"] == "gpt-4o"]
    assert [(w["model"], w["interactive"]) for w in profile["workloads"]] == [("gpt-4o", True), ("gpt-4o-mini", False)]
    assert (triage["calls"], triage["success_calls"]) == (7, 5)
    assert (triage["calls_with_prompt_hash"], triage["calls_with_prefix_hash"]) == (4, 7)
    assert triage["tokens"] == {
        "input_tokens": 15600,
        "cached_input_tokens": 1000,
        "cache_write_tokens": 0,
        "output_tokens": 1200,
    }
    # Successful outputs [10, 20, 30, 40, 1000]: nearest-rank p50 = [floor(2.5)] = 30; mean 220
    assert (triage["output"]["p50"], triage["output"]["mean"], triage["output"]["p99"]) == (30.0, 220.0, 1000.0)
    # The timeout was billed: 4000*2.5/M + 100*10/M = 0.011; the rate-limited call was not.
    assert triage["failures"] == {
        "calls": 2,
        "billed_calls": 1,
        "cost_usd": "0.011",
        "tokens": {"input_tokens": 4000, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 100},
    }
    # h1 after its first: w2 (1000*2.5/M + 1000*1.25/M + 20*10/M = 0.00395) and w3 (2100*2.5/M + 30*10/M = 0.00555)
    assert triage["repeats"] == {
        "calls": 2,
        "cost_usd": "0.0095",
        "tokens": {"input_tokens": 4100, "cached_input_tokens": 1000, "cache_write_tokens": 0, "output_tokens": 50},
    }
    # Stopped at their limit, successful calls only: w5 said `length`, w4 produced its max_tokens (40);
    # the timeout w6 did both and is not counted.
    assert (triage["output"]["length_calls"], triage["output"]["at_max_tokens_calls"]) == (1, 1)
    # Tail: the cap is 4 x p50 = 120 tokens; only the runaway exceeds it, by 880, and it ended `length`.
    # Either side of the cap: the body's longest output is 40, the tail's shortest 1000.
    assert triage["output_tail"] == {
        "cap_tokens": 120,
        "calls": 1,
        "excess_tokens": 880,
        "truncated_calls": 1,
        "body_max_tokens": 40,
        "tail_min_tokens": 1000,
    }
    # Five successful calls share the prefix at 10:00, 10:01, 10:07, 11:00, 11:01: gaps -, 1, 6, 53 and 1 minutes.
    # A 5-minute cache (since last use) is written by the first call and after the 6- and 53-minute gaps;
    # a 1-hour (and a 24-hour) cache by the first only. Median of the four gaps [1, 1, 6, 53] min (nearest rank: the 3rd): 6 min.
    assert triage["prefixes"] == [
        {
            "prefix_hash": "sys",
            "calls": 5,
            "prefix_tokens_max": 2000,
            "prefix_tokens_reported": 1800,
            "mean_input_tokens": 2320.0,
            "input_tokens": 11600,
            "cached_input_tokens": 1000,
            "cache_writes": {"300": 3, "3600": 1, "86400": 1},
            "median_gap_seconds": 360.0,
        }
    ]
    assert workload_profile(client, "org-none", START, END)["workloads"] == []


def test_cache_writes_follow_the_gaps_between_a_prefixs_calls_not_the_clock(client):
    from netra_analytics.profile import workload_profile

    base = {"model": "gpt-4o", "feature": "chat", "input_tokens": 2000, "output_tokens": 10, "prefix_hash": "s"}
    times = [
        "10:03:00",
        "10:04:30",
        "10:06:00",
        "10:08:00",  # a session across the 10:05 boundary: gaps 1.5, 1.5, 2 min
        "10:13:00.001",  # 5 min 0.001 s after the last: the cache has expired
        "10:18:00.001",  # exactly 5 min: still alive (a write only after a gap *longer* than the lifetime)
        "11:30:00",
        "12:29:00",
    ]  # 72 and 59 minutes: a 1-hour cache survives the second only
    rows = [{**base, "event_id": f"g{i}", "timestamp": f"2026-11-20T{t}Z"} for i, t in enumerate(times)]
    rows.append(
        {**base, "event_id": "g-other", "prefix_hash": "t", "timestamp": "2026-11-20T10:04:00Z"}
    )  # another prefix
    warehouse.insert(client, events("org-g", *rows))
    [prefix] = [p for w in workload_profile(client, "org-g", START, END)["workloads"] for p in w["prefixes"]]
    # 5 minutes: the first call, 10:13:00.001, 11:30 and 12:29 (4; the clock's 5-minute windows with traffic,
    # 10:00, 10:05, 10:10, 10:15, 11:30 and 12:25, would say 6); 1 hour: the first call and 11:30 (2);
    # 24 hours: the first call only.
    # Gaps sorted: 90, 90, 120, 300, 300.001, 3540, 4319.999 s; nearest-rank median (the 4th): 300 s.
    assert (prefix["prefix_hash"], prefix["calls"], prefix["cache_writes"], prefix["median_gap_seconds"]) == (
        "s",
        8,
        {"300": 4, "3600": 2, "86400": 1},
        300.0,
    )


def test_the_rollup_tables_hold_each_call_once_after_a_re_send(client):
    """What ADR 0008's tables hold, read back directly: on a server or a cluster this is what
    the materialized views wrote into (replicated) target tables."""
    from netra_analytics.profile import workload_profile

    base = {"model": "gpt-4o", "latency_ms": 100, "prefix_hash": "s1", "prompt_hash": "p1"}
    first, second = {**base, "event_id": "t1", "timestamp": "2026-11-20T10:00:00Z"}, {**base, "event_id": "t2"}
    warehouse.insert(
        client,
        events(
            "org-rollups",
            {**first, "input_tokens": 1000, "output_tokens": 100},
            {**second, "timestamp": "2026-11-20T10:02:00Z", "input_tokens": 1200, "output_tokens": 200},
            {**base, "event_id": "t3", "timestamp": "2026-11-20T11:00:00Z", "input_tokens": 500, "output_tokens": 50}
            | {"prompt_hash": "p2", "status": "error"},
        ),
        accepted_at=NOW,
    )
    resent = {**second, "timestamp": "2026-11-20T10:02:00Z", "input_tokens": 1200, "output_tokens": 300}
    warehouse.insert(client, events("org-rollups", resent), accepted_at=NOW + dt.timedelta(minutes=1))

    def rows(sql: str) -> list[tuple]:
        return client.query(sql, parameters={"org": "org-rollups"}).result_rows

    # gpt-4o: t1 1000*2.5/M + 100*10/M = 0.0035; t2 as re-sent 1200*2.5/M + 300*10/M = 0.006;
    # the failed t3 billed 500*2.5/M + 50*10/M = 0.00175. t2's first version is cancelled (-1).
    assert rows(
        "SELECT toString(hour), sum(calls), sum(failed_calls), sum(output_tokens), sum(cost_usd) FROM usage_hourly "
        "WHERE org_id = {org:String} GROUP BY hour ORDER BY hour"
    ) == [
        ("2026-11-20 10:00:00", 2, 0, 400, Decimal("0.0095")),
        ("2026-11-20 11:00:00", 1, 1, 50, Decimal("0.00175")),
    ]
    assert rows(
        "SELECT toString(hour), sum(calls), sum(output_tokens), sum(cost_usd) FROM usage_daily_rollup "
        "WHERE org_id = {org:String} GROUP BY hour"
    ) == [("2026-11-20 00:00:00", 3, 450, Decimal("0.01125"))]
    # p1's first successful call is t1; the failed p2 has none.
    assert rows(
        "SELECT any(prompt_hash), argMinMerge(first_output), argMinMerge(first_input) FROM usage_prompt_firsts "
        "WHERE org_id = {org:String} GROUP BY prompt_key"
    ) == [("p1", 100, 1000)]
    # Slot 10:00 saw t1, t2 and t2 re-sent (a slot's min/max are not taken back: cancelled
    # prefixes are read from the calls).
    ms = int(dt.datetime(2026, 11, 20, 10, tzinfo=dt.timezone.utc).timestamp() * 1000)
    assert rows(
        "SELECT toString(slot), sum(calls), sum(input_sum), min(min_input), min(first_ms), max(last_ms) "
        "FROM usage_prefix_slots WHERE org_id = {org:String} GROUP BY slot"
    ) == [("2026-11-20 10:00:00", 3, 3400, 1000, ms, ms + 120_000)]

    totals = warehouse.summary(client, "org-rollups", START, END, "model")["totals"]
    assert (totals["calls"], totals["cost_usd"]) == (3, "0.01125")
    [workload] = workload_profile(client, "org-rollups", START, END)["workloads"]
    assert workload["repeats"] == {
        "calls": 1,
        "cost_usd": "0.006",
        "tokens": {"input_tokens": 1200, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 300},
    }
    [prefix] = workload["prefixes"]
    # t1 and t2 as re-sent, 2 minutes apart: one write for every cache lifetime.
    assert (prefix["calls"], prefix["input_tokens"], prefix["cache_writes"], prefix["median_gap_seconds"]) == (
        2,
        2200,
        {"300": 1, "3600": 1, "86400": 1},
        120.0,
    )


def _schema(client) -> list[tuple]:
    return client.query(
        "SELECT name, engine, create_table_query, metadata_modification_time FROM system.tables "
        "WHERE database = currentDatabase() ORDER BY name"
    ).result_rows


def test_the_tables_reads_rely_on_have_the_engines_of_the_layout(client, cluster):
    engines = {name: engine for name, engine, *_ in _schema(client)}
    expected = {
        "usage_events": "CollapsingMergeTree",
        "usage_hourly": "AggregatingMergeTree",
        "usage_daily_rollup": "AggregatingMergeTree",
        "usage_prompt_firsts": "AggregatingMergeTree",
        "usage_prefix_slots": "AggregatingMergeTree",
        "model_aliases": "ReplacingMergeTree",
        "schema_migrations": "MergeTree",
        **{f"schema_migration_claim_{v:04d}": "MergeTree" for v in range(1, 10)},
    }
    views = {"usage_hourly_mv", "usage_daily_rollup_mv", "usage_prompt_firsts_mv", "usage_prefix_slots_mv"}
    assert set(engines) == set(expected) | views  # nothing of the old layouts left
    assert {engines[name] for name in views} == {"MaterializedView"}
    # One node keeps the engines as written (ClickHouse Cloud reports them as Shared*); a
    # cluster's are Replicated.
    forms = ("Replicated",) if cluster else ("", "Shared")
    assert {
        name: engines[name] for name, engine in expected.items() if engines[name] not in {f + engine for f in forms}
    } == {}


def test_a_migrated_warehouse_migrates_nothing_again_and_refuses_another_layout(client, cluster):
    before = _schema(client)
    assert warehouse.migrate(client, cluster=cluster) == []
    (database,) = client.query("SELECT engine FROM system.databases WHERE name = currentDatabase()").result_rows[0]
    if cluster:
        refusal = "set CLICKHOUSE_CLUSTER"
    else:  # ClickHouse Cloud's databases replicate their DDL themselves
        refusal = "leave CLICKHOUSE_CLUSTER unset" if database == "Replicated" else "created on one node"
    with pytest.raises(RuntimeError, match=refusal):
        warehouse.migrate(client, cluster=None if cluster else "netra")
    assert _schema(client) == before


def test_every_statement_rendered_for_a_cluster_is_clickhouse_sql(client):
    # No cluster to run them on here: the engine's own parser reads each one (a misplaced
    # ON CLUSTER is a syntax error), and each table's engine is the Replicated one.
    layout = Layout("netra")
    statements = [schema.BOOKKEEPING] + [
        statement
        for path in sorted(schema.MIGRATIONS.glob("*.sql"))
        for statement in schema._statements(path.read_text())
    ]
    engines = []
    for statement in statements:
        tree = "\n".join(row[0] for row in client.query(f"EXPLAIN AST {layout.render(statement)}").result_rows)
        engines += re.findall(r"Function (\w*MergeTree)", tree)
    assert sorted(set(engines)) == [
        "ReplicatedAggregatingMergeTree",
        "ReplicatedCollapsingMergeTree",
        "ReplicatedMergeTree",
        "ReplicatedReplacingMergeTree",
        "ReplicatedSummingMergeTree",
    ]


def test_names_of_each_dimension_costliest_first_from_calls_that_still_count(client):
    """What triage reads in one call: each dimension's names in the period, the costliest
    first. A re-sent call that moved to another feature no longer names its first one."""
    org = "org-names"

    def calls(org: str, *rows: dict):
        return events(org, *({"input_tokens": 0, "output_tokens": 0, **r} for r in rows))

    warehouse.insert(
        client,
        calls(
            org,
            # Whole days (the daily rollup), an edge hour and an edge minute of the range.
            {"event_id": "n1", "feature": "search", "model": "gpt-4o", "user_id": "ann", "input_tokens": 1000},
            {"event_id": "n2", "feature": "chat", "model": "gpt-4o-mini", "user_id": "bob", "input_tokens": 1000}
            | {"timestamp": "2026-11-25T11:30:00Z"},
            {"event_id": "n3", "feature": "draft", "model": "gpt-4o", "user_id": "cy", "input_tokens": 100}
            | {"provider": "anthropic", "model": "claude-3-5-haiku-latest", "timestamp": "2026-11-01T00:00:05Z"},
            {"event_id": "n4", "feature": "moved", "model": "gpt-4o", "input_tokens": 9_000_000},
            # Outside the period: names nothing.
            {
                "event_id": "n6",
                "feature": "later",
                "model": "o1",
                "user_id": "fay",
                "timestamp": "2026-11-25T11:50:00Z",
            },
            {"event_id": "n5", "feature": "old", "model": "o1", "user_id": "dee", "timestamp": "2026-10-31T23:59:59Z"},
        )
        + calls("org-other", {"event_id": "x1", "feature": "theirs", "model": "gpt-4o", "user_id": "eve"}),
        accepted_at=NOW,
    )
    resent = {"event_id": "n4", "feature": "search", "model": "gpt-4o", "input_tokens": 9_000_000}
    warehouse.insert(client, calls(org, resent), accepted_at=NOW + dt.timedelta(minutes=1))

    end = dt.datetime(2026, 11, 25, 11, 45, tzinfo=dt.timezone.utc)
    # Costs: search (n1 + n4 re-sent) 0.0025 + 22.5; chat 1000 * 0.15/M; draft (haiku) 100 * 0.8/M.
    assert warehouse.names(client, org, START, end, 10) == {
        "feature": ["search", "chat", "draft"],
        "model": ["gpt-4o", "gpt-4o-mini", "claude-3-5-haiku-latest"],
        "provider": ["openai", "anthropic"],
        "user": ["ann", "bob", "cy"],
    }
    assert warehouse.names(client, org, START, end, 1) == {
        "feature": ["search"],
        "model": ["gpt-4o"],
        "provider": ["openai"],
        "user": ["ann"],
    }
    # A period within one hour: from the calls alone.
    hour = dt.datetime(2026, 11, 25, 11, 15, tzinfo=dt.timezone.utc)
    assert warehouse.names(client, org, hour, end, 10)["feature"] == ["chat"]
    assert warehouse.names(client, "org-nobody", START, end, 10) == {
        "feature": [],
        "model": [],
        "provider": [],
        "user": [],
    }


def test_the_profile_replays_chained_calls_in_time_order_through_each_caching_policy(client):
    # A conversation of three turns on claude-sonnet-4-5 (ADR 0017), sent out of order, one call
    # re-sent with a changed chain (the later version counts), and a call of another workload.
    from netra_analytics.profile import workload_profile

    system = {"hash": "sys", "tokens": 1200, "at": "system"}
    turn_1 = [system, {"hash": "a", "tokens": 3000}]
    turn_2 = [*turn_1, {"hash": "b", "tokens": 5000}]
    turn_3 = [*turn_2, {"hash": "c", "tokens": 7000}]
    base = {"provider": "anthropic", "model": "claude-sonnet-4-5", "feature": "chat", "output_tokens": 50}
    calls = [
        {**base, "event_id": "c3", "timestamp": "2026-11-20T10:05:50Z", "input_tokens": 7000, "prefix_chain": turn_3},
        {**base, "event_id": "c1", "timestamp": "2026-11-20T10:00:00Z", "input_tokens": 3000, "prefix_chain": turn_1},
        {**base, "event_id": "c2", "timestamp": "2026-11-20T10:01:00Z", "input_tokens": 5000, "prefix_chain": turn_1},
        {**base, "event_id": "plain", "timestamp": "2026-11-20T10:02:00Z", "input_tokens": 900},
        {**base, "event_id": "other", "feature": "search", "input_tokens": 3000, "prefix_chain": turn_1},
    ]
    warehouse.insert(client, events("org-chain", *calls))
    resent = {**calls[2], "prefix_chain": turn_2}
    warehouse.insert(client, events("org-chain", resent))
    chat = next(w for w in workload_profile(client, "org-chain", START, END)["workloads"] if w["feature"] == "chat")
    assert chat["caching"]["calls_with_chain"] == 3
    policies = {(p["policy"], p["ttl_seconds"]): p for p in chat["caching"]["policies"]}
    # prompt_end, 5 minutes: t=0 writes 3,000; t=60 s reads 'a' (3,000), writes 2,000 ('b' lives to
    # 360 s); t=350 s reads 'b' (5,000), writes 2,000.
    end = policies[("prompt_end", 300)]
    assert (end["calls"], end["read_tokens"], end["written_tokens"], end["calls_read"]) == (3, 8000, 7000, 2)
    assert end["input_tokens"] == 15000
    # system only: writes 1,200 once, reads it twice.
    system_only = policies[("system", 300)]
    assert (system_only["read_tokens"], system_only["written_tokens"]) == (2400, 1200)
    assert set(policies) == {(n, t) for n in ("prompt_end", "system", "system_and_prompt_end") for t in (300, 3600)}


def test_the_prefix_limit_is_counted_not_silent(client, monkeypatch):
    from netra_analytics import profile

    monkeypatch.setattr(profile, "MAX_PREFIXES", 1)
    base = {"provider": "openai", "model": "gpt-4o", "feature": "chat", "output_tokens": 5}
    rows = [
        {**base, "event_id": f"{p}{i}", "prefix_hash": p, "input_tokens": size, "timestamp": f"2026-11-20T10:0{i}:00Z"}
        for p, size in (("big", 3000), ("mid", 2000), ("small", 1500))
        for i in range(2)
    ]
    rows.append({**base, "event_id": "alone", "prefix_hash": "once", "input_tokens": 9000})  # one call: not shared
    warehouse.insert(client, events("org-limit", *rows))
    [workload] = profile.workload_profile(client, "org-limit", START, END)["workloads"]
    assert [p["prefix_hash"] for p in workload["prefixes"]] == ["big"]
    assert workload["prefixes_total"] == {"count": 3, "input_tokens": 2 * (3000 + 2000 + 1500)}


def test_a_workload_cut_whole_by_the_prefix_limit_still_counts_its_prefixes(client, monkeypatch):
    from netra_agents.optimizer import optimize
    from netra_analytics import profile

    monkeypatch.setattr(profile, "MAX_PREFIXES", 1)  # the org-wide limit: only "big" of workload a is listed
    rows = [
        {
            "provider": "openai",
            "model": model,
            "feature": feature,
            "output_tokens": 5,
            "event_id": f"{p}{i}",
            "prefix_hash": p,
            "input_tokens": size,
            "timestamp": f"2026-11-20T10:0{i}:00Z",
        }
        for feature, model, p, size in (("a", "gpt-4o", "big", 3000), ("b", "gpt-4o-mini", "small", 1500))
        for i in range(2)
    ]
    warehouse.insert(client, events("org-cut", *rows))
    found = profile.workload_profile(client, "org-cut", START, END)
    b = next(w for w in found["workloads"] if w["feature"] == "b")
    assert (b["prefixes"], b["prefixes_total"]) == ([], {"count": 1, "input_tokens": 3000})
    assert any("none of the 1 of “b” made the list" in w for w in optimize(found)["warnings"])
