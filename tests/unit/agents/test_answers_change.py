"""Changes, hand-worked: the delta, its exact split into volume, mix, size, new and gone,
and the days that spiked."""

from __future__ import annotations

from decimal import Decimal

from netra_agents.answers.change import change, decompose, spikes
from netra_agents.answers.prose import template


def g(key, calls, cost):
    return {"key": key, "calls": calls, "cost_usd": cost}


def summary(*groups):
    return {
        "groups": list(groups),
        "totals": {
            "calls": sum(x["calls"] for x in groups),
            "cost_usd": str(sum(Decimal(x["cost_usd"]) for x in groups)),
        },
    }


def test_volume_mix_and_size_by_hand():
    # Before: 100 calls on big ($1 each = $100), 100 on small ($0.10 each = $10); N0 = 200.
    # Now:    150 on big at $1.20 each ($180), 150 on small at $0.10 ($15); N1 = 300.
    parts = decompose([g("big", 150, "180"), g("small", 150, "15")], [g("big", 100, "100"), g("small", 100, "10")])
    # volume_big = (300 - 200) * 100 / 200 = 50; mix_big = 150 * 100/100 - 300 * 100/200 = 0; size = 80 - 50 - 0 = 30
    assert parts["big"] == {"volume": Decimal("50"), "mix": Decimal("0"), "size": Decimal("30")}
    # volume_small = 100 * 10 / 200 = 5; mix 0; size = 5 - 5 = 0
    assert parts["small"] == {"volume": Decimal("5"), "mix": Decimal("0"), "size": Decimal("0")}


def test_calls_moving_to_a_pricier_model_are_mix():
    # Same 200 calls, 50 of them moved from small ($0.10) to big ($1): +$45, all mix.
    parts = decompose([g("big", 150, "150"), g("small", 50, "5")], [g("big", 100, "100"), g("small", 100, "10")])
    assert parts["big"] == {"volume": 0, "mix": Decimal("50"), "size": 0}
    assert parts["small"] == {"volume": 0, "mix": Decimal("-5"), "size": 0}


def test_new_and_gone_and_exact_sums_with_thirds():
    # Thirds do not terminate: volume and mix are rounded, size takes the remainder, sums stay exact.
    current = [g("a", 7, "10.000000001"), g("b", 2, "3.3"), g("new", 1, "0.5")]
    previous = [g("a", 3, "10"), g("b", 3, "1"), g("old", 4, "2.25")]
    parts = decompose(current, previous)
    assert parts["new"] == {"new": Decimal("0.5")} and parts["old"] == {"gone": Decimal("-2.25")}
    assert parts["a"]["volume"] == Decimal("5.000000")  # (9 - 6) * 10 / 6
    assert parts["a"]["mix"] == Decimal("8.333333")  # 7 * 10/3 - 9 * 10/6 = 23.333... - 15
    for key, (c1, c0) in {"a": ("10.000000001", "10"), "b": ("3.3", "1")}.items():
        assert sum(parts[key].values()) == Decimal(c1) - Decimal(c0)
    total = sum(sum(p.values()) for p in parts.values())
    assert total == Decimal("13.800000001") - Decimal("13.25")


def test_the_answer_delta_drivers_and_spikes():
    now = {"model": summary(g("gpt-4o", 150, "180"), g("mini", 150, "15"))}
    before = {"model": summary(g("gpt-4o", 100, "100"), g("mini", 100, "10"))}
    days = [{"bucket": f"2026-11-{d:02d}", "cost_usd": c} for d, c in [(18, "20"), (19, "21"), (20, "60"), (21, "19")]]
    earlier = [
        {"bucket": f"2026-11-{d:02d}", "cost_usd": c} for d, c in [(14, "18"), (15, "20"), (16, "22"), (17, "20")]
    ]
    answer = change(
        {"from": "2026-11-18", "to": "2026-11-22"},
        {"from": "2026-11-14", "to": "2026-11-18"},
        now,
        before,
        days,
        earlier,
    )
    assert (answer["delta_usd"], answer["delta_pct"], answer["delta_calls"]) == ("85", 77.27, 100)
    assert answer["current"] == {"from": "2026-11-18", "to": "2026-11-22", "cost_usd": "195", "calls": 300}
    assert [(d["key"], d["effect"], d["delta_usd"]) for d in answer["drivers"]] == [
        ("gpt-4o", "volume", "50"),
        ("gpt-4o", "size", "30"),
        ("mini", "volume", "5"),
    ]
    assert sum(Decimal(d["delta_usd"]) for d in answer["drivers"]) == Decimal(answer["delta_usd"])
    assert answer["effects"]["model"] == {"volume": "55", "mix": "0", "size": "30", "new": "0", "gone": "0"}
    # Median of the eight days = 20; 60 >= 1.5 x 20 is the one spike.
    assert answer["spikes"] == [{"date": "2026-11-20", "cost_usd": "60", "typical_day_usd": "20", "times_typical": 3.0}]
    assert [d["cost_usd"] for d in answer["daily"]] == ["20", "21", "60", "19"]


def test_too_few_days_give_no_spikes_and_no_previous_gives_no_percent():
    assert spikes([{"bucket": "2026-11-01", "cost_usd": "9"}], []) == []
    answer = change(
        {"from": "2026-11-08", "to": "2026-11-15"},
        {"from": "2026-11-01", "to": "2026-11-08"},
        {"feature": summary(g("x", 2, "4"))},
        {"feature": {"groups": [], "totals": {"calls": 0, "cost_usd": "0"}}},
        [],
        [],
    )
    assert answer["delta_pct"] is None and answer["drivers"] == [
        {"dimension": "feature", "key": "x", "effect": "new", "delta_usd": "4"}
    ]


def test_periods_of_different_lengths_are_also_compared_per_day():
    # This week so far (Nov 23-27, 5 days) at $153.55 against all of last week (7 days) at
    # $198.84: the total fell $45.29, but per day spend rose: 153.55 / 5 = 30.71 against
    # 198.84 / 7 = 28.405714..., +8.11%.
    answer = change(
        {"from": "2026-11-23", "to": "2026-11-28"},
        {"from": "2026-11-16", "to": "2026-11-23"},
        {"model": summary(g("m", 500, "153.55"))},
        {"model": summary(g("m", 700, "198.84"))},
        [],
        [],
    )
    assert answer["delta_usd"] == "-45.29"
    assert answer["per_day"] == {
        "current_days": 5,
        "previous_days": 7,
        "current_usd": "30.71",
        "previous_usd": "28.405714",
        "pct": 8.11,
    }
    text = template({**answer, "kind": "change", "period": {"from": "2026-11-23", "to": "2026-11-28", "days": 5}})
    # Spend per day leads: the totals' difference is mostly the two missing days.
    assert text.split("\n\n")[0].endswith(
        "Per day, spend rose 8.1%: $30.71 a day over the 5 days in Nov 23 – Nov 27, 2026 against $28.41 over "
        "the 7 days of Nov 16 – Nov 22, 2026. In total $153.55 against $198.84 ($45.29, 22.8% less over the "
        "different number of days), with 500 calls against 700."
    ), text
    # Equal lengths compare as totals only.
    same = change(
        {"from": "2026-11-16", "to": "2026-11-23"},
        {"from": "2026-11-09", "to": "2026-11-16"},
        {"model": summary(g("m", 1, "1"))},
        {"model": summary(g("m", 1, "2"))},
        [],
        [],
    )
    assert same["per_day"] is None
