"""The fresh question sets' period vocabulary, converted by bench.fresh_questions, on
hand-worked dates (today 2026-12-07, a Monday; ends exclusive)."""

import datetime as dt

import pytest

from bench.fresh_questions import period, stated

D = dt.date


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("default", None),
        ("today", (D(2026, 12, 7), D(2026, 12, 8))),
        ("yesterday", (D(2026, 12, 6), D(2026, 12, 7))),
        ("this_week", (D(2026, 12, 7), D(2026, 12, 8))),
        ("last_week", (D(2026, 11, 30), D(2026, 12, 7))),
        ("this_month", (D(2026, 12, 1), D(2026, 12, 8))),
        ("last_month", (D(2026, 11, 1), D(2026, 12, 1))),
        ("last_7_days", (D(2026, 12, 1), D(2026, 12, 8))),
        ("last_30_days", (D(2026, 11, 8), D(2026, 12, 8))),
        ("last_90_days", (D(2026, 9, 9), D(2026, 12, 8))),
        ("this_quarter", (D(2026, 10, 1), D(2026, 12, 8))),
        ("last_quarter", (D(2026, 7, 1), D(2026, 10, 1))),
        ("year_to_date", (D(2026, 1, 1), D(2026, 12, 8))),
        ("month:2026-02", (D(2026, 2, 1), D(2026, 3, 1))),
        ("range:2026-11-24..2026-12-07", (D(2026, 11, 24), D(2026, 12, 8))),
    ],
)
def test_periods_on_hand_worked_dates(text, want):
    assert period(text) == want


def test_last_quarter_crosses_a_year():
    assert period("last_quarter", D(2027, 2, 10)) == (D(2026, 10, 1), D(2027, 1, 1))


def test_only_what_the_writer_stated_is_scored():
    # A forecast's period is its horizon; the month end ("this_month") and no period are no horizon.
    assert stated({"kind": "forecast", "period": "month:2027-01"}) == {
        "horizon": (dt.date(2027, 1, 1), dt.date(2027, 2, 1))
    }
    assert stated({"kind": "forecast", "period": "this_month"}) == stated({"kind": "forecast"}) == {}
    assert stated({"kind": "plan", "target": {"level_usd": 3000, "per": "month"}}) == {
        "target": ("level", "3000", "month")
    }
    assert stated(
        {"kind": "breakdown", "metric": "latency_p95", "filters": {"feature": ["b", "a"]}, "period": "default"}
    ) == {"metric": "latency", "filters": {"feature": ("a", "b")}}
    assert stated({"kind": "what_if", "scenario": {"type": "switch_model"}, "filters": {"feature": ["x"]}}) == {
        "scenario": "move_model"
    }


def test_hours_are_scored_as_the_writer_states_them():
    from bench.fresh_questions import NOW, TODAY, observed, period, same

    from netra_agents.understanding import understand
    from netra_agents.understanding.names import OrgNames

    names = OrgNames(("chat",), ("gpt-4o",), ("openai",), ())
    last = understand("spend in the last 6 hours", today=TODAY, names=names)
    assert observed(last)["period"] == period("hours:6") == ("hours", 6)
    morning = understand("what did we spend this morning", today=TODAY, names=names)
    want = period("range:2026-12-07T06:00..2026-12-07T12:00")
    assert same("period", observed(morning)["period"], want) and want[1] == NOW
    assert not same("period", (dt.datetime(2026, 12, 7, 7), NOW), want)
