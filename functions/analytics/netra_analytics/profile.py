"""The workload profile: what the optimizer needs to know about an org's traffic, aggregated
in ClickHouse so that its size does not depend on the number of calls.

One entry per workload — calls sharing feature, provider, model, `interactive` and
`batch` — with token totals split by kind (so any lever can re-price them), the output
length distribution, billed failures, repeated prompts and the long output tail; and the
shared prompt prefixes of each workload.

Runaway evidence for the output tail (calls beyond `TAIL_FACTOR` x the median output):
how many successful calls ended `length` and how many reached their max_tokens (over the
workload and within the tail), and the two outputs either side of the cap — the longest at
or below it (`body_max_tokens`) and the shortest above it (`tail_min_tokens`) — so the
optimizer can tell a tail separated from the body from a smooth one. Descriptive statistics only: the levers and
their thresholds live with the optimizer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from netra_analytics.warehouse import money

WORKLOAD = ("feature", "provider", "model", "interactive", "batch")
# The output tail is measured beyond this multiple of a workload's median output.
TAIL_FACTOR = 4
MAX_PREFIXES = 500
# Cache lifetimes (seconds since last use) a prefix's writes are counted for: the providers'
# default 5 minutes and Anthropic's 1-hour cache.
CACHE_TTLS = (300, 3600, 86400)
_KEY = ", ".join(WORKLOAD)
_AT_MAX = "max_tokens IS NOT NULL AND output_tokens >= max_tokens"
_WHERE = "org_id = {org:String} AND timestamp >= {start:DateTime64(3)} AND timestamp < {end:DateTime64(3)}"
_TOKENS = ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens")


def workload_profile(client, org_id: str, start: dt.datetime, end: dt.datetime) -> dict:
    parameters = {"org": org_id, "start": start, "end": end}
    workloads = {}
    for row in client.query(_TOTALS, parameters=parameters).named_results():
        workloads[_key(row)] = _workload(row)

    def known(rows):
        # The queries are not one snapshot: calls stored meanwhile may add a workload the
        # totals have not seen; the totals decide which workloads there are.
        return ((workloads[_key(row)], row) for row in rows if _key(row) in workloads)

    for workload, row in known(client.query(_REPEATS, parameters=parameters).named_results()):
        workload["repeats"] = {"calls": int(row["repeat_calls"]),
                               "cost_usd": money(_decimal(row["prompts_cost"]) - _decimal(row["firsts_cost"])),
                               "tokens": _tokens(row, "repeat_")}
    for workload, row in known(client.query(_TAIL, parameters={**parameters, "factor": TAIL_FACTOR}).named_results()):
        calls = int(row["tail_calls"])
        workload["output_tail"] = {"cap_tokens": int(row["cap"]), "calls": calls, "excess_tokens": int(row["excess"] or 0),
                                   "truncated_calls": int(row["tail_truncated"]),
                                   "body_max_tokens": int(row["body_max"]) if int(row["body_calls"]) else None,
                                   "tail_min_tokens": int(row["tail_min"]) if calls else None}
    for workload, row in known(client.query(_PREFIXES, parameters={**parameters, "limit": MAX_PREFIXES}).named_results()):
        workload["prefixes"].append({
            "prefix_hash": row["prefix_hash"], "calls": int(row["calls"]),
            # The shared prefix is at most the shortest prompt that carries it; callers that
            # know its length say so in metadata.prefix_tokens (median of what they said).
            "prefix_tokens_max": int(row["min_input"]), "prefix_tokens_reported": int(row["hinted"] or 0) or None,
            "mean_input_tokens": round(float(row["mean_input"]), 1), "input_tokens": int(row["input_"]),
            "cached_input_tokens": int(row["cached_"]),
            # Cache writes were the prefix cached for ttl seconds since last use, by ttl.
            "cache_writes": {str(ttl): int(row[f"writes_{ttl}"]) for ttl in CACHE_TTLS},
            "median_gap_seconds": None if row["gap_p50_ms"] is None else float(row["gap_p50_ms"]) / 1000,
        })
    return {"from": start.isoformat(), "to": end.isoformat(), "tail_factor": TAIL_FACTOR,
            "workloads": sorted(workloads.values(), key=lambda w: (-float(w["cost_usd"]), w["feature"], w["model"]))}


def _key(row) -> tuple:
    return tuple(bool(row[k]) if k in ("interactive", "batch") else row[k] for k in WORKLOAD)


def _tokens(row, prefix: str) -> dict:
    return {kind: int(row[f"{prefix}{kind}"] or 0) for kind in _TOKENS}


def _decimal(value) -> Decimal:
    # Subtracted here: chDB's lite build cannot subtract Decimals of different widths.
    return Decimal(0) if value is None else Decimal(value)


def _stat(value):
    return None if value is None else float(value)


def _workload(row) -> dict:
    return {
        **{k: (bool(row[k]) if k in ("interactive", "batch") else row[k]) for k in WORKLOAD},
        "calls": int(row["calls_"]), "success_calls": int(row["success_calls"]),
        "cost_usd": money(row["cost_"]), "unpriced_calls": int(row["unpriced_calls"]),
        # How many calls said what they asked (prompt_hash) and what prefix they share.
        "calls_with_prompt_hash": int(row["hashed_prompts"]), "calls_with_prefix_hash": int(row["hashed_prefixes"]),
        "tokens": _tokens(row, "all_"),
        "reasoning_tokens": int(row["reasoning_"]),
        "output": {"mean": _stat(row["out_mean"]), "stddev": _stat(row["out_stddev"]), "p50": _stat(row["out_p50"]),
                   "p95": _stat(row["out_p95"]), "p99": _stat(row["out_p99"]), "max_tokens_p50": _stat(row["max_tokens_p50"]),
                   # Successful calls that stopped at their limit: said so (finish_reason `length`), or
                   # produced as many tokens as max_tokens allowed.
                   "length_calls": int(row["length_calls"]), "at_max_tokens_calls": int(row["at_max_calls"])},
        "failures": {"calls": int(row["failed_calls"]), "billed_calls": int(row["billed_failures"]),
                     "cost_usd": money(row["failed_cost"]), "tokens": _tokens(row, "failed_")},
        "latency": {"p50_ms": _stat(row["p50_latency"]), "p95_ms": _stat(row["p95_latency"]),
                    "p50_ttft_ms": _stat(row["p50_ttft"]), "p95_ttft_ms": _stat(row["p95_ttft"])},
        "repeats": {"calls": 0, "cost_usd": "0", "tokens": dict.fromkeys(_TOKENS, 0)},
        "output_tail": {"cap_tokens": 0, "calls": 0, "excess_tokens": 0, "truncated_calls": 0,
                        "body_max_tokens": None, "tail_min_tokens": None},
        "prefixes": [],
    }


# Aliases end in "_" (or differ from every column) so that none shadows a column another
# aggregate reads.
_TOTALS = f"""
SELECT {_KEY},
       count() AS calls_, countIf(status = 'success') AS success_calls, sum(cost_usd) AS cost_,
       countIf(cost_status = 'unpriced') AS unpriced_calls,
       countIf(prompt_hash != '') AS hashed_prompts, countIf(prefix_hash != '') AS hashed_prefixes,
       {", ".join(f"sum({t}) AS all_{t}" for t in _TOKENS)}, sum(reasoning_tokens) AS reasoning_,
       avgIf(output_tokens, status = 'success') AS out_mean, stddevPopIf(output_tokens, status = 'success') AS out_stddev,
       quantileExactIf(0.5)(output_tokens, status = 'success') AS out_p50,
       quantileExactIf(0.95)(output_tokens, status = 'success') AS out_p95,
       quantileExactIf(0.99)(output_tokens, status = 'success') AS out_p99,
       quantileExact(0.5)(max_tokens) AS max_tokens_p50,
       countIf(status = 'success' AND finish_reason = 'length') AS length_calls,
       countIf(status = 'success' AND {_AT_MAX}) AS at_max_calls,
       countIf(status != 'success') AS failed_calls,
       countIf(status != 'success' AND input_tokens + output_tokens > 0) AS billed_failures,
       sumIf(cost_usd, status != 'success') AS failed_cost,
       {", ".join(f"sumIf({t}, status != 'success') AS failed_{t}" for t in _TOKENS)},
       quantileExact(0.5)(nullIf(latency_ms, 0)) AS p50_latency, quantileExact(0.95)(nullIf(latency_ms, 0)) AS p95_latency,
       quantileExact(0.5)(ttft_ms) AS p50_ttft, quantileExact(0.95)(ttft_ms) AS p95_ttft
