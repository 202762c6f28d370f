"""Query latency over 1M and 10M stored calls (100M with NETRA_BENCH_100M=1; embedded chDB):
the usage summary by model, the breakdown by feature (one feature filtered), a period change
(what the data agent reads: summaries by model and feature and the daily series, for the
period and the one before), the optimizer's workload profile and the whole optimizer
(profile + levers), each against a bare scan of the same rows (count and cost, no grouping)
in the same run. On stderr, per size: the process's peak memory while filling and while
reading, and the percentiles' relative error (histograms, ADR 0008) against exact ones;
then the growth of each answer from one size to the next."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

SIZES = (1_000_000, 10_000_000)
LARGE = 100_000_000  # opt-in: NETRA_BENCH_100M=1 (a fill of ~20 min and ~10 GB of disk)
ROOT = Path(__file__).resolve().parents[1]
START = dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc)
END = START + dt.timedelta(days=30)
ORG = "org-bench"

# Calls spread over 30 days, 12 workloads, repeated prompts and shared prefixes; costs
# as ingest would store them (a per-model price per token, exact decimals).
_FILL = """
INSERT INTO usage_events (event_id, org_id, timestamp, user_id, feature, provider, model, input_tokens, output_tokens,
    cached_input_tokens, cache_write_tokens, reasoning_tokens, latency_ms, ttft_ms, status, provided_cost_usd,
    computed_cost_usd, cost_usd, cost_status, price_version, prompt_hash, prefix_hash, prefix_chain_hashes,
    prefix_chain_tokens, prefix_chain_at, max_tokens, finish_reason, interactive, batch, metadata, ingested_at,
    accepted_at, sign)
SELECT
    concat('evt-', toString(number)) AS event_id,
    '{org}' AS org_id,
    toDateTime64('{start}', 3, 'UTC') + toIntervalMillisecond(intDiv(number * 2592000000, {n})) AS timestamp,
    concat('user-', toString(number % 40)) AS user_id,
    concat('feature-', toString(number % 12)) AS feature,
    ['openai', 'anthropic', 'google'][number % 3 + 1] AS provider,
    ['gpt-4o', 'claude-sonnet-4-5', 'gemini-2.5-flash'][number % 3 + 1] AS model,
    1000 + number % 3000 AS input_tokens,
    20 + (number * 7919) % 900 AS output_tokens,
    if(number % 5 = 0, 800, 0) AS cached_input_tokens,
    0 AS cache_write_tokens,
    0 AS reasoning_tokens,
    200 + (number * 104729) % 4000 AS latency_ms,
    if(number % 4 = 0, NULL, 100 + number % 700) AS ttft_ms,
    if(number % 97 = 0, 'timeout', 'success') AS status,
    NULL AS provided_cost_usd,
    toDecimal64((1000 + number % 3000) * 25 + (20 + (number * 7919) % 900) * 100, 9) / 10000000 AS computed_cost_usd,
    computed_cost_usd AS cost_usd,
    'priced' AS cost_status,
    'bench' AS price_version,
    toString(cityHash64(number % 200000)) AS prompt_hash,
    concat('prefix-', toString(number % 12)) AS prefix_hash,
    -- A prefix chain on every 10th call (ADR 0017): its feature's system prompt, then up to three
    -- turns of a conversation of ~36 consecutive calls: what the caching simulation replays.
    if(number % 10 = 0, arrayMap(k -> if(k = 0, concat('sys-', toString(number % 12)),
        concat('c-', toString(intDiv(number, 360)), '-', toString(k))), range(1 + number % 4)), [])
        AS prefix_chain_hashes,
    if(number % 10 = 0, arrayMap(k -> toUInt32(1000 + intDiv(k * (number % 3000), 4)), range(1 + number % 4)), [])
        AS prefix_chain_tokens,
    if(number % 10 = 0, arrayMap(k -> if(k = 0, 'system', 'turn'), range(1 + number % 4)), []) AS prefix_chain_at,
    NULL AS max_tokens,
    NULL AS finish_reason,
    number % 6 != 0 AS interactive,
    false AS batch,
    map() AS metadata,
    now64(3) AS ingested_at,
    now64(6) AS accepted_at,
    1 AS sign
