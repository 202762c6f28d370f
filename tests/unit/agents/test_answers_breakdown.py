"""Breakdowns, hand-worked: the top rows as analytics gave them, the rest as `other`,
shares of the total."""

from __future__ import annotations

from netra_agents.answers.breakdown import breakdown


def group(key, calls, cost, tokens=(100, 10), p95=None, error_rate=0.0):
    return {
        "key": key,
        "calls": calls,
        "cost_usd": cost,
        "input_tokens": tokens[0],
        "output_tokens": tokens[1],
        "p50_latency_ms": None,
        "p95_latency_ms": p95,
        "error_rate": error_rate,
    }


SUMMARY = {
    "groups": [
        group("chat", 100, "60", p95=900.0),
        group("search", 300, "25", p95=2000.0),
        group("tags", 50, "10.5"),
        group("misc", 50, "4.5", error_rate=0.1),
    ],
    "totals": {"calls": 500, "cost_usd": "100", "input_tokens": 400, "output_tokens": 40},
}


def test_spend_by_feature_top_two_and_other():
    answer = breakdown("spend", "feature", SUMMARY, top_n=2)
    assert [(r["key"], r["cost_usd"], r["calls"], r["share_pct"]) for r in answer["rows"]] == [
        ("chat", "60", 100, 60.0),
        ("search", "25", 300, 25.0),
        ("other", "15", 100, 15.0),
    ]  # 10.5 + 4.5
    assert (
        answer["rows"][-1]["groups"] == 2 and abs(answer["rows"][-1]["error_rate"] - 0.05) < 1e-12
    )  # (0 * 50 + 0.1 * 50) / 100
    assert (answer["total_cost_usd"], answer["total_calls"], answer["groups"]) == ("100", 500, 4)


def test_calls_rank_differently_from_spend_and_every_group_fits_without_other():
    answer = breakdown("calls", "feature", SUMMARY)
    assert [(r["key"], r["share_pct"]) for r in answer["rows"]] == [
        ("search", 60.0),
        ("chat", 20.0),
        ("misc", 10.0),
        ("tags", 10.0),
    ]


def test_latency_ranks_by_p95_and_shares_are_of_calls():
    answer = breakdown("latency", "feature", SUMMARY, top_n=1)
    assert [(r["key"], r["value"], r["share_pct"]) for r in answer["rows"]] == [
        ("search", 2000.0, 60.0),
        ("other", None, 40.0),
    ]


def test_a_second_dimension_splits_the_top_rows():
    within = {
        "chat": {
            "groups": [group("gpt-4o", 40, "50"), group("gpt-4o-mini", 60, "10")],
            "totals": {"calls": 100, "cost_usd": "60", "input_tokens": 200, "output_tokens": 20},
        }
    }
    answer = breakdown("spend", "feature", SUMMARY, top_n=2, within=within, within_dimension="model")
    chat = answer["rows"][0]["within"]
    assert chat["dimension"] == "model"
    assert [(r["key"], r["share_pct"]) for r in chat["rows"]] == [("gpt-4o", 83.3), ("gpt-4o-mini", 16.7)]
    assert "within" not in answer["rows"][1]


def test_a_real_group_named_other_keeps_its_split_off_the_rest_row():
    named = {**SUMMARY, "groups": [group("other", 500, "70"), *SUMMARY["groups"]]}
    within = {"other": {"groups": [group("gpt-4o", 500, "70")], "totals": SUMMARY["totals"]}}
    answer = breakdown("spend", "provider", named, top_n=1, within=within, within_dimension="model")
    real, rest = answer["rows"]
    assert (real["key"], "groups" in real, rest["key"], rest["groups"]) == ("other", False, "other", 4)
    assert real["within"]["rows"][0]["key"] == "gpt-4o" and "within" not in rest
