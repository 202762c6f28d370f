"""The data agent reads only what the query's kind needs, for its period and filters."""

from __future__ import annotations

import datetime as dt

import pytest

from netra_agents.query import Period, Query, Scenario
from netra_agents.usage_data import gather
from tests.unit.agents.test_answers_latency_overview import g
from tests.unit.agents.test_levers import workload

TODAY = dt.date(2026, 11, 25)
WEEK = Period(dt.date(2026, 11, 19), dt.date(2026, 11, 26), "the last 7 days")


class Silent:
    def thinking(self, *_):
        pass

    def tool(self, *_):
        import contextlib

        return contextlib.nullcontext({})

    def completed(self, *_, **__):
        pass


def recording(calls: int = 10):
    reads = []

    def read(path, period, **params):
        reads.append((path, period["from"], period["to"], params))
        if path == "/api/usage/summary":
            return {"groups": [g("chat", calls, "1")] if calls else [], "totals": {"calls": calls, "cost_usd": "1" if calls else "0"},
                    "unpriced": {"calls": 0, "tokens": 0}}
        if path == "/api/usage/timeseries":
            return {"series": []}
        if path == "/api/usage/profile":
            return {"workloads": [workload(feature="chat"), workload(feature="tags")]}
        return {"calls": 5, "tokens": 900, "models": [{"model": "acme-llm-1", "features": ["lab"]}]}  # the whole org's
    return reads, read


def paths(reads):
    return [(path, params.get("group_by")) for path, *_, params in reads]


def test_a_breakdown_reads_its_dimensions_and_never_the_profile():
    reads, read = recording()
    gather(Query("breakdown", WEEK, dimensions=("feature", "model"), filters={"provider": ("openai",)}).to_json(), read, Silent(), TODAY)
    assert paths(reads) == [("/api/usage/summary", "model"), ("/api/usage/summary", "feature"), ("/api/usage/summary", "model")]
    assert reads[2][3] == {"group_by": "model", "provider": "openai", "feature": "chat"}  # chat's models, same filters
    assert all((f, t) == ("2026-11-19", "2026-11-26") for _, f, t, _ in reads)


def test_a_change_reads_both_periods_and_their_days():
    reads, read = recording()
    data = gather(Query("change", WEEK, comparison=WEEK.previous()).to_json(), read, Silent(), TODAY)
    previous = [r for r in reads if r[1] == "2026-11-12"]
    assert [(p, params.get("group_by"), params.get("interval")) for p, _, _, params in previous] == [
        ("/api/usage/summary", "model", None), ("/api/usage/summary", "feature", None), ("/api/usage/timeseries", None, "day")]
    assert data["previous"]["period"]["to"] == "2026-11-19" and "/api/usage/profile" not in [p for p, *_ in reads]


def test_pricing_kinds_read_the_profile_and_keep_the_filtered_workloads():
    reads, read = recording()
    data = gather(Query("what_if", WEEK, filters={"feature": ("chat",)}, scenario=Scenario("top_n", n=2)).to_json(), read,
                  Silent(), TODAY)
    assert [w["feature"] for w in data["profile"]["workloads"]] == ["chat"]
    assert reads[0][3] == {"group_by": "model", "feature": "chat"}
    # The org has unpriced calls elsewhere; chat has none, so its answer warns of none.
    assert (data["unpriced"]["calls"], data["unpriced"]["models"]) == (0, [])


def test_a_forecast_reads_the_daily_history_before_the_month():
    reads, read = recording()
    gather(Query("forecast", WEEK).to_json(), read, Silent(), TODAY)
    assert ("/api/usage/timeseries", "2026-09-06", "2026-11-26") in [(p, f, t) for p, f, t, _ in reads]  # Nov 1 - 56 days (Oct 1 - 25)


@pytest.mark.parametrize("kind", ["breakdown", "plan"])
def test_an_empty_period_looks_for_the_days_that_have_usage(kind):
    reads, read = recording(calls=0)
    data = gather(Query(kind, WEEK).to_json(), read, Silent(), TODAY)
    assert reads[-1][:3] == ("/api/usage/summary", "2025-10-21", "2026-11-26") and reads[-1][3]["group_by"] == "day"
    assert data["org"] == {"calls": 0, "first": None, "last": None} and data["profile"] == {"workloads": []}


def test_where_does_our_spend_go_reads_features_then_models_within_the_top_ones():
    reads, read = recording()
    data = gather(Query("breakdown", WEEK).to_json(), read, Silent(), TODAY)  # no dimension named
    assert paths(reads) == [("/api/usage/summary", "model"), ("/api/usage/summary", "feature"), ("/api/usage/summary", "model")]
    assert list(data["within"]) == ["chat"]