FROM usage_events FINAL WHERE {_WHERE}
GROUP BY {_KEY}
"""

# Successful calls whose prompt (same prompt_hash) had already been answered in the period:
# every call of a prompt after its first (earliest; the event id breaks ties). The first
# call's cost and tokens come out of one argMin of a tuple: five argMins cost 3x as much.
_REPEATS = f"""
SELECT {_KEY}, sum(n - 1) AS repeat_calls, sum(cost) AS prompts_cost, sum(first.1) AS firsts_cost,
       {", ".join(f"sum(s_{t} - first.{i + 2}) AS repeat_{t}" for i, t in enumerate(_TOKENS))}
FROM (
    SELECT {_KEY}, prompt_hash, count() AS n, sum(cost_usd) AS cost,
           {", ".join(f"sum({t}) AS s_{t}" for t in _TOKENS)},
           argMin(({", ".join(["cost_usd", *_TOKENS])}), (timestamp, event_id)) AS first
    FROM usage_events FINAL WHERE {_WHERE} AND status = 'success' AND prompt_hash != ''
    GROUP BY {_KEY}, prompt_hash HAVING n > 1
)
GROUP BY {_KEY}
"""

_TAIL = f"""
SELECT {_KEY}, any(c.cap) AS cap, countIf(output_tokens > c.cap) AS tail_calls,
       sumIf(output_tokens - c.cap, output_tokens > c.cap) AS excess,
       countIf(output_tokens > c.cap AND (finish_reason = 'length' OR {_AT_MAX})) AS tail_truncated,
       countIf(output_tokens <= c.cap) AS body_calls, maxIf(output_tokens, output_tokens <= c.cap) AS body_max,
       minIf(output_tokens, output_tokens > c.cap) AS tail_min
