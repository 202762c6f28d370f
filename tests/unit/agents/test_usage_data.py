"""The data agent reads only what the query's kind needs, for its period and filters."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.unit.agents.test_answers_latency_overview import g
from tests.unit.agents.test_levers import workload

from netra_agents.query import Period, Query, Scenario
from netra_agents.usage_data import gather

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
            return {
                "groups": [g("chat", calls, "1")] if calls else [],
                "totals": {"calls": calls, "cost_usd": "1" if calls else "0"},
                "unpriced": {"calls": 0, "tokens": 0},
            }
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
    gather(
        Query("breakdown", WEEK, dimensions=("feature", "model"), filters={"provider": ("openai",)}).to_json(),
        read,
        Silent(),
        TODAY,
    )
    assert paths(reads) == [
        ("/api/usage/summary", "model"),
        ("/api/usage/summary", "feature"),
        ("/api/usage/summary", "model"),
    ]
    assert reads[2][3] == {"group_by": "model", "provider": "openai", "feature": "chat"}  # chat's models, same filters
    assert all((f, t) == ("2026-11-19", "2026-11-26") for _, f, t, _ in reads)


def test_a_change_reads_both_periods_and_their_days():
    reads, read = recording()
    data = gather(Query("change", WEEK, comparison=WEEK.previous()).to_json(), read, Silent(), TODAY)
    previous = [r for r in reads if r[1] == "2026-11-12"]
    assert [(p, params.get("group_by"), params.get("interval")) for p, _, _, params in previous] == [
        ("/api/usage/summary", "model", None),
        ("/api/usage/summary", "feature", None),
        ("/api/usage/timeseries", None, "day"),
    ]
    assert data["previous"]["period"]["to"] == "2026-11-19" and "/api/usage/profile" not in [p for p, *_ in reads]


def test_pricing_kinds_read_the_profile_and_keep_the_filtered_workloads():
    reads, read = recording()
    data = gather(
        Query("what_if", WEEK, filters={"feature": ("chat",)}, scenario=Scenario("top_n", n=2)).to_json(),
        read,
        Silent(),
        TODAY,
    )
    assert [w["feature"] for w in data["profile"]["workloads"]] == ["chat"]
    # Whether the org streams is counted before the filter (chat and tags both report ttft).
    assert (data["profile"]["filtered"], data["profile"]["streaming_workloads"]) == (True, 2)
    assert reads[0][3] == {"group_by": "model", "feature": "chat"}
    # The org has unpriced calls elsewhere; chat has none, so its answer warns of none.
    assert (data["unpriced"]["calls"], data["unpriced"]["models"]) == (0, [])


def test_a_forecast_reads_the_daily_history_before_the_month():
    reads, read = recording()
    gather(Query("forecast", WEEK).to_json(), read, Silent(), TODAY)
    assert ("/api/usage/timeseries", "2026-09-06", "2026-11-26") in [
        (p, f, t) for p, f, t, _ in reads
    ]  # Nov 1 - 56 days (Oct 1 - 25)


@pytest.mark.parametrize("kind", ["breakdown", "plan"])
def test_an_empty_period_looks_for_the_days_that_have_usage(kind):
    reads, read = recording(calls=0)
    data = gather(Query(kind, WEEK).to_json(), read, Silent(), TODAY)
    assert reads[-1][:3] == ("/api/usage/summary", "2025-10-21", "2026-11-26") and reads[-1][3]["group_by"] == "day"
    assert data["org"] == {"calls": 0, "first": None, "last": None} and data["profile"] == {"workloads": []}


def test_where_does_our_spend_go_reads_features_then_models_within_the_top_ones():
    reads, read = recording()
    data = gather(Query("breakdown", WEEK).to_json(), read, Silent(), TODAY)  # no dimension named
    assert paths(reads) == [
        ("/api/usage/summary", "model"),
        ("/api/usage/summary", "feature"),
        ("/api/usage/summary", "model"),
    ]
    assert list(data["within"]) == ["chat"]


def test_the_run_rate_divides_by_the_part_of_the_period_already_past():
    # "The last 7 days" asked on Nov 25 at 01:00 UTC: Nov 19 00:00 to Nov 26 00:00, of which 6 days
    # and 1 hour have happened. A batch job saving $0.36 in that time saves
    # 0.36 x 30.4375 / (145 / 24) = 262.98 / 145 = $1.813655 a month, not 0.36 x 30.4375 / 7 = $1.565357.
    job = workload(
        feature="enrich",
        model="gpt-4.1-mini",
        interactive=False,
        tokens={"input_tokens": 1_000_000, "output_tokens": 200_000},
    )

    def read(path, period, **params):
        if path == "/api/usage/profile":  # analytics echoes the period asked
            return {
                "from": f"{period['from']}T00:00:00+00:00",
                "to": f"{period['to']}T00:00:00+00:00",
                "workloads": [job],
            }
        return recording()[1](path, period, **params)

    from netra_agents.optimizer import optimize

    now = dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.timezone.utc)
    data = gather(Query("plan", WEEK).to_json(), read, Silent(), TODAY, now=now)
    assert data["profile"]["covered_to"] == "2026-11-25T01:00:00+00:00"
    found = optimize(data["profile"])
    assert (found["projected_savings_usd"], found["projected_savings_monthly_usd"]) == ("0.36", "1.813655")
    assert found["period_days"] == 145 / 24
    # A period that ended before the read is covered whole.
    later = gather(Query("plan", WEEK).to_json(), read, Silent(), TODAY, now=now + dt.timedelta(days=3))
    assert later["profile"]["covered_to"] == "2026-11-26T00:00:00+00:00"
    assert optimize(later["profile"])["projected_savings_monthly_usd"] == "1.565357"  # 10.9575 / 7
