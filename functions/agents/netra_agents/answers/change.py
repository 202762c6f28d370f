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

Coverage (periods of whole days; a period of hours has none): `coverage` holds, for each
period, the days of it that have begun at `now`, how many hold usage (a day point of the daily
series), and the first and last of those. The rules that follow from it:

- A period with no calls, against one with some: the delta is not a change in spend but the
  start (or the end) of the usage; a caveat says so and names the first (or last) day.
- A period is thinly covered when it holds usage on fewer than 80% of its begun days AND on
  a smaller share of its days than the other period. The second condition keeps a team that
  works on weekdays only (5 of 7 days, each week alike) from a caveat on every comparison:
  its weeks are alike, so their totals compare. A thin period gets a caveat with its counts,
  and both periods are also compared per whole day with usage (`per_day_covered`: each
  period's spend over its days with usage), leaving out the days that hold part of a day:
  the first day with usage when usage starts after a period's first day (it started during
  that day: the demo's first day holds one hour), the last when it stops before the
  period's last day, and a today not over. A period left with no whole day with usage is
  not compared per day: the caveat says its totals do not compare.
- Today is partial when the current period holds it and `now` is before its end: the
  per-day figures (`per_day`, `per_day_covered`) leave today's spend and today out, so a
  Monday at 02:00 is not read as a day of 2 hours; a current period of today only (no
  complete day) is compared per hour covered instead (`per_hour`: its spend over the hours
  to `now`, against the previous period's over all its hours). `per_day` is then given even
  when the periods are of the same length.
"""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from netra_agents.answers.money import ZERO, change_pct, exact
from netra_agents.answers.prose import change_caveats

EFFECTS = ("volume", "mix", "size", "new", "gone")
MICRO = Decimal("0.000001")
SPIKE_FACTOR = Decimal("1.5")  # a day at 1.5x the typical (median) day of both periods
MIN_DAYS_FOR_SPIKES = 4
MAX_SPIKES = 5
COVERED_SHARE = Fraction(4, 5)  # under 80% of its days with usage, a period is thin (see above)


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


def coverage(period: dict, days: list[dict], now: dt.datetime) -> dict | None:
    """The period's days begun by `now`, how many hold usage, the first and last of them;
    None for a period of hours (its day points hold hours outside it)."""
    if "T" in period["from"]:
        return None
    start = dt.date.fromisoformat(period["from"][:10])
    end = min(dt.date.fromisoformat(period["to"][:10]), now.date() + dt.timedelta(days=1))
    used = sorted({p["bucket"][:10] for p in days if start.isoformat() <= p["bucket"][:10] < end.isoformat()})
    return {
        "days": max(0, (end - start).days),
        "days_with_data": len(used),
        "first_day": used[0] if used else None,
        "last_day": used[-1] if used else None,
        "thin": False,  # set against the other period (`coverages`)
    }


def partial_today(period: dict, days: list[dict], now: dt.datetime) -> dict | None:
    """Today, when the (day) period holds it and it is not over at `now`: the hours covered
    (to `now`) and its spend so far."""
    if "T" in period["from"]:
        return None
    today = now.date()
    if not dt.date.fromisoformat(period["from"][:10]) <= today < dt.date.fromisoformat(period["to"][:10]):
        return None
    midnight = dt.datetime.combine(today, dt.time(), dt.timezone.utc)
    spent = sum((Decimal(p["cost_usd"]) for p in days if p["bucket"][:10] == today.isoformat()), ZERO)
    return {
        "date": today.isoformat(),
        "to": now.isoformat(timespec="minutes"),
        "hours": round((now - midnight).total_seconds() / 3600, 2),
        "cost_usd": exact(spent),
    }


def coverages(
    current_period: dict,
    previous_period: dict,
    current_days: list[dict],
    previous_days: list[dict],
    now_total: dict,
    before_total: dict,
    now: dt.datetime,
) -> dict | None:
    """{"current", "previous"}: each period's coverage, marked thin against the other's; None
    for periods of hours, or calls without their day points (coverage unknown)."""
    now_cover, before_cover = coverage(current_period, current_days, now), coverage(previous_period, previous_days, now)
    for cover, total in ((now_cover, now_total), (before_cover, before_total)):
        if cover is None or (total["calls"] and not cover["days_with_data"]):
            return None
    now_cover["thin"], before_cover["thin"] = thin(now_cover, before_cover), thin(before_cover, now_cover)
    return {"current": now_cover, "previous": before_cover}


def thin(this: dict, other: dict) -> bool:
    """Under 80% of its days with usage, and a smaller share than the other period's."""
    if not this["days"] or not other["days"]:
        return False
    share = Fraction(this["days_with_data"], this["days"])
    return share < COVERED_SHARE and share < Fraction(other["days_with_data"], other["days"])


def _rate(now_usd: Decimal, now_units: int | float, before_usd: Decimal, before_units: int | float) -> dict:
    now_rate, before_rate = now_usd / Decimal(str(now_units)), before_usd / Decimal(str(before_units))
    return {
        "current_usd": exact(now_rate.quantize(MICRO, ROUND_HALF_EVEN)),
        "previous_usd": exact(before_rate.quantize(MICRO, ROUND_HALF_EVEN)),
        "pct": change_pct(now_rate, before_rate),
    }


def per_day(
    current_period: dict, previous_period: dict, now_usd: Decimal, before_usd: Decimal, today: dict | None = None
) -> dict | None:
    """Spend per day in each period (to the micro-dollar) and its change; None when the
    periods have the same number of days and today is not partial (the totals compare as
    they are), or when the current period has no complete day. A partial `today` is left
    out: its spend and the day itself."""
    days_now, days_before = _days(current_period), _days(previous_period)
    if today is not None:
        days_now = (dt.date.fromisoformat(today["date"]) - dt.date.fromisoformat(current_period["from"][:10])).days
        now_usd -= Decimal(today["cost_usd"])
    elif days_now == days_before:
        return None
    if days_now <= 0 or not days_before:
        return None
    return {"current_days": days_now, "previous_days": days_before, **_rate(now_usd, days_now, before_usd, days_before)}


def per_hour(previous_period: dict, now_usd: Decimal, before_usd: Decimal, today: dict | None) -> dict | None:
    """Spend per hour covered, when the current period is today so far (no complete day)."""
    hours_before = _days(previous_period) * 24
    if today is None or not today["hours"] or not hours_before:
        return None
    return {
        "current_hours": today["hours"],
        "previous_hours": hours_before,
        **_rate(now_usd, today["hours"], before_usd, hours_before),
    }


def whole_days_with_usage(
    period: dict, cover: dict, days: list[dict], total_usd: Decimal, today: dict | None = None
) -> tuple[int, Decimal, list[str]]:
    """(days, spend, edge days left out): a period's days with usage and their spend, less
    the days that most likely hold part of a day's usage: a today not over, the first day
    with usage when it comes after the period's first day (usage started during it), and
    the last when it comes before the period's last begun day (usage stopped during it)."""
    last_begun = dt.date.fromisoformat(period["from"][:10]) + dt.timedelta(days=cover["days"] - 1)
    edges = set()
    if cover["first_day"] and cover["first_day"] > period["from"][:10]:
        edges.add(cover["first_day"])
    if cover["last_day"] and cover["last_day"] < last_begun.isoformat():
        edges.add(cover["last_day"])
    partial = edges | ({today["date"]} if today and today["date"] == cover["last_day"] else set())
    spend = total_usd - sum((Decimal(p["cost_usd"]) for p in days if p["bucket"][:10] in partial), ZERO)
    return cover["days_with_data"] - len(partial), spend, sorted(edges)


def per_day_covered(now: tuple[int, Decimal, list[str]], before: tuple[int, Decimal, list[str]]) -> dict | None:
    """Spend per whole day with usage in each period (`whole_days_with_usage`); None when a
    period has no such day."""
    (days_now, now_usd, now_out), (days_before, before_usd, before_out) = now, before
    if days_now <= 0 or days_before <= 0:
        return None
    return {
        "current_days": days_now,
        "previous_days": days_before,
        **_rate(now_usd, days_now, before_usd, days_before),
        "left_out": sorted(now_out + before_out),
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
    now: dt.datetime | None = None,
) -> dict:
    """`current`/`previous`: dimension -> summary of that period grouped by it (same filters);
    `*_days`: each period's day points; `now`: when the data was read (default: the clock),
    which says what of the periods has begun and whether today is over."""
    now = now or dt.datetime.now(dt.timezone.utc)
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
    cover = coverages(current_period, previous_period, current_days, previous_days, now_total, before_total, now)
    today = partial_today(current_period, current_days, now)
    rate = per_day(current_period, previous_period, c1, c0, today)
    covered = None
    if (
        cover
        and now_total["calls"]
        and before_total["calls"]
        and (cover["current"]["thin"] or cover["previous"]["thin"])
    ):
        covered = per_day_covered(
            whole_days_with_usage(current_period, cover["current"], current_days, c1, today),
            whole_days_with_usage(previous_period, cover["previous"], previous_days, c0),
        )
    answer = {
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
        "coverage": cover,
        "per_day": rate,
        "per_day_covered": covered,
        "per_hour": per_hour(previous_period, c1, c0, today) if today and rate is None else None,
        "partial_today": today,
        "drivers": found,
        "effects": totals,  # dimension -> effect -> amount; each dimension's effects add up to delta_usd
        "spikes": spikes(current_days, previous_days),
        "daily": [{"date": d["bucket"][:10], "cost_usd": d["cost_usd"]} for d in current_days],  # for the chart
    }
    return {**answer, "warnings": change_caveats(answer)}