FROM (SELECT {_KEY}, output_tokens, max_tokens, finish_reason FROM usage_events FINAL
      WHERE {_WHERE} AND status = 'success') AS e
INNER JOIN (
    SELECT {_KEY}, toUInt64({{factor:UInt32}} * quantileExact(0.5)(output_tokens)) AS cap
    FROM usage_events FINAL WHERE {_WHERE} AND status = 'success' GROUP BY {_KEY}
) AS c USING ({_KEY})
GROUP BY {_KEY}
"""

# Per prefix, each call's gap since the previous call of that prefix in its workload (a
# window function over the calls in time order; the first call's gap is from 1970, so it
# writes): a provider cache whose entry lives `ttl` since last use is written once after
# every gap longer than `ttl` and read otherwise.
_PREFIXES = f"""
SELECT {_KEY}, prefix_hash, count() AS calls, min(input_tokens) AS min_input, avg(input_tokens) AS mean_input,
       quantileExactIf(0.5)(toUInt32OrZero(metadata['prefix_tokens']), mapContains(metadata, 'prefix_tokens')) AS hinted,
       sum(input_tokens) AS input_, sum(cached_input_tokens) AS cached_,
       {", ".join(f"countIf(gap_ms > {ttl * 1000}) AS writes_{ttl}" for ttl in CACHE_TTLS)},
       quantileExactIf(0.5)(gap_ms, gap_ms < toUnixTimestamp64Milli(timestamp)) AS gap_p50_ms
FROM (
    SELECT {_KEY}, prefix_hash, input_tokens, cached_input_tokens, metadata, timestamp,
           toUnixTimestamp64Milli(timestamp)
               - toUnixTimestamp64Milli(lagInFrame(timestamp, 1, toDateTime64(0, 3, 'UTC')) OVER calls) AS gap_ms
    FROM usage_events FINAL WHERE {_WHERE} AND status = 'success' AND prefix_hash != ''
    WINDOW calls AS (PARTITION BY {_KEY}, prefix_hash ORDER BY timestamp, event_id
                     ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
)
GROUP BY {_KEY}, prefix_hash HAVING calls > 1
ORDER BY input_ DESC, prefix_hash LIMIT {{limit:UInt32}}
"""
