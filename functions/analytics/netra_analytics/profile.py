"""The workload profile: what the optimizer needs to know about an org's traffic, aggregated
in ClickHouse so that its size does not depend on the number of calls.

One entry per workload — calls sharing feature, provider, model, `interactive` and
`batch` — with token totals split by kind (so any lever can re-price them), the output
length distribution, billed failures, repeated prompts (successful calls whose prompt had
been answered before, in the period or earlier: what a standing response cache would have
served) and the long output tail; and the shared prompt prefixes of each workload. Read
from the rollups of ADR 0008 (never FINAL over the calls).

Runaway evidence for the output tail (calls beyond `TAIL_FACTOR` x the median output):
how many successful calls ended `length` and how many reached their max_tokens (over the
workload and within the tail), and the two outputs either side of the cap — the longest at
or below it (`body_max_tokens`) and the shortest above it (`tail_min_tokens`) — so the
optimizer can tell a tail separated from the body from a smooth one. Descriptive statistics only: the levers and
their thresholds live with the optimizer.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import NamedTuple

from shared_lib.prompt_caching import Simulation

from netra_analytics.warehouse import LIVE, money, percentile, rollup_select, rollup_source

WORKLOAD = ("feature", "provider", "model", "interactive", "batch")
# The output tail is measured beyond this multiple of a workload's median output.
TAIL_FACTOR = 4
MAX_PREFIXES = 500
# Cache lifetimes (seconds since last use) a prefix's writes are counted for: the providers'
# default 5 minutes and Anthropic's 1-hour cache.
CACHE_TTLS = (300, 3600, 86400)
_KEY = ", ".join(WORKLOAD)
_AT_MAX = "max_tokens IS NOT NULL AND output_tokens >= max_tokens"
_WHERE = (
    f"org_id = {{org:String}} AND timestamp >= {{start:DateTime64(3)}} AND timestamp < {{end:DateTime64(3)}} AND {LIVE}"
)
_TOKENS = ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens")
# What a prompt's first call cost and used: usage_prompt_firsts' state, the alias the first
# calls' sum is read as, and the period's total over hashed successful calls (_TOTALS).
_FIRST_VALUES = (
    ("first_cost", "cost_", "hs_cost"),
    *(
        (state, f"{kind}_", f"hs_{kind}_")
        for state, kind in zip(
            ("first_input", "first_cached_input", "first_cache_write", "first_output"), _TOKENS, strict=True
        )
    ),
)


def workload_profile(client, org_id: str, start: dt.datetime, end: dt.datetime) -> dict:
    """Totals, distributions and latency from the hourly rollup (percentiles within 1%,
    warehouse.percentile), repeats from it and each prompt's first call, the output tail
    from the histogram and the calls near its cap; prefixes from the 5-minute slots."""
    parameters = {"org": org_id, "start": start, "end": end}
    cancelled = _cancellations(client, parameters)
    workloads, totals = {}, {}
    for row in client.query(
        _TOTALS.format(source=rollup_source(start, end, parameters)), parameters=parameters
    ).named_results():
        workloads[_key(row)], totals[_key(row)] = _workload(row), row

    _exact_small_workloads(client, parameters, workloads, totals)

    def known(rows):
        # The queries are not one snapshot: calls stored meanwhile may add a workload the
        # totals have not seen; the totals decide which workloads there are.
        return ((workloads[_key(row)], row) for row in rows if _key(row) in workloads)

    firsts = _first_calls(client, parameters, cancelled, totals)
    for key, workload in workloads.items():
        row, first = totals[key], firsts.get(key, {"calls": 0, "cost": Decimal(0), **dict.fromkeys(_TOKENS, 0)})
        workload["repeats"] = {
            "calls": int(row["hs_calls"]) - first["calls"],
            "cost_usd": money(_decimal(row["hs_cost"]) - first["cost"]),
            "tokens": {t: int(row[f"hs_{t}_"]) - first[t] for t in _TOKENS},
        }
    _output_tails(client, parameters, workloads, totals, cancelled)
    for workload, prefix in _prefixes(client, parameters, workloads, cancelled):
        workload["prefixes"].append(prefix)
    _caching(client, parameters, workloads)
    [(first, last, found)] = client.query(_SPAN, parameters=parameters).result_rows
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        # The span the usage covers (first and last call): what a run rate is taken over.
        "first_call": _utc(first).isoformat() if found else None,
        "last_call": _utc(last).isoformat() if found else None,
        "tail_factor": TAIL_FACTOR,
        "workloads": sorted(workloads.values(), key=lambda w: (-float(w["cost_usd"]), w["feature"], w["model"])),
    }


class Cancellations(NamedTuple):
    """The org's cancelled versions (-1 rows, ADR 0008; usually none): how many, the hashes
    of their event ids, and the prefixes they touch."""

    count: int
    events: list[int]
    prefixes: list[str]


def _cancellations(client, parameters: dict) -> Cancellations:
    [(count, events, prefixes)] = client.query(_CANCELLED, parameters=parameters).result_rows
    return Cancellations(int(count), sorted(events), sorted(prefixes))


def _first_calls(client, parameters: dict, cancelled: Cancellations, totals: dict) -> dict[tuple, dict]:
    """Per workload, the prompts (workload and prompt hash) whose first successful call ever
    falls in the period, and what those first calls cost: the calls that were not repeats.
    A first call whose event has a cancelled version (a re-send) is recomputed from the calls."""
    found: dict[tuple, dict] = {}
    bounds = {"start_key": _key_at(parameters["start"]), "end_key": _key_at(parameters["end"])}

    def add(key, row, calls: int):
        into = found.setdefault(key, {"calls": 0, "cost": Decimal(0), **dict.fromkeys(_TOKENS, 0)})
        into["calls"] += calls
        into["cost"] += _decimal(row["cost_"])
        for kind in _TOKENS:
            into[kind] += int(row[f"{kind}_"])

    # Without cancellations no first call is stale: neither its event nor its prompt is read.
    stale_first, stale_prompts = (
        ("has({cancelled:Array(UInt64)}, finalizeAggregation(first_event))", "groupArrayIf(prompt_hash, stale)")
        if cancelled.events
        else ("false", "emptyArrayString()")
    )
    # The first calls in the period are among its hashed successful calls: a measure those
    # total 0 (cache writes, say) is 0 in each (none is negative), and its state is not read.
    values = ", ".join(
        f"sumIf(finalizeAggregation({state}), in_range) AS {alias}"
        if any(row[total] for row in totals.values())
        else f"0 AS {alias}"
        for state, alias, total in _FIRST_VALUES
    )
    stale = set()
    for row in client.query(
        _FIRSTS.replace("{stale_first}", stale_first)
        .replace("{stale_prompts}", stale_prompts)
        .replace("{first_values}", values),
        parameters={**parameters, **bounds, "cancelled": cancelled.events},
    ).named_results():
        add(_key(row), row, int(row["calls_"]))
        stale.update((_key(row), prompt) for prompt in row["stale_"])
    if stale:
        for row in client.query(
            _LIVE_FIRSTS, parameters={**parameters, "hashes": sorted({h for _, h in stale})}
        ).named_results():
            if (_key(row), row["prompt_hash"]) in stale and bounds["start_key"] <= row["at_"] < bounds["end_key"]:
                add(_key(row), row, 1)
    return found


def _key_at(moment: dt.datetime) -> int:
    """The first-call key of the first instant at or after `moment` (as _FIRST_KEY)."""
    milliseconds = -(-int(round(moment.timestamp() * 1_000_000)) // 1000)
    return milliseconds * 2097152


def _prefixes(client, parameters: dict, workloads: dict, cancelled: Cancellations) -> list[tuple[dict, dict]]:
    """The MAX_PREFIXES prefixes with the most input, each with its workload: from the
    5-minute rollup (gaps inside a slot taken as evenly spaced), or from the calls for a
    prefix that has a cancelled call (rollup minima cannot be undone)."""
    stale = cancelled.prefixes
    found = list(
        client.query(
            _PREFIXES.format(source=_prefix_slots(parameters)),
            parameters={**parameters, "stale": stale, "limit": MAX_PREFIXES},
        ).named_results()
    )
    if stale:
        found.extend(
            client.query(
                _LIVE_PREFIXES, parameters={**parameters, "stale": stale, "limit": MAX_PREFIXES}
            ).named_results()
        )
    # How many shared prefixes each workload has in all, and their input: what the org-wide limit
    # leaves out is said, not dropped silently (a workload may have none of its prefixes listed).
    for row in client.query(
        _PREFIX_COUNTS.format(source=_prefix_slots(parameters)), parameters={**parameters, "stale": stale}
    ).named_results():
        if _key(row) in workloads:
            workloads[_key(row)]["prefixes_total"] = {"count": int(row["count_"]), "input_tokens": int(row["input_"])}
    for row in found:
        if "hint_n_" not in row and _key(row) in workloads:  # a prefix read from the calls (it had a cancelled call)
            total = workloads[_key(row)]["prefixes_total"]
            total["count"], total["input_tokens"] = total["count"] + 1, total["input_tokens"] + int(row["input_"])
    found.sort(key=lambda row: (-int(row["input_"]), row["prefix_hash"]))
    return [(workloads[_key(row)], _prefix(row)) for row in found[:MAX_PREFIXES] if _key(row) in workloads]


def _caching(client, parameters: dict, workloads: dict) -> None:
    """Each workload's successful calls that carry a prefix chain, in time order (ties by event
    id), through every caching policy its provider offers (ADR 0017): `caching` is how many
    calls had a chain and what each policy read and wrote. Exact over every such call: no cap."""
    current, simulation = None, None

    def close() -> None:
        if simulation is not None and current in workloads:
            workloads[current]["caching"] = {
                "calls_with_chain": simulation.seen,
                "policies": [tally.as_dict() for tally in simulation.tallies],
            }

    # Streamed in blocks: a million chained calls are never all in memory at once.
    with client.query_row_block_stream(_CHAINED, parameters=parameters) as blocks:
        for block in blocks:
            for row in block:
                key = (row[0], row[1], row[2], bool(row[3]), bool(row[4]))
                if key != current:
                    close()
                    current, simulation = key, Simulation(row[1], row[2])
                simulation.add_call(row[5], row[6], row[7], row[8], row[9] - 1 if row[9] else None)
    close()


def _prefix(row) -> dict:
    hinted = percentile(row["hint_n_"], row["hint_s_"], 0.5) if "hint_n_" in row else row["hinted"]
    gap_ms = row["gap_p50_ms"]
    return {
        "prefix_hash": row["prefix_hash"],
        "calls": int(row["calls_"]),
        # The shared prefix is at most the shortest prompt that carries it; callers that
        # know its length say so in metadata.prefix_tokens (median of what they said).
        "prefix_tokens_max": int(row["min_input_"]),
        "prefix_tokens_reported": int(hinted or 0) or None,
        "mean_input_tokens": round(int(row["input_"]) / int(row["calls_"]), 1),
        "input_tokens": int(row["input_"]),
        "cached_input_tokens": int(row["cached_"]),
        # Cache writes were the prefix cached for ttl seconds since last use, by ttl.
        "cache_writes": {str(ttl): int(row[f"writes_{ttl}"]) for ttl in CACHE_TTLS},
        "median_gap_seconds": None if gap_ms is None else float(gap_ms) / 1000,
    }


_SLOT = dt.timedelta(minutes=5)


def _prefix_slots(parameters: dict) -> str:
    """One row per prefix and 5 minutes covering [start, end): whole slots from the rollup
    (FINAL merges a slot's rows from parts not merged yet: cheap once they are), the partial
    slots at the edges from the calls (the rollup's own expressions)."""
    start, end = parameters["start"], parameters["end"]
    first = start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)
    first = first if first == start else first + _SLOT
    last = end.replace(minute=end.minute - end.minute % 5, second=0, microsecond=0)
    parameters.update(m_first=first, m_last=last)
    calls = (
        f"SELECT {rollup_select('usage_prefix_slots_mv')} FROM usage_events AS e WHERE org_id = {{org:String}} "
        f"AND {LIVE} AND e.status = 'success' AND e.prefix_hash != '' AND {{range}} "
        "GROUP BY org_id, feature, provider, model, interactive, batch, prefix_hash, slot"
    )
    if first >= last:
        return calls.replace("{range}", "timestamp >= {start:DateTime64(3)} AND timestamp < {end:DateTime64(3)}")
    whole = (
        "SELECT * FROM usage_prefix_slots FINAL WHERE org_id = {org:String} AND slot >= {m_first:DateTime} "
        "AND slot < {m_last:DateTime}"
    )
    edges = [
        edge
        for edge, wanted in (
            ("(timestamp >= {start:DateTime64(3)} AND timestamp < {m_first:DateTime64(3)})", start < first),
            ("(timestamp >= {m_last:DateTime64(3)} AND timestamp < {end:DateTime64(3)})", last < end),
        )
        if wanted
    ]
    return whole if not edges else f"{whole} UNION ALL {calls.replace('{range}', '(' + ' OR '.join(edges) + ')')}"


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


# Workloads of at most this many calls get exact percentiles (one pass over their calls):
# small groups, where a hand-worked figure is expected to the token.
EXACT_UP_TO = 20_000


def _exact_small_workloads(client, parameters: dict, workloads: dict, totals: dict) -> None:
    small = [key for key, row in totals.items() if int(row["calls_"]) <= EXACT_UP_TO]
    if not small:
        return
    rows = client.query(
        _EXACT, parameters={**parameters, "small": [_tail_key(workloads[k]) for k in small]}
    ).named_results()
    for row in rows:
        key = _key(row)
        if key not in workloads:
            continue
        workload = workloads[key]
        workload["output"].update(
            {level: _float(row[f"out_{level}"]) for level in ("p50", "p95", "p99")},
            max_tokens_p50=_float(row["max_p50"]),
        )
        workload["latency"] = {
            "p50_ms": _float(row["lat_p50"]),
            "p95_ms": _float(row["lat_p95"]),
            "p50_ttft_ms": _float(row["ttft_p50"]),
            "p95_ttft_ms": _float(row["ttft_p95"]),
        }


def _float(value) -> float | None:
    return None if value is None else float(value)


def _output_tails(client, parameters: dict, workloads: dict, totals: dict, cancellations: Cancellations) -> None:
    """The output beyond TAIL_FACTOR x the median, exact: whole histogram buckets clear of
    the cap are counted from the rollup; the calls in the few buckets around it (the cap's,
    its neighbours, and the nearest non-empty bucket either side, which hold the longest
    output at or below the cap and the shortest above it) are read one by one."""
    # Without cancellations in the org (the usual case) every +1 row is live: the rollup's
    # longest output is exact, and the pass over the calls need not read event ids.
    cancelled = cancellations.count
    windows = {}
    for key, workload in workloads.items():
        p50 = workload["output"]["p50"]
        if p50 is None:
            continue
        cap, counts, longest = int(TAIL_FACTOR * p50), totals[key]["out_n"], int(totals[key]["out_max"] or 0)
        if not cancelled and longest <= cap:  # no output beyond the cap: nothing to read
            workload["output_tail"] = {
                "cap_tokens": cap,
                "calls": 0,
                "excess_tokens": 0,
                "truncated_calls": 0,
                "body_max_tokens": longest,
                "tail_min_tokens": None,
            }
            continue
        at = bucket(cap)
        below = [b for b, n in counts.items() if n > 0 and b < at - 1]
        above = [b for b, n in counts.items() if n > 0 and b > at + 1]
        windows[key] = (cap, max(below, default=max(at - 1, 0)), min(above, default=at + 1))
    if not windows:
        return
    near = {
        _key(row): row
        for row in client.query(
            _TAIL if cancelled else _TAIL.replace(LIVE, "sign = 1"),
            parameters={
                **parameters,
                "tail_keys": [_tail_key(workloads[k]) for k in windows],
                "caps": [w[0] for w in windows.values()],
                "lows": [w[1] for w in windows.values()],
                "highs": [w[2] for w in windows.values()],
                # Values that can lie in those buckets, a bucket wider either side (cheap to test first).
                "least": math.floor(1.01 ** (min(w[1] for w in windows.values()) - 2))
                if min(w[1] for w in windows.values()) > 1
                else 0,
                "most": math.ceil(1.01 ** (max(w[2] for w in windows.values()) + 1)) + 1,
            },
        ).named_results()
    }
    for key, (cap, low, high) in windows.items():
        row, sums = totals[key], totals[key]["out_s"]
        counts, truncated = row["out_n"], row["trunc_n"]
        beyond = [b for b, n in counts.items() if b > high and n]
        calls = sum(counts[b] for b in beyond)
        excess = sum(sums[b] for b in beyond) - cap * calls
        cut = sum(truncated.get(b, 0) for b in beyond)
        body_calls = sum(n for b, n in counts.items() if b < low)
        body_max = tail_min = None
        if key in near:
            calls, excess, cut = (
                calls + int(near[key]["tail_calls"]),
                excess + int(near[key]["excess"] or 0),
                cut + int(near[key]["tail_truncated"]),
            )
            body_calls += int(near[key]["body_calls"])
            body_max = int(near[key]["body_max"]) if int(near[key]["body_calls"]) else None
            tail_min = int(near[key]["tail_min"]) if int(near[key]["tail_calls"]) else None
        workloads[key]["output_tail"] = {
            "cap_tokens": cap,
            "calls": calls,
            "excess_tokens": excess,
            "truncated_calls": cut,
            "body_max_tokens": body_max if body_calls else None,
            "tail_min_tokens": tail_min if calls else None,
        }


def bucket(value: int) -> int:
    """A value's log-histogram bucket, as the rollup computes it (migration 0008)."""
    return 0 if value == 0 else 1 + math.floor(math.log(max(value, 1)) / math.log(1.01))


def _key(row) -> tuple:
    return tuple(bool(row[k]) if k in ("interactive", "batch") else row[k] for k in WORKLOAD)


def _tail_key(workload: dict) -> str:
    # As _TAIL's SQL spells a workload: its fields joined by a unit separator.
    return "\x1f".join(str(workload[k]).lower() if k in ("interactive", "batch") else workload[k] for k in WORKLOAD)


def _tokens(row, prefix: str, suffix: str = "") -> dict:
    return {kind: int(row[f"{prefix}{kind}{suffix}"] or 0) for kind in _TOKENS}


def _decimal(value) -> Decimal:
    # Subtracted here: chDB's lite build cannot subtract Decimals of different widths.
    return Decimal(0) if value is None else Decimal(value)


def _output(row) -> dict:
    """Mean, population stddev and percentiles of the successful calls' output tokens."""
    n = int(row["success_calls_"])
    mean = int(row["out_sum"]) / n if n else None
    variance = max(float(row["out_squares"]) / n - mean * mean, 0.0) if n else None
    return {
        "mean": mean,
        "stddev": None if variance is None else variance**0.5,
        **{f"p{round(level * 100)}": percentile(row["out_n"], row["out_s"], level) for level in (0.5, 0.95, 0.99)},
        "max_tokens_p50": percentile(row["max_n"], row["max_s"], 0.5),
    }


def _workload(row) -> dict:
    return {
        **{k: (bool(row[k]) if k in ("interactive", "batch") else row[k]) for k in WORKLOAD},
        "calls": int(row["calls_"]),
        "success_calls": int(row["success_calls_"]),
        "cost_usd": money(row["cost_"]),
        "unpriced_calls": int(row["unpriced_calls_"]),
        # How many calls said what they asked (prompt_hash) and what prefix they share.
        "calls_with_prompt_hash": int(row["hashed_prompts_"]),
        "calls_with_prefix_hash": int(row["hashed_prefixes_"]),
        "tokens": _tokens(row, "all_"),
        "reasoning_tokens": int(row["reasoning_"]),
        "output": {
            **_output(row),
            # Successful calls that stopped at their limit: said so (finish_reason `length`), or
            # produced as many tokens as max_tokens allowed.
            "length_calls": int(row["length_calls_"]),
            "at_max_tokens_calls": int(row["at_max_calls_"]),
        },
        "failures": {
            "calls": int(row["failed_calls_"]),
            "billed_calls": int(row["billed_failures_"]),
            "cost_usd": money(row["failed_cost"]),
            "tokens": _tokens(row, "failed_", "_"),
        },
        "latency": {
            "p50_ms": percentile(row["lat_n"], row["lat_s"], 0.5),
            "p95_ms": percentile(row["lat_n"], row["lat_s"], 0.95),
            "p50_ttft_ms": percentile(row["ttft_n_"], row["ttft_s_"], 0.5),
            "p95_ttft_ms": percentile(row["ttft_n_"], row["ttft_s_"], 0.95),
        },
        "repeats": {"calls": 0, "cost_usd": "0", "tokens": dict.fromkeys(_TOKENS, 0)},
        "output_tail": {
            "cap_tokens": 0,
            "calls": 0,
            "excess_tokens": 0,
            "truncated_calls": 0,
            "body_max_tokens": None,
            "tail_min_tokens": None,
        },
        "prefixes": [],
        # Set by _caching where calls carry a prefix chain.
        "caching": None,
        # Every shared prefix of the workload ({count, input_tokens}); `prefixes` lists at most
        # MAX_PREFIXES of the org's, those with the most input.
        "prefixes_total": {"count": 0, "input_tokens": 0},
    }


# Aliases end in "_" (or differ from every column) so that none shadows a column another
# aggregate reads.
_TOTALS = f"""
SELECT {_KEY},
       sum(calls) AS calls_, sum(success_calls) AS success_calls_, sum(cost_usd) AS cost_,
       sum(unpriced_calls) AS unpriced_calls_, sum(hashed_prompts) AS hashed_prompts_, sum(hashed_prefixes) AS hashed_prefixes_,
       {", ".join(f"sum({t}) AS all_{t}" for t in _TOKENS)}, sum(reasoning_tokens) AS reasoning_,
       sum(success_output_tokens) AS out_sum, sum(success_output_squares) AS out_squares, max(success_output_max) AS out_max,
       sumMap(output_n) AS out_n, sumMap(output_s) AS out_s, sumMap(max_tokens_n) AS max_n, sumMap(max_tokens_s) AS max_s,
       sum(length_calls) AS length_calls_, sum(at_max_calls) AS at_max_calls_,
       sum(failed_calls) AS failed_calls_, sum(billed_failures) AS billed_failures_, sum(failed_cost_usd) AS failed_cost,
       {", ".join(f"sum(failed_{t}) AS failed_{t}_" for t in _TOKENS)},
       sumMap(latency_n) AS lat_n, sumMap(latency_s) AS lat_s, sumMap(ttft_n) AS ttft_n_, sumMap(ttft_s) AS ttft_s_,
       sum(hashed_success_calls) AS hs_calls, sum(hashed_success_cost_usd) AS hs_cost,
       {", ".join(f"sum(hashed_success_{t}) AS hs_{t}_" for t in _TOKENS)}, sumMap(truncated_n) AS trunc_n
FROM ({{source}})
GROUP BY {_KEY} HAVING calls_ != 0
"""

_CANCELLED = """
SELECT count(), groupUniqArray(cityHash64(event_id)), groupUniqArrayIf(prefix_hash, prefix_hash != '')
FROM usage_events WHERE org_id = {org:String} AND sign = -1
"""

# Each prompt's (workload and prompt hash) first successful call ever, if it falls in the
# period or its event was re-sent since (`stale`: {cancelled} are the hashes of event ids
# with a cancelled version). Keys as usage_prompt_firsts orders calls. FINAL, not GROUP BY:
# the same merge of a prompt's rows, but rows already merged (one per prompt once the parts
# are) are streamed in parallel rather than hashed again (~4x faster at 600k prompts); the
# range is tested in the aggregates, not in WHERE, which FINAL may apply before merging.
_FIRST_KEY = "toUnixTimestamp64Milli(timestamp) * 2097152 + toInt64(cityHash64(event_id) % 2097152)"
_FIRSTS = f"""
SELECT {_KEY}, countIf(in_range) AS calls_, {{first_values}}, {{stale_prompts}} AS stale_
FROM (SELECT *, {{stale_first}} AS stale,
             NOT stale AND first_key >= {{start_key:Int64}} AND first_key < {{end_key:Int64}} AS in_range
      FROM usage_prompt_firsts FINAL WHERE org_id = {{org:String}})
GROUP BY {_KEY}
"""

_LIVE_FIRSTS = f"""
SELECT {_KEY}, prompt_hash, min({_FIRST_KEY}) AS at_, argMin(coalesce(cost_usd, toDecimal64(0, 9)), {_FIRST_KEY}) AS cost_,
       {", ".join(f"argMin({t}, {_FIRST_KEY}) AS {t}_" for t in _TOKENS)}
FROM usage_events WHERE org_id = {{org:String}} AND {LIVE} AND status = 'success' AND prompt_hash IN {{hashes:Array(String)}}
GROUP BY {_KEY}, prompt_hash
"""

# Exact (nearest-rank) percentiles of the small workloads (spelt as _tail_key); NULL where a
# workload has no value (no successful call, no max_tokens, no latency or TTFT).
_SPELT = "concat(feature, '\\x1F', provider, '\\x1F', model, '\\x1F', toString(interactive), '\\x1F', toString(batch))"
_EXACT = f"""
SELECT {_KEY},
       quantileExactIf(0.5)(toNullable(output_tokens), status = 'success') AS out_p50,
       quantileExactIf(0.95)(toNullable(output_tokens), status = 'success') AS out_p95,
       quantileExactIf(0.99)(toNullable(output_tokens), status = 'success') AS out_p99,
       quantileExact(0.5)(max_tokens) AS max_p50,
       quantileExact(0.5)(nullIf(latency_ms, 0)) AS lat_p50, quantileExact(0.95)(nullIf(latency_ms, 0)) AS lat_p95,
       quantileExact(0.5)(ttft_ms) AS ttft_p50, quantileExact(0.95)(ttft_ms) AS ttft_p95
FROM usage_events WHERE {_WHERE} AND {_SPELT} IN {{small:Array(String)}}
GROUP BY {_KEY}
"""

# The successful calls whose output lies in the histogram buckets [low, high] around each
# workload's cap (workloads spelt as _tail_key, with their caps and bucket windows).
_BUCKET = "if(output_tokens = 0, 0, toUInt16(1 + floor(log(greatest(output_tokens, 1)) / log(1.01))))"
_TAIL = f"""
SELECT {_KEY}, countIf(output_tokens > cap_) AS tail_calls,
       sumIf(output_tokens - cap_, output_tokens > cap_) AS excess,
       countIf(output_tokens > cap_ AND (finish_reason = 'length' OR {_AT_MAX})) AS tail_truncated,
       countIf(output_tokens <= cap_) AS body_calls, maxIf(output_tokens, output_tokens <= cap_) AS body_max,
       minIf(output_tokens, output_tokens > cap_) AS tail_min
FROM (SELECT {_KEY}, output_tokens, max_tokens, finish_reason,
             indexOf({{tail_keys:Array(String)}}, concat(feature, '\\x1F', provider, '\\x1F', model, '\\x1F',
                                                       toString(interactive), '\\x1F', toString(batch))) AS at_,
             {{caps:Array(UInt64)}}[at_] AS cap_
      FROM usage_events
      WHERE {_WHERE} AND status = 'success'
            AND output_tokens >= {{least:UInt64}} AND output_tokens < {{most:UInt64}})
WHERE at_ > 0 AND {_BUCKET} BETWEEN {{lows:Array(UInt16)}}[at_] AND {{highs:Array(UInt16)}}[at_]
GROUP BY {_KEY}
"""

# Per prefix, from its 5-minute slots (one row each, `{source}` is _prefix_slots) in time
# order: slots do not overlap, so their first and their last calls sort alike. Gaps between
# slots are exact (a slot's first call minus the previous slot's last); a provider cache
# whose entry lives `ttl` since last use is written by the first call and after every gap
# longer than `ttl` (no gap inside a slot is longer than 5 minutes, the shortest lifetime
# counted). The median gap, nearest rank over the calls - 1 gaps: those between slots, and
# a slot of c calls as c - 1 gaps of its mean; ranks are running sums of the weights of the
# sorted gaps (arrayReduceInRanges: chDB's build has no arrayCumSum).
assert min(CACHE_TTLS) >= 300  # the slots of usage_prefix_slots
_PREFIXES = f"""
SELECT * EXCEPT (firsts_, lasts_, counts_, between_, gaps_, weights_, ranks_) FROM (
SELECT {_KEY}, prefix_hash, sum(calls) AS calls_, min(min_input) AS min_input_, sum(input_sum) AS input_,
       sum(cached_sum) AS cached_, sumMap(hint_n) AS hint_n_, sumMap(hint_s) AS hint_s_,
       arraySort(groupArray(first_ms)) AS firsts_, arraySort(groupArray(last_ms)) AS lasts_,
       arraySort((c, f) -> f, groupArray(calls), groupArray(first_ms)) AS counts_,
       arrayMap((f, l) -> f - l, arrayPopFront(firsts_), arrayPopBack(lasts_)) AS between_,
       {", ".join(f"1 + arrayCount(gap -> gap > {ttl * 1000}, between_) AS writes_{ttl}" for ttl in CACHE_TTLS)},
       arrayConcat(between_, arrayMap((l, f, c) -> intDiv(l - f, greatest(c - 1, 1)), lasts_, firsts_, counts_)) AS gaps_,
       arrayConcat(arrayMap(gap -> toInt64(1), between_), arrayMap(c -> c - 1, counts_)) AS weights_,
       arrayReduceInRanges('sum', arrayMap(i -> (1, i), arrayEnumerate(gaps_)), arraySort((w, g) -> g, weights_, gaps_))
           AS ranks_,
       arraySort(gaps_)[arrayFirstIndex(seen -> seen > intDiv(calls_ - 1, 2), ranks_)] AS gap_p50_ms
FROM ({{source}}) WHERE prefix_hash NOT IN {{{{stale:Array(String)}}}}
GROUP BY {_KEY}, prefix_hash HAVING calls_ > 1
ORDER BY input_ DESC, prefix_hash LIMIT {{{{limit:UInt32}}}})
"""

# Every shared prefix per workload (no limit): how many, and their input.
_PREFIX_COUNTS = f"""
SELECT {_KEY}, count() AS count_, sum(input_) AS input_ FROM (
    SELECT {_KEY}, prefix_hash, sum(calls) AS calls_, sum(input_sum) AS input_
    FROM ({{source}}) WHERE prefix_hash NOT IN {{{{stale:Array(String)}}}}
    GROUP BY {_KEY}, prefix_hash HAVING calls_ > 1)
GROUP BY {_KEY}
"""

# A prefix with a cancelled call, from its calls: each call's gap since the previous one of
# its prefix (times sorted, differenced), exact.
_LIVE_PREFIXES = f"""
SELECT {_KEY}, prefix_hash, count() AS calls_, min(input_tokens) AS min_input_,
       quantileExactIf(0.5)(toUInt32OrZero(metadata['prefix_tokens']), mapContains(metadata, 'prefix_tokens')) AS hinted,
       sum(input_tokens) AS input_, sum(cached_input_tokens) AS cached_,
       arraySort(groupArray(toUnixTimestamp64Milli(timestamp))) AS times_,
       arraySort(arrayMap((later, earlier) -> later - earlier, arrayPopFront(times_), arrayPopBack(times_))) AS gaps_,
       {", ".join(f"1 + arrayCount(gap -> gap > {ttl * 1000}, gaps_) AS writes_{ttl}" for ttl in CACHE_TTLS)},
       gaps_[intDiv(length(gaps_), 2) + 1] AS gap_p50_ms
FROM usage_events WHERE {_WHERE} AND status = 'success' AND prefix_hash IN {{stale:Array(String)}}
GROUP BY {_KEY}, prefix_hash HAVING calls_ > 1
ORDER BY input_ DESC, prefix_hash LIMIT {{limit:UInt32}}
"""

# The calls a caching simulation replays, per workload in time order.
_CHAINED = f"""
SELECT {_KEY}, toUnixTimestamp64Milli(timestamp) AS ms, input_tokens, prefix_chain_tokens,
       arrayMap(h -> cityHash64(h), prefix_chain_hashes), indexOf(prefix_chain_at, 'system')
FROM usage_events WHERE {_WHERE} AND status = 'success' AND notEmpty(prefix_chain_tokens)
ORDER BY {_KEY}, ms, event_id"""

_SPAN = f"SELECT min(timestamp), max(timestamp), count() > 0 FROM usage_events WHERE {_WHERE}"


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)