FROM numbers({first}, {count})
"""


def benchmarks(repeat: int):
    """Each size in a process of its own: chDB opens one data path per process."""
    from bench.harness import in_child

    sizes = SIZES + ((LARGE,) if os.environ.get("NETRA_BENCH_100M") == "1" else ())
    found = {size: in_child(["bench.summary", str(size), str(repeat)]) for size in sizes}
    yield from (result for results in found.values() for result in results)
    for smaller, larger in zip(sizes, sizes[1:], strict=False):
        for small, large in zip(found[smaller], found[larger], strict=False):
            print(
                f"growth {_label(smaller)} -> {_label(larger)}: {small.name.split(',')[0]}: "
                f"{large.median / small.median:.1f}x (bare scan {large.baseline_median / small.baseline_median:.1f}x)",
                file=sys.stderr,
            )


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size:,}"


def _peak_memory_mb(reset: bool = False) -> float:
    """The process's peak resident memory (VmHWM) so far; `reset` starts a new peak."""
    status = Path("/proc/self/status").read_text()
    peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024
    if reset:
        Path("/proc/self/clear_refs").write_text("5")
    return peak


def percentile_errors(client, org: str, start: dt.datetime, end: dt.datetime) -> dict[str, float]:
    """The largest relative error of the summary's (histogram) percentiles against exact
    ones (quantileExact over the calls), over the total and each model; and of the
    profile's output percentiles per workload."""
    from netra_analytics import warehouse
    from netra_analytics.profile import workload_profile

    parameters = {"org": org, "start": start, "end": end}
    where = f"org_id = {{org:String}} AND timestamp >= {{start:DateTime64(3)}} AND timestamp < {{end:DateTime64(3)}} AND {warehouse.LIVE}"
    exact_sql = f"""SELECT model AS key, grouping(key) AS is_total,
        quantileExact(0.5)(nullIf(latency_ms, 0)) AS p50_latency_ms, quantileExact(0.95)(nullIf(latency_ms, 0)) AS p95_latency_ms,
        quantileExact(0.99)(nullIf(latency_ms, 0)) AS p99_latency_ms, quantileExact(0.5)(ttft_ms) AS p50_ttft_ms,
        quantileExact(0.95)(ttft_ms) AS p95_ttft_ms
        FROM usage_events WHERE {where} GROUP BY GROUPING SETS ((key), ())"""
    exact = {
        ("" if r["is_total"] else r["key"]): r for r in client.query(exact_sql, parameters=parameters).named_results()
    }
    answer = warehouse.summary(client, org, start, end, "model")
    errors: dict[str, float] = {}
    for key, got in [("", answer["totals"]), *((g["key"], g) for g in answer["groups"])]:
        for field in ("p50_latency_ms", "p95_latency_ms", "p99_latency_ms", "p50_ttft_ms", "p95_ttft_ms"):
            truth = float(exact[key][field])
            errors[field] = max(errors.get(field, 0.0), abs(got[field] - truth) / truth)
    workloads = ", ".join(("feature", "provider", "model", "interactive", "batch"))
    output_sql = f"""SELECT {workloads}, quantileExact(0.5)(output_tokens) AS p50, quantileExact(0.95)(output_tokens) AS p95,
        quantileExact(0.99)(output_tokens) AS p99 FROM usage_events WHERE {where} AND status = 'success' GROUP BY {workloads}"""
    output = {
        (r["feature"], r["model"], bool(r["interactive"])): r
        for r in client.query(output_sql, parameters=parameters).named_results()
    }
    for workload in workload_profile(client, org, start, end)["workloads"]:
        truth = output[(workload["feature"], workload["model"], workload["interactive"])]
        for level in ("p50", "p95", "p99"):
            errors[f"output {level}"] = max(
                errors.get(f"output {level}", 0.0),
                abs(workload["output"][level] - float(truth[level])) / float(truth[level]),
            )
    return errors


