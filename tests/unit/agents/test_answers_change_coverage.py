"""A change knows which days of each period hold usage, hand-worked: a previous period
without usage is not a rise, a period thin in usage is also compared per day with usage, and
a today that is not over is never compared as a whole day (issue 23)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shared_lib.contracts import report_errors
from tests.unit.agents.report_fixtures import QUERIES

from netra_agents.answers.change import change
from netra_agents.answers.prose import template


def summary(calls: int, cost: str) -> dict:
    return {"groups": [{"key": "m", "calls": calls, "cost_usd": cost}], "totals": {"calls": calls, "cost_usd": cost}}


NONE = {"groups": [], "totals": {"calls": 0, "cost_usd": "0"}}


def days(first: dt.date, costs: list[str]) -> list[dict]:
    """Day points from `first` on, one a day; None skips a day (no usage, so no point)."""
    return [
        {"bucket": (first + dt.timedelta(days=i)).isoformat(), "cost_usd": c}
        for i, c in enumerate(costs)
        if c is not None
    ]


def at(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).replace(tzinfo=dt.timezone.utc)


def answer_of(current, previous, now_summary, before_summary, now_days, before_days, now) -> dict:
    answer = change(current, previous, {"model": now_summary}, {"model": before_summary}, now_days, before_days, now)
    report = {**answer, "kind": "change", "period": current}
    report["narrative"] = template(report)
    # The change schema, with the rest of a report around the answer: the new fields keep it.
    whole = {**report, "question": "a change", "query": QUERIES["change"].to_json(), "next_steps": []}
    assert report_errors(whole) == [], report_errors(whole)
    return report


def test_a_previous_period_without_usage_is_not_a_rise():
    # "Compare October with November" when the usage starts on Nov 7: 23 days at $27 and
    # Nov 30 at $37.51 are $658.51 over the 24 days Nov 7 - Nov 30.
    november = {"from": "2026-11-01", "to": "2026-12-01", "days": 30, "label": "November"}
    october = {"from": "2026-10-01", "to": "2026-11-01", "days": 31, "label": "October"}
    report = answer_of(
        november,
        october,
        summary(3000, "658.51"),
        NONE,
        days(dt.date(2026, 11, 7), ["27"] * 23 + ["37.51"]),
        [],
        at("2026-12-07T09:00:00"),
    )
    assert report["coverage"]["current"] == {
        "days": 30,
        "days_with_data": 24,
        "first_day": "2026-11-07",
        "last_day": "2026-11-30",
        "thin": False,  # 24 of 30 days (80%, not under it), and the fuller of the two
    }
    assert report["coverage"]["previous"]["days_with_data"] == 0 and report["delta_pct"] is None
    assert report["per_day_covered"] is None  # nothing to compare per day with usage
    assert report["warnings"] == [
        "There is no usage in Oct 1 – Oct 31, 2026, and the usage compared starts on Nov 7, 2026: the $658.51 is not "
        "a rise in spend, there is no earlier spend to compare it with."
    ]
    paragraphs = report["narrative"].split("\n\n")
    assert paragraphs[0] == report["warnings"][0]
    assert paragraphs[1] == (
        "In November (Nov 1 – Nov 30, 2026) spend was $658.51, with 3,000 calls, against no usage in Oct 1 – Oct 31, 2026."
    )
    assert "rose" not in report["narrative"] and "$0.00" not in report["narrative"]


def test_a_previous_period_with_usage_on_few_of_its_days_is_compared_per_whole_day_with_usage():
    # Last 7 days (Nov 30 - Dec 6) at $100 a day, 700 calls; the 7 days before hold usage from
    # Nov 27 on: $2, $14, $14 (50 calls). In total +$670 (+2233.33%). Usage started during
    # Nov 27, so per whole day with usage: $700 / 7 = $100 against $28 / 2 = $14, +614.29%.
    week = {"from": "2026-11-30", "to": "2026-12-07", "days": 7, "label": "the last 7 days"}
    before = {"from": "2026-11-23", "to": "2026-11-30", "days": 7}
    report = answer_of(
        week,
        before,
        summary(700, "700"),
        summary(50, "30"),
        days(dt.date(2026, 11, 30), ["100"] * 7),
        days(dt.date(2026, 11, 27), ["2", "14", "14"]),
        at("2026-12-08T12:00:00"),
    )
    assert (report["delta_usd"], report["delta_pct"]) == ("670", 2233.33)
    assert report["coverage"]["previous"] == {
        "days": 7,
        "days_with_data": 3,
        "first_day": "2026-11-27",
        "last_day": "2026-11-29",
        "thin": True,
    }
    assert report["coverage"]["current"]["thin"] is False
    assert report["per_day"] is None and report["partial_today"] is None  # same lengths, both over
    assert report["per_day_covered"] == {
        "current_days": 7,
        "previous_days": 2,
        "current_usd": "100",
        "previous_usd": "14",
        "pct": 614.29,
        "left_out": ["2026-11-27"],
    }
    assert report["warnings"] == [
        "The previous period (Nov 23 – Nov 29, 2026) holds usage on 3 of its 7 days (from Nov 27), so spend is also "
        "compared per whole day with usage (leaving out Nov 27: usage started or stopped during it): $100.00 a day "
        "against $14.00 (+614.3%)."
    ]
    assert report["narrative"].split("\n\n")[1] == (
        "Per whole day with usage, spend rose 614.3%: $100.00 a day over the 7 whole days with usage in the last 7 "
        "days (Nov 30 – Dec 6, 2026) against $14.00 over the 2 whole days with usage of Nov 23 – Nov 29, 2026. In "
        "total $700.00 against $30.00 ($670.00, 2233.3% more over periods with usage on different days), with 700 "
        "calls against 50."
    )


def test_a_previous_period_with_usage_on_one_day_only_has_no_whole_day_to_compare():
    # The user's case: the 7 days before hold usage on their last day only, the day it
    # started (the demo's first day holds one hour). Nothing is compared per day, not even
    # per calendar day ($14 / 7 would count six days without usage as days without spend).
    report = answer_of(
        {"from": "2026-11-30", "to": "2026-12-07", "days": 7, "label": "the last 7 days"},
        {"from": "2026-11-23", "to": "2026-11-30", "days": 7},
        summary(700, "700"),
        summary(20, "14"),
        days(dt.date(2026, 11, 30), ["100"] * 7),
        days(dt.date(2026, 11, 29), ["14"]),
        at("2026-12-08T12:00:00"),
    )
    assert report["coverage"]["previous"]["days_with_data"] == 1 and report["coverage"]["previous"]["thin"]
    assert report["per_day_covered"] is None
    assert report["warnings"] == [
        "The previous period (Nov 23 – Nov 29, 2026) holds usage on 1 of its 7 days (from Nov 29), where usage "
        "started or stopped part-way: no whole day with usage is left to compare per day, so the totals do not "
        "compare like for like."
    ]
    assert report["narrative"].split("\n\n")[1].startswith("Spend rose $686.00 (4900.0%): $700.00 in the last 7")


def test_a_current_period_whose_usage_stops_is_thin_too():
    # Usage stops after Dec 2: this week holds it on 3 of 7 days ($30 each, $90) against every
    # day of last week ($10 each, $70). Per day with usage: $30 against $10, +200%.
    report = answer_of(
        {"from": "2026-11-30", "to": "2026-12-07", "days": 7},
        {"from": "2026-11-23", "to": "2026-11-30", "days": 7},
        summary(90, "90"),
        summary(70, "70"),
        days(dt.date(2026, 11, 30), ["30"] * 3),
        days(dt.date(2026, 11, 23), ["10"] * 7),
        at("2026-12-08T12:00:00"),
    )
    assert report["coverage"]["current"]["thin"] and not report["coverage"]["previous"]["thin"]
    # Usage stopped during Dec 2: it is left out, Nov 30 and Dec 1 remain.
    assert report["per_day_covered"] == {
        "current_days": 2,
        "previous_days": 7,
        "current_usd": "30",
        "previous_usd": "10",
        "pct": 200.0,
        "left_out": ["2026-12-02"],
    }
    assert report["warnings"] == [
        "This period (Nov 30 – Dec 6, 2026) holds usage on 3 of its 7 days (to Dec 2), so spend is also compared per "
        "whole day with usage (leaving out Dec 2: usage started or stopped during it): $30.00 a day against $10.00 "
        "(+200.0%)."
    ]


def test_full_periods_and_alike_weekday_only_weeks_compare_as_totals_without_a_caveat():
    # Every day of both periods holds usage: the answer is what it always was.
    full = answer_of(
        {"from": "2026-11-18", "to": "2026-11-22", "days": 4},
        {"from": "2026-11-14", "to": "2026-11-18", "days": 4},
        summary(300, "195"),
        summary(200, "110"),
        days(dt.date(2026, 11, 18), ["20", "21", "60", "94"]),
        days(dt.date(2026, 11, 14), ["18", "20", "22", "50"]),
        at("2026-12-07T09:00:00"),
    )
    assert full["warnings"] == [] and full["per_day_covered"] is None and full["per_day"] is None
    assert full["narrative"].startswith("Spend rose $85.00 (77.3%): $195.00 in Nov 18 – Nov 21, 2026 against $110.00")
    # A team that works on weekdays: 5 of 7 days each week (71%, under 80%), but alike, so
    # neither period is thinner than the other.
    weekdays = [None, None, "10", "10", "10", "10", "10"]  # Sat Nov 28, Sun Nov 29, then Mon-Fri
    alike = answer_of(
        {"from": "2026-11-28", "to": "2026-12-05", "days": 7},
        {"from": "2026-11-21", "to": "2026-11-28", "days": 7},
        summary(50, "50"),
        summary(40, "40"),
        days(dt.date(2026, 11, 28), weekdays),
        days(dt.date(2026, 11, 21), [None, None, "8", "8", "8", "8", "8"]),
        at("2026-12-07T09:00:00"),
    )
    assert alike["coverage"]["current"]["days_with_data"] == 5 and not alike["coverage"]["current"]["thin"]
    assert alike["warnings"] == [] and alike["per_day_covered"] is None
    # Usage on 4 of 5 days is 80%: not under it, so not thin even against 5 of 5.
    edge = answer_of(
        {"from": "2026-11-25", "to": "2026-11-30", "days": 5},
        {"from": "2026-11-20", "to": "2026-11-25", "days": 5},
        summary(50, "50"),
        summary(40, "40"),
        days(dt.date(2026, 11, 25), ["10"] * 5),
        days(dt.date(2026, 11, 20), ["10", None, "10", "10", "10"]),
        at("2026-12-07T09:00:00"),
    )
    assert edge["coverage"]["previous"]["days_with_data"] == 4 and not edge["coverage"]["previous"]["thin"]
    assert edge["warnings"] == []


def test_today_at_two_in_the_morning_is_compared_per_hour_not_as_a_day():
    # "This week so far" on Monday Dec 7 at 02:00: $3 in 2 hours against last week's $700 over
    # 7 x 24 = 168 hours. Per hour $1.50 against $700 / 168 = $4.166667: -64%. As a whole day
    # ($3 against $100 a day) it read as -97%.
    report = answer_of(
        {"from": "2026-12-07", "to": "2026-12-08", "days": 1, "label": "this week so far"},
        {"from": "2026-11-30", "to": "2026-12-07", "days": 7, "label": "last week"},
        summary(5, "3"),
        summary(700, "700"),
        days(dt.date(2026, 12, 7), ["3"]),
        days(dt.date(2026, 11, 30), ["100"] * 7),
        at("2026-12-07T02:00:00"),
    )
    assert report["partial_today"] == {
        "date": "2026-12-07",
        "to": "2026-12-07T02:00+00:00",
        "hours": 2.0,
        "cost_usd": "3",
    }
    assert report["per_day"] is None
    assert report["per_hour"] == {
        "current_hours": 2.0,
        "previous_hours": 168,
        "current_usd": "1.5",
        "previous_usd": "4.166667",
        "pct": -64.0,
    }
    assert report["warnings"] == [
        "Today is not over (so far, to 02:00 UTC): spend is compared per hour covered, not as a whole day."
    ]
    assert report["narrative"].split("\n\n")[1] == (
        "Per hour, spend fell 64.0%: $1.50 an hour over the 2 hours so far today against $4.17 an hour over the 7 "
        "days of Nov 30 – Dec 6, 2026. In total $3.00 against $700.00 ($697.00, 99.6% less with today not over), "
        "with 5 calls against 700."
    )
    assert "Per day" not in report["narrative"]


def test_today_not_over_is_left_out_of_the_per_day_figures():
    # The last 7 days on Dec 7 at 09:00: Dec 1-6 at $110 and today's $30 so far ($690) against
    # seven days at $100 ($700). The total fell $10, yet per complete day spend rose: $660 / 6
    # = $110 against $100, +10%.
    report = answer_of(
        {"from": "2026-12-01", "to": "2026-12-08", "days": 7, "label": "the last 7 days"},
        {"from": "2026-11-24", "to": "2026-12-01", "days": 7},
        summary(690, "690"),
        summary(700, "700"),
        days(dt.date(2026, 12, 1), ["110"] * 6 + ["30"]),
        days(dt.date(2026, 11, 24), ["100"] * 7),
        at("2026-12-07T09:00:00"),
    )
    assert report["per_day"] == {
        "current_days": 6,
        "previous_days": 7,
        "current_usd": "110",
        "previous_usd": "100",
        "pct": 10.0,
    }
    assert report["warnings"] == ["Today (so far, to 09:00 UTC) is left out of the per-day figures."]
    assert report["narrative"].split("\n\n")[1] == (
        "Per day, spend rose 10.0%: $110.00 a day over the 6 complete days in the last 7 days (Dec 1 – Dec 7, 2026) "
        "against $100.00 over the 7 days of Nov 24 – Nov 30, 2026. In total $690.00 against $700.00 ($10.00, 1.4% less "
        "with today not over), with 690 calls against 700."
    )


def test_a_thin_previous_period_and_a_today_not_over():
    # The last 7 days on Dec 7 at 09:00 against 7 days holding usage from Nov 28 ($5.76, the
    # day it started, then $5 and $5). Per whole day with usage leaves out today and Nov 28:
    # Dec 1-6 at $120 = $720 over 6 days, $120, against $10 over 2 days, $5: +2300%.
    report = answer_of(
        {"from": "2026-12-01", "to": "2026-12-08", "days": 7, "label": "the last 7 days"},
        {"from": "2026-11-24", "to": "2026-12-01", "days": 7},
        summary(800, "807.44"),
        summary(12, "15.76"),
        days(dt.date(2026, 12, 1), ["120"] * 6 + ["87.44"]),
        days(dt.date(2026, 11, 28), ["5.76", "5", "5"]),
        at("2026-12-07T09:00:00"),
    )
    assert report["delta_usd"] == "791.68" and report["coverage"]["current"]["days_with_data"] == 7
    assert report["per_day_covered"] == {
        "current_days": 6,
        "previous_days": 2,
        "current_usd": "120",
        "previous_usd": "5",
        "pct": 2300.0,
        "left_out": ["2026-11-28"],
    }
    assert report["warnings"] == [
        "The previous period (Nov 24 – Nov 30, 2026) holds usage on 3 of its 7 days (from Nov 28), so spend is also "
        "compared per whole day with usage (leaving out Nov 28: usage started or stopped during it): $120.00 a day "
        "against $5.00 (+2300.0%).",
        "Today (so far, to 09:00 UTC) is left out of the per-day figures.",
    ]
    assert report["narrative"].split("\n\n")[1].startswith("Per whole day with usage, spend rose 2300.0%: $120.00")
    assert Decimal(report["per_day"]["current_usd"]) == Decimal("120")  # per complete day, today left out too
