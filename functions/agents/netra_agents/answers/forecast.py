"""Forecast: the month to date and the projected month end from the daily series.

Method (seasonal mean): the level is the mean daily spend of the last 28 complete days
(whatever is there, at least 7); with at least 14 days, each weekday gets a factor — its
mean over those days divided by the level. A future day is the level times its weekday's
factor. The month end is the actual spend up to yesterday plus the forecast from today (a
day is not over until it ends). The backtest replays the method at every 7th day of the
org's own history that has 14 days before and 7 after, and averages the error of the
7-day total, in percent. With a budget, the run-out date is the first day the month's
spend (actual, then forecast) passes it; None when it lasts the month.

A horizon (days still to come: "next month", "Q1 next year", "the next 30 days") is projected
day by day with the same model, so its total is the level times each weekday's factor over
its days; a budget the question states is then the horizon's, and runs out on the first of
its days the cumulative forecast passes it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from decimal import ROUND_HALF_EVEN, Decimal

from netra_agents.answers.money import ZERO, exact

WINDOW = 28
MIN_LEVEL_DAYS = 7
MIN_SEASONAL_DAYS = 14
HORIZON = 7
METHOD = (
    "Seasonal mean: the mean daily spend of the last 28 complete days (or what history there is, at least 7), "
    "times a weekday factor (each weekday's mean over the same days divided by the overall mean, with 14+ days). "
    "The month end is the actual spend to yesterday plus that forecast for every day from today."
)
CENT = Decimal("0.000001")


def model(history: dict[dt.date, Decimal], before: dt.date):
    """A day -> forecast function from the complete days before `before` (None: too little history)."""
    days = [before - dt.timedelta(days=i) for i in range(WINDOW, 0, -1)]
    known = [d for d in days if d in history]
    if not known or (before - known[0]).days < MIN_LEVEL_DAYS:
        return None
    span = [d for d in days if d >= known[0]]  # from the first day with data: later missing days are $0 days
    values = {d: history.get(d, ZERO) for d in span}
    level = sum(values.values(), ZERO) / len(values)
    factors = {}
    if len(values) >= MIN_SEASONAL_DAYS and level:
        for weekday in range(7):
            same = [v for d, v in values.items() if d.weekday() == weekday]
            factors[weekday] = (sum(same, ZERO) / len(same)) / level if same else Decimal(1)
    return lambda day: level * factors.get(day.weekday(), Decimal(1))


def backtest(history: dict[dt.date, Decimal], today: dt.date) -> float | None:
    if not history:
        return None
    first = min(history)
    errors = []
    cutoff = today - dt.timedelta(days=HORIZON)
    while (cutoff - first).days >= MIN_SEASONAL_DAYS:
        predict = model(history, cutoff)
        horizon = [cutoff + dt.timedelta(days=i) for i in range(HORIZON)]
        actual = sum((history.get(d, ZERO) for d in horizon), ZERO)
        if predict is not None and actual:
            errors.append(abs(sum((predict(d) for d in horizon), ZERO) - actual) / actual)
        cutoff -= dt.timedelta(days=HORIZON)
    return round(float(statistics.mean(errors) * 100), 1) if errors else None


def forecast(daily: list[dict], today: dt.date, budget_usd: str | None = None, horizon: dict | None = None) -> dict:
    """`daily`: analytics' day points ({bucket, cost_usd}) up to today included; `horizon`:
    a period ({from, to, label}, `to` exclusive) of days still to come, or None."""
    history = {dt.date.fromisoformat(p["bucket"][:10]): Decimal(p["cost_usd"]) for p in daily}
    month_start = today.replace(day=1)
    month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    to_date = sum((v for d, v in history.items() if month_start <= d <= today), ZERO)
    before_today = sum((v for d, v in history.items() if month_start <= d < today), ZERO)
    predict = model({d: v for d, v in history.items() if d < today}, today)
    remaining = [today + dt.timedelta(days=i) for i in range((month_end - today).days + 1)]
    warnings = []
    if predict is None:
        warnings.append(f"Fewer than {MIN_LEVEL_DAYS} days of history before today: no projection yet.")
        projected, daily_forecast = None, []
    else:
        daily_forecast = [(d, predict(d)) for d in remaining]
        projected = before_today + sum((v for _, v in daily_forecast), ZERO)
    answer = {
        "today": today.isoformat(),
        "month": f"{today:%Y-%m}",
        "month_to_date_usd": exact(to_date),
        "projected_month_usd": _money(projected) if projected is not None else None,
        "method": METHOD,
        "backtest_error_pct": backtest({d: v for d, v in history.items() if d < today}, today),
        "history_days": len([d for d in history if d < today]),
        "daily": [
            {"date": d.isoformat(), "cost_usd": exact(v)}
            for d, v in sorted(history.items())
            if month_start <= d <= today
        ],
        "daily_forecast": [{"date": d.isoformat(), "cost_usd": _money(v)} for d, v in daily_forecast],
        "warnings": warnings,
    }
    if answer["backtest_error_pct"] is None:
        warnings.append(
            "Too little history to check the forecast: a backtest needs 14 days of usage before the 7 it predicts "
            f"(there are {answer['history_days']})."
        )
    if horizon is not None:
        answer.update(_ahead(predict, horizon, today, budget_usd, warnings))
        return answer
    if budget_usd is not None:
        answer["budget_usd"] = budget_usd
        answer["run_out_date"] = _run_out(Decimal(budget_usd), history, month_start, today, daily_forecast)
    return answer


def _ahead(predict, horizon: dict, today: dt.date, budget_usd: str | None, warnings: list[str]) -> dict:
    """The horizon's projection: its total, each calendar month's part, and the budget's run-out day."""
    start = max(dt.date.fromisoformat(horizon["from"]), today + dt.timedelta(days=1))
    end = dt.date.fromisoformat(horizon["to"])
    days = [start + dt.timedelta(days=i) for i in range(max(0, (end - start).days))]
    shown = {"from": start.isoformat(), "to": end.isoformat(), "days": len(days), "label": horizon.get("label", "")}
    answer = {"horizon": shown, "projected_horizon_usd": None, "horizon_months": []}
    if budget_usd is not None:
        answer.update(budget_usd=budget_usd, run_out_date=None)
    if predict is None or not days:
        return answer
    values = [(d, predict(d)) for d in days]
    months: dict[str, list] = {}  # month -> [first day, last day, projected]
    for d, v in values:
        month = months.setdefault(f"{d:%Y-%m}", [d, d, ZERO])
        month[1], month[2] = d, month[2] + v
    answer["projected_horizon_usd"] = _money(sum((v for _, v in values), ZERO))
    # Each month's part of the horizon, with the days it covers: the current month's is only its
    # days still to come, never to be read as the month's total.
    answer["horizon_months"] = [
        {
            "month": m,
            "projected_usd": _money(v),
            "from": first.isoformat(),
            "to": (last + dt.timedelta(days=1)).isoformat(),
        }
        for m, (first, last, v) in months.items()
    ]
    if budget_usd is not None:
        spent = ZERO
        for d, v in values:
            spent += v
            if spent > Decimal(budget_usd):
                answer["run_out_date"] = d.isoformat()
                break
    if (start - today).days > 31 or len(days) > 31:
        warnings.append(
            f"{horizon.get('label') or 'The horizon'} is projected at the daily level of the last {WINDOW} days with "
            "its weekly rhythm: growth, launches and seasons beyond the week are not modelled, so treat it as a run "
            "rate, not a prediction."
        )
    return answer


def _run_out(budget: Decimal, history, month_start, today, daily_forecast) -> str | None:
    spent = ZERO
    for offset in range((today - month_start).days):
        day = month_start + dt.timedelta(days=offset)
        spent += history.get(day, ZERO)
        if spent > budget:
            return day.isoformat()
    for day, value in daily_forecast:
        spent += max(value, history.get(day, ZERO)) if day == today else value
        if spent > budget:
            return day.isoformat()
    return None


def _money(value: Decimal) -> str:
    return exact(value.quantize(CENT, rounding=ROUND_HALF_EVEN))