def _one_size(size: int, repeat: int):
    from bench.harness import compare

    sys.path.insert(0, str(ROOT / "functions" / "analytics"))
    sys.path.insert(0, str(ROOT / "functions" / "agents"))
    from shared_lib.clients.clickhouse import clickhouse_client
    from shared_lib.config import load_settings

    from netra_agents.optimizer import optimize
    from netra_analytics import warehouse
    from netra_analytics.profile import workload_profile

    with tempfile.TemporaryDirectory() as data:
        client = clickhouse_client(load_settings({"CLICKHOUSE_DSN": f"chdb://{data}"}))
        warehouse.migrate(client)
        started = time.perf_counter()
        # In chunks of 10M: one INSERT ... SELECT of 100M holds too much in memory at once.
        for first in range(0, size, 10_000_000):
            client.command(
                _FILL.format(
                    org=ORG,
                    start=START.strftime("%Y-%m-%d %H:%M:%S"),
                    n=size,
                    first=first,
                    count=min(10_000_000, size - first),
                )
            )
        # Merged as a server's background merges would leave them (steady state; chDB merges
        # lazily): otherwise the first reads after a bulk fill measure the unmerged parts.
        for table in ("usage_events", "usage_hourly", "usage_prompt_firsts", "usage_prefix_slots"):
            client.command(f"OPTIMIZE TABLE {table} FINAL")
        filled = time.perf_counter() - started
        fill_peak = _peak_memory_mb(reset=True)
        label = _label(size)
        middle = START + (END - START) / 2

        def timed(query):
            def run() -> float:
                started = time.perf_counter()
                query()
                return time.perf_counter() - started

            return run

        scan = timed(
            lambda: client.query(
                "SELECT count(), sum(cost_usd) FROM usage_events WHERE org_id = {org:String} "
                "AND timestamp >= {start:DateTime64(3)} AND timestamp < {end:DateTime64(3)}",
                parameters={"org": ORG, "start": START, "end": END},
            )
        )

        def change():
            for start, end in ((middle, END), (START, middle)):
                for group_by in ("model", "feature"):
                    warehouse.summary(client, ORG, start, end, group_by)
                warehouse.timeseries(client, ORG, start, end, "day", None)

        yield compare(
            f"summary by model, {label} calls, s",
            timed(lambda: warehouse.summary(client, ORG, START, END, "model")),
            "bare scan (count, sum), s",
            scan,
            repeat,
        )
        yield compare(
            f"breakdown by feature, {label} calls, s",
            timed(lambda: warehouse.summary(client, ORG, START, END, "feature", {"model": ["gpt-4o"]})),
            "bare scan (count, sum), s",
            scan,
            repeat,
        )
        yield compare(f"period change, {label} calls, s", timed(change), "bare scan (count, sum), s", scan, repeat)
        yield compare(
            f"workload profile, {label} calls, s",
            timed(lambda: workload_profile(client, ORG, START, END)),
            "bare scan (count, sum), s",
            scan,
            repeat,
        )
        from netra_analytics import profile as profiles

        def simulation():
            chained = {}
            profiles._caching(client, {"org": ORG, "start": START, "end": END}, chained)

        yield compare(
            f"caching simulation ({size // 10:,} chained calls, every policy), {label} calls, s",
            timed(simulation),
            "bare scan (count, sum), s",
            scan,
            repeat,
        )
        yield compare(
            f"optimizer (profile + levers), {label} calls, s",
            timed(lambda: optimize(workload_profile(client, ORG, START, END))),
            "bare scan (count, sum), s",
            scan,
            repeat,
        )
        read_peak = _peak_memory_mb()
        errors = percentile_errors(client, ORG, START, END)
        print(
            f"summary {label}: filled in {filled:.1f} s; peak memory {fill_peak:.0f} MB filling, {read_peak:.0f} MB reading; "
            "percentile relative error, max: " + ", ".join(f"{k} {v:.3%}" for k, v in errors.items()),
            file=sys.stderr,
        )


if __name__ == "__main__":
    from bench.harness import report

    print(report(list(_one_size(int(sys.argv[1]), int(sys.argv[2])))))
