"""Small prose rules found by the user trial: the slowest of what was asked, the pace the data allows."""

from netra_agents.answers import prose

PERIOD = {"from": "2026-11-30", "to": "2026-12-07", "days": 7, "label": "last week"}


def latency_report(dimensions: list[str]) -> dict:
    row = {"calls": 10, "p50_ms": 800.0, "p95_ms": 2000.0, "p99_ms": 3000.0}
    return {
        "kind": "latency",
        "period": PERIOD,
        "query": {"dimensions": dimensions},
        "warnings": [],
        "overall": {**row, "p95_ttft_ms": None},
        "by_model": [{"key": "claude-sonnet-4-5", **row, "p95_ms": 5000.0}, {"key": "gpt-4o-mini", **row}],
        "by_feature": [{"key": "doc-qa", **row, "p95_ms": 4000.0}, {"key": "support-bot", **row}],
        "tail": {"features": []},
        "findings": [],
    }


def test_asked_by_feature_the_slowest_feature_is_named_not_a_model():
    said = " ".join(prose._latency(latency_report(["feature"])))
    assert "The slowest feature is “doc-qa” (p95 4.0 s)." in said and "slowest model" not in said
    assert "The slowest model is “claude-sonnet-4-5” (p95 5.0 s)." in " ".join(prose._latency(latency_report([])))


def test_the_pace_is_the_history_there_is():
    assert prose._pace({"history_days": 14}) == "14 days (all the history there is)"
    assert prose._pace({"history_days": 60}) == "four weeks"
