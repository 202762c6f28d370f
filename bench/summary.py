"""Query latency over 1M and 10M stored calls (embedded chDB): the usage summary, the daily
time series (from the rollup), the optimizer's workload profile and the whole optimizer
(profile + levers), each against a bare scan of the same rows (count and cost, no FINAL,
no grouping) in the same run."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

SIZES = (1_000_000, 10_000_000)
ROOT = Path(__file__).resolve().parents[1]
START = dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc)
END = START + dt.timedelta(days=30)
ORG = "org-bench"

# Calls spread over 30 days, 12 workloads, repeated prompts and shared prefixes; costs
# as ingest would store them (a per-model price per token, exact decimals).
_FILL = """
INSERT INTO usage_events
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
    NULL AS max_tokens,
    NULL AS finish_reason,
    number % 6 != 0 AS interactive,
    false AS batch,
    map() AS metadata,
    now64(3) AS ingested_at,
    now64(6) AS accepted_at,
    1 AS sign
FROM numbers({n})
"""


def benchmarks(repeat: int):
    """Each size in a process of its own: chDB opens one data path per process."""
    from bench.harness import in_child

    for size in SIZES:
        yield from in_child(["bench.summary", str(size), str(repeat)])


def _one_size(size: int, repeat: int):
    from bench.harness import compare

    sys.path.insert(0, str(ROOT / "functions" / "analytics"))
    sys.path.insert(0, str(ROOT / "functions" / "agents"))
    from netra_agents.optimizer import optimize
    from netra_analytics import warehouse
    from netra_analytics.profile import workload_profile
    from shared_lib.clients.clickhouse import clickhouse_client
    from shared_lib.config import load_settings

    with tempfile.TemporaryDirectory() as data:
        client = clickhouse_client(load_settings({"CLICKHOUSE_DSN": f"chdb://{data}"}))
        warehouse.migrate(client)
        client.command(_FILL.format(org=ORG, start=START.strftime("%Y-%m-%d %H:%M:%S"), n=size))
        label = f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size:,}"

        def timed(query):
            def run() -> float:
                started = time.perf_counter()
                query()
                return time.perf_counter() - started
            return run

        scan = timed(lambda: client.query(
            "SELECT count(), sum(cost_usd) FROM usage_events WHERE org_id = {org:String} "
            "AND timestamp >= {start:DateTime64(3)} AND timestamp < {end:DateTime64(3)}",
            parameters={"org": ORG, "start": START, "end": END}))

        yield compare(f"summary by model, {label} calls, s", timed(lambda: warehouse.summary(client, ORG, START, END, "model")),
                      "bare scan (count, sum), s", scan, repeat)
        yield compare(f"daily series (rollup), {label} calls, s",
                      timed(lambda: warehouse.timeseries(client, ORG, START, END, "day", "model")),
                      "bare scan (count, sum), s", scan, repeat)
        yield compare(f"workload profile, {label} calls, s", timed(lambda: workload_profile(client, ORG, START, END)),
                      "bare scan (count, sum), s", scan, repeat)
        yield compare(f"optimizer (profile + levers), {label} calls, s",
                      timed(lambda: optimize(workload_profile(client, ORG, START, END))),
                      "bare scan (count, sum), s", scan, repeat)


if __name__ == "__main__":
    from bench.harness import report

    print(report(list(_one_size(int(sys.argv[1]), int(sys.argv[2])))))
