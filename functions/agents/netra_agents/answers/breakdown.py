"""A breakdown: one metric by one dimension over the period — the top rows, then everything
else as `other`, each with its share of the total; optionally each top row split again by
a second dimension ("where does our spend go": by feature, then by model within each).

Rows are analytics' groups as they are (`/api/usage/summary` for the same period, dimension
and filters): the numbers are the warehouse's, only ranked and summed here.
"""

from __future__ import annotations

from decimal import Decimal

from netra_agents.answers.money import ZERO, exact, shown_share

DEFAULT_TOP = 5
SPLIT_TOP = 3  # top rows split by the second dimension
# What each metric ranks by; spend, calls and tokens add up, so their shares are of the total.
ADDITIVE = ("spend", "calls", "tokens")


def dimensions_of(query: dict) -> list[str]:
    """The dimensions asked for; unnamed, spend goes by feature then by model within the top
    features ("where does our spend go"), anything else by feature."""
    return list(
        query.get("dimensions")
        or (["feature", "model"] if (query.get("metric") or "spend") == "spend" else ["feature"])
    )


def metric_value(group: dict, metric: str):
    if metric == "spend":
        return Decimal(group["cost_usd"])
    if metric == "calls":
        return group["calls"]
    if metric == "tokens":
        return group["input_tokens"] + group["output_tokens"]
    if metric == "latency":
        return group.get("p95_latency_ms") or 0.0
    return group.get("error_rate") or 0.0


def row(group: dict, metric: str, whole) -> dict:
    value = metric_value(group, metric)
    return {
        "key": group["key"],
        "calls": group["calls"],
        "cost_usd": group["cost_usd"],
        "tokens": group["input_tokens"] + group["output_tokens"],
        "p50_latency_ms": group.get("p50_latency_ms"),
        "p95_latency_ms": group.get("p95_latency_ms"),
        "error_rate": group.get("error_rate"),
        "value": exact(value) if isinstance(value, Decimal) else value,
        # Latency and error rate do not add up: their rows show their share of the calls.
        "share_pct": shown_share(value if metric in ADDITIVE else group["calls"], whole),
    }


def breakdown(
    metric: str,
    dimension: str,
    summary: dict,
    top_n: int | None = None,
    within: dict[str, dict] | None = None,
    within_dimension: str | None = None,
) -> dict:
    groups = list(summary["groups"])
    totals = summary["totals"]
    ranked = sorted(groups, key=lambda g: (-metric_value(g, metric), str(g["key"])))
    limit = top_n or DEFAULT_TOP
    whole = metric_value({**totals, "key": None}, metric) if metric in ADDITIVE else totals["calls"]
    rows = [row(g, metric, whole) for g in ranked[:limit]]
    rest = ranked[limit:]
    if rest:
        other = {
            "key": "other",
            "calls": sum(g["calls"] for g in rest),
            "cost_usd": exact(sum((Decimal(g["cost_usd"]) for g in rest), ZERO)),
            "input_tokens": sum(g["input_tokens"] for g in rest),
            "output_tokens": sum(g["output_tokens"] for g in rest),
            "p50_latency_ms": None,
            "p95_latency_ms": None,
            "error_rate": (
                sum(g["error_rate"] * g["calls"] for g in rest) / sum(g["calls"] for g in rest)
                if sum(g["calls"] for g in rest)
                else 0.0
            ),
        }
        rows.append(
            {**row(other, metric, whole), "groups": len(rest)}
            if metric in ADDITIVE
            else {**row(other, "calls", totals["calls"]), "value": None, "groups": len(rest)}
        )
    if within and within_dimension:
        for entry in rows:
            # The rest row is keyed "other" too: a real group of that name's split is not the rest's.
            inner = None if "groups" in entry else within.get(entry["key"])
            if inner is not None:
                entry["within"] = {
                    "dimension": within_dimension,
                    "rows": breakdown(metric, within_dimension, inner, SPLIT_TOP)["rows"],
                }
    return {
        "metric": metric,
        "dimension": dimension,
        "rows": rows,
        "total_cost_usd": totals["cost_usd"],
        "total_calls": totals["calls"],
        "total_tokens": totals["input_tokens"] + totals["output_tokens"],
        "groups": len(groups),
    }
