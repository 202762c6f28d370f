"""A change: the period against the previous one, the delta, what drove it and the days
that spiked; when the two periods differ in length (this week so far against all of last
week), spend per day too, so that a shorter period is not read as a fall.

The decomposition, per dimension (feature, model), is exact: for the keys present in both
periods, with n calls, c cost and N the calls of all those keys,

    volume_k = (N1 - N0) * c0_k / N0        more (or fewer) calls at the old shares and costs
    mix_k    = n1_k * c0_k / n0_k - N1 * c0_k / N0
                                            calls moving between keys (to pricier models)
    size_k   = c1_k - n1_k * c0_k / n0_k    cost per call within the key (more tokens per call)

and volume_k + mix_k + size_k = c1_k - c0_k. A key only in the current period is `new`
(its whole cost), one only in the previous period `gone` (minus its cost). volume and mix
are rounded to the micro-dollar and size takes the remainder, so every key's parts, and
every dimension's drivers, add up to the delta exactly.
"""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from netra_agents.answers.money import ZERO, change_pct, exact

EFFECTS = ("volume", "mix", "size", "new", "gone")
MICRO = Decimal("0.000001")
SPIKE_FACTOR = Decimal("1.5")  # a day at 1.5x the typical (median) day of both periods
MIN_DAYS_FOR_SPIKES = 4
MAX_SPIKES = 5


def _micro(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(MICRO, rounding=ROUND_HALF_EVEN)


def decompose(current: list[dict], previous: list[dict]) -> dict[str, dict[str, Decimal]]:
    """key -> {effect: amount} for one dimension's groups (summary groups: key, calls, cost_usd)."""
    now = {g["key"]: (g["calls"], Decimal(g["cost_usd"])) for g in current}
    before = {g["key"]: (g["calls"], Decimal(g["cost_usd"])) for g in previous}
    both = [k for k in now if k in before and before[k][0]]
    n1_all, n0_all = sum(now[k][0] for k in both), sum(before[k][0] for k in both)
    parts: dict[str, dict[str, Decimal]] = {}
    for key in both:
        (n1, c1), (n0, c0) = now[key], before[key]
        volume = _micro(Fraction(n1_all - n0_all) * Fraction(c0) / n0_all)
        mix = _micro(Fraction(n1) * Fraction(c0) / n0 - Fraction(n1_all) * Fraction(c0) / n0_all)
        parts[key] = {"volume": volume, "mix": mix, "size": (c1 - c0) - volume - mix}
    for key, (_, c1) in now.items():
        if key not in parts:
            parts[key] = {"new": c1 - before.get(key, (0, ZERO))[1]}  # had calls before only without any: new
    for key, (_, c0) in before.items():
        if key not in now:
            parts[key] = {"gone": -c0}
    return parts


def drivers(dimension: str, parts: dict[str, dict[str, Decimal]]) -> list[dict]:
    out = [
        {"dimension": dimension, "key": key, "effect": effect, "delta_usd": exact(amount)}
        for key, effects in parts.items()
        for effect, amount in effects.items()
        if amount
    ]
    return sorted(out, key=lambda d: (-abs(Decimal(d["delta_usd"])), str(d["key"]), d["effect"]))


def spikes(days: list[dict], reference: list[dict]) -> list[dict]:
    """The current period's days costing at least 1.5x the median day of both periods."""
    costs = [Decimal(d["cost_usd"]) for d in days + reference]
    if len(costs) < MIN_DAYS_FOR_SPIKES:
        return []
    typical = statistics.median(costs)
    found = [
        {
            "date": d["bucket"][:10],
            "cost_usd": d["cost_usd"],
            "typical_day_usd": exact(typical),
            "times_typical": round(float(Decimal(d["cost_usd"]) / typical), 2) if typical else None,
        }
        for d in days
        if Decimal(d["cost_usd"]) >= typical * SPIKE_FACTOR and Decimal(d["cost_usd"]) > 0
    ]
    return sorted(found, key=lambda s: -Decimal(s["cost_usd"]))[:MAX_SPIKES]


def per_day(current_period: dict, previous_period: dict, now_usd: Decimal, before_usd: Decimal) -> dict | None:
    """Spend per day in each period (to the micro-dollar) and its change; None when the
    periods have the same number of days (the totals compare as they are)."""
    days_now, days_before = _days(current_period), _days(previous_period)
    if days_now == days_before or not days_now or not days_before:
        return None
    now_rate, before_rate = now_usd / days_now, before_usd / days_before
    return {
        "current_days": days_now,
        "previous_days": days_before,
        "current_usd": exact(now_rate.quantize(MICRO, ROUND_HALF_EVEN)),
        "previous_usd": exact(before_rate.quantize(MICRO, ROUND_HALF_EVEN)),
        "pct": change_pct(now_rate, before_rate),
    }


def _days(period: dict) -> int:
    return (dt.date.fromisoformat(period["to"][:10]) - dt.date.fromisoformat(period["from"][:10])).days


def change(
    current_period: dict,
    previous_period: dict,
    current: dict[str, dict],
    previous: dict[str, dict],
    current_days: list[dict],
    previous_days: list[dict],
) -> dict:
    """`current`/`previous`: dimension -> summary of that period grouped by it (same filters)."""
    any_dimension = next(iter(current))
    now_total, before_total = current[any_dimension]["totals"], previous[any_dimension]["totals"]
    c1, c0 = Decimal(now_total["cost_usd"]), Decimal(before_total["cost_usd"])
    found, totals = [], {}
    for dimension in current:
        parts = decompose(current[dimension]["groups"], previous[dimension]["groups"])
        found += drivers(dimension, parts)
        totals[dimension] = {
            effect: exact(sum((p.get(effect, ZERO) for p in parts.values()), ZERO)) for effect in EFFECTS
        }
    return {
        "current": {
            "from": current_period["from"],
            "to": current_period["to"],
            "cost_usd": now_total["cost_usd"],
            "calls": now_total["calls"],
        },
        "previous": {
            "from": previous_period["from"],
            "to": previous_period["to"],
            "cost_usd": before_total["cost_usd"],
            "calls": before_total["calls"],
        },
        "delta_usd": exact(c1 - c0),
        "delta_pct": change_pct(c1, c0),
        "delta_calls": now_total["calls"] - before_total["calls"],
        "per_day": per_day(current_period, previous_period, c1, c0),
        "drivers": found,
        "effects": totals,  # dimension -> effect -> amount; each dimension's effects add up to delta_usd
        "spikes": spikes(current_days, previous_days),
        "daily": [{"date": d["bucket"][:10], "cost_usd": d["cost_usd"]} for d in current_days],  # for the chart
    }
