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
