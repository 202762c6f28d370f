"""Forecasts, hand-worked on a month with a weekly rhythm: $10 on weekdays, $3 on weekends."""

from __future__ import annotations

import datetime as dt

from netra_agents.answers.forecast import forecast

TODAY = dt.date(2026, 11, 25)  # a Wednesday


def history(start: dt.date, today_so_far: str = "4") -> list[dict]:
    days = []
    day = start
    while day < TODAY:
        days.append({"bucket": day.isoformat(), "cost_usd": "10" if day.weekday() < 5 else "3"})
        day += dt.timedelta(days=1)
    return days + [{"bucket": TODAY.isoformat(), "cost_usd": today_so_far}]


def test_month_end_follows_the_weekly_rhythm_and_the_backtest_is_exact_on_it():
    answer = forecast(history(dt.date(2026, 10, 14)), TODAY)
    # Nov 1-24 (17 weekdays, 7 weekend days) = 191; today partial 4 -> month to date 195.
    assert answer["month_to_date_usd"] == "195"
    # Forecast Wed 25 .. Mon 30: 10 + 10 + 10 + 3 + 3 + 10 = 46, plus 191 actual to yesterday.
    assert answer["projected_month_usd"] == "237"
    assert [d["cost_usd"] for d in answer["daily_forecast"]] == ["10", "10", "10", "3", "3", "10"]
    assert answer["backtest_error_pct"] == 0.0 and "Seasonal mean" in answer["method"]
    assert [d["date"] for d in answer["daily"]][::24] == ["2026-11-01", "2026-11-25"] and answer["daily"][-1][
        "cost_usd"
    ] == "4"
    assert "budget_usd" not in answer


def test_budget_run_out_dates():
    days = history(dt.date(2026, 10, 14))
    assert forecast(days, TODAY, "240")["run_out_date"] is None  # 237 lasts
    assert forecast(days, TODAY, "200")["run_out_date"] == "2026-11-25"  # 191 + today's forecast 10 > 200
    # Actuals alone pass 150 on Thursday Nov 19 (145 by the 18th, 155 by the 19th).
    assert forecast(days, TODAY, "150")["run_out_date"] == "2026-11-19"


def test_too_little_history_says_so_instead_of_guessing():
    answer = forecast(history(dt.date(2026, 11, 21)), TODAY)
    assert answer["projected_month_usd"] is None and answer["backtest_error_pct"] is None
    assert len(answer["warnings"]) == 2 and answer["month_to_date_usd"] == "30"  # 3 + 3 + 10 + 10 + today's 4


def test_a_horizon_still_to_come_is_projected_day_by_day_with_the_weekly_rhythm():
    # January 2027: 21 weekdays x $10 + 10 weekend days x $3 = 240. Q1 2027: January 240; February
    # 20 weekdays + 8 weekend days = 224; March 23 weekdays + 8 weekend days = 254; in all 718.
    january = forecast(history(dt.date(2026, 10, 14)), TODAY, None, {"from": "2027-01-01", "to": "2027-02-01"})
    assert (january["projected_horizon_usd"], january["horizon"]["days"]) == ("240", 31)
    quarter = forecast(
        history(dt.date(2026, 10, 14)), TODAY, "500", {"from": "2027-01-01", "to": "2027-04-01", "label": "Q1 2027"}
    )
    assert quarter["projected_horizon_usd"] == "718"
    assert [m["projected_usd"] for m in quarter["horizon_months"]] == ["240", "224", "254"]
    # $500 of the quarter: 464 by Feb 28 (240 + 224); Mar 1 is a Monday: 474, 484, 494, 504 on Thu Mar 4.
    assert quarter["run_out_date"] == "2027-03-04"
    assert any("run rate, not a prediction" in w for w in quarter["warnings"])
    # A horizon that starts today projects from tomorrow: the rest of November is Thu 26 .. Mon 30.
    rest = forecast(history(dt.date(2026, 10, 14)), TODAY, None, {"from": "2026-11-25", "to": "2026-12-01"})
    assert (rest["projected_horizon_usd"], rest["horizon"]["from"]) == ("36", "2026-11-26")
    # November's row is its days still to come, said as such: not November's total.
    assert rest["horizon_months"] == [
        {"month": "2026-11", "projected_usd": "36", "from": "2026-11-26", "to": "2026-12-01"}
    ]
    assert [(m["from"], m["to"]) for m in quarter["horizon_months"]][0] == ("2027-01-01", "2027-02-01")
