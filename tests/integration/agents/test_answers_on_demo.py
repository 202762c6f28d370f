"""Every kind of answer on the real platform: demo usage seeded through the ingest API, the
data agent's reads (`usage_data.gather`) against the running analytics service, the answer
composed, and its numbers checked against independent analytics calls made here."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

import pytest

from emulators.demo import DemoOptions, seed_demo
from shared_lib.contracts import report_errors
from shared_lib.contracts.steps import output_errors
from tests.helpers import bearer, dev_login, url_of

from netra_agents.answers.prose import template
from netra_agents.optimizer import optimize
from netra_agents.query import Period, Query, Scenario, Unresolved
from netra_agents.reporting import compose
from netra_agents.usage_data import bound, gather

pytestmark = pytest.mark.platform
TODAY = dt.datetime.now(dt.timezone.utc).date()
WEEK = Period(TODAY - dt.timedelta(days=6), TODAY + dt.timedelta(days=1), "the last 7 days")


class Silent:
    """Progress nobody watches (the events themselves are the chain test's business)."""

    def thinking(self, *_):
        pass

    @contextlib.contextmanager
    def tool(self, *_):
        yield {}

    def completed(self, *_, **__):
        pass


@pytest.fixture(scope="module")
def demo(platform, tmp_path_factory):
    import httpx

    email = f"answers-{uuid.uuid4().hex[:10]}@example.com"
    key = seed_demo(
        lambda name: url_of(platform, name),
        DemoOptions(tmp_path_factory.mktemp("demo") / "key.json", email=email, seed=11, days=14, calls_per_day=400),
        say=lambda _: None,
    )
    with httpx.Client(timeout=60) as http:
        token = dev_login(http, url_of(platform, "auth"), email)["access_token"]
    return {"key": key, "headers": bearer(token), "analytics": url_of(platform, "analytics")}


def reader(http, demo):
    def read(path: str, period: dict, **params) -> dict:
        window = {end: bound(period[end]) for end in ("from", "to")}
        answer = http.get(f"{demo['analytics']}{path}", params={**window, **params}, headers=demo["headers"])
        assert answer.status_code == 200, answer.text
        return answer.json()

    return read


def answer_to(http, demo, query: Query) -> dict:
    data = gather(query.to_json(), reader(http, demo), Silent(), TODAY)
    assert output_errors("data", data) == []  # analytics' real answers keep the data step's contract
    found = optimize(data["profile"]) if query.kind in ("plan", "what_if", "overview") else None
    assert found is None or output_errors("optimization", found) == []
    report = compose(f"a {query.kind} question", query.to_json(), data, found, {})
    report["narrative"] = template(report)
    assert report_errors(report) == [], report_errors(report)
    return report


def test_a_breakdown_has_the_rows_of_the_summary(http, demo):
    report = answer_to(http, demo, Query("breakdown", WEEK, dimensions=("feature", "model"), top_n=3))
    independent = reader(http, demo)("/api/usage/summary", WEEK.to_json(), group_by="feature")
    groups = independent["groups"]  # ranked by cost, as a spend breakdown ranks them
    assert [(r["key"], r["calls"], r["cost_usd"]) for r in report["rows"][:3]] == [
        (g["key"], g["calls"], g["cost_usd"]) for g in groups[:3]
    ]
    other = report["rows"][3]
    assert other["key"] == "other" and other["calls"] == sum(g["calls"] for g in groups[3:])
    assert Decimal(other["cost_usd"]) == sum(Decimal(g["cost_usd"]) for g in groups[3:])
    assert report["total_cost_usd"] == independent["totals"]["cost_usd"]
    top = groups[0]["key"]
    within = reader(http, demo)("/api/usage/summary", WEEK.to_json(), group_by="model", feature=top)
    assert [(r["key"], r["cost_usd"]) for r in report["rows"][0]["within"]["rows"]] == [
        (g["key"], g["cost_usd"]) for g in within["groups"][:3]
    ]


def test_a_change_has_the_delta_of_the_two_periods_totals(http, demo):
    report = answer_to(http, demo, Query("change", WEEK, comparison=WEEK.previous(), dimensions=("feature",)))
    read = reader(http, demo)
    now = read("/api/usage/summary", WEEK.to_json(), group_by="provider")["totals"]
    before = read("/api/usage/summary", WEEK.previous().to_json(), group_by="provider")["totals"]
    assert Decimal(report["delta_usd"]) == Decimal(now["cost_usd"]) - Decimal(before["cost_usd"])
    assert (report["current"]["calls"], report["previous"]["calls"]) == (now["calls"], before["calls"])
    for dimension in ("feature", "model"):
        assert sum(Decimal(d["delta_usd"]) for d in report["drivers"] if d["dimension"] == dimension) == Decimal(
            report["delta_usd"]
        )


def test_a_change_over_the_last_hours_reads_those_hours(http, demo):
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    hours = Period(now - dt.timedelta(hours=30), now, "the last 30 hours")
    report = answer_to(http, demo, Query("change", hours, comparison=hours.previous(), dimensions=("feature",)))
    read = reader(http, demo)
    current = read("/api/usage/summary", hours.to_json(), group_by="provider")["totals"]
    before = read("/api/usage/summary", hours.previous().to_json(), group_by="provider")["totals"]
    day = read(
        "/api/usage/summary",
        Period(now.date() - dt.timedelta(days=1), now.date() + dt.timedelta(days=1), "").to_json(),
        group_by="provider",
    )["totals"]
    assert current["calls"] and current["calls"] != day["calls"]  # the hours, not whole days
    assert (report["current"]["calls"], report["previous"]["calls"]) == (current["calls"], before["calls"])
    assert Decimal(report["delta_usd"]) == Decimal(current["cost_usd"]) - Decimal(before["cost_usd"])
    assert "the last 30 hours" in report["narrative"] and "UTC" in report["narrative"]


def test_only_the_top_two_saves_the_two_largest_savings_of_the_plan(http, demo):
    report = answer_to(http, demo, Query("what_if", WEEK, scenario=Scenario("top_n", n=2)))
    plan = optimize(reader(http, demo)("/api/usage/profile", WEEK.to_json()))
    largest = sorted((Decimal(r["savings_usd"]) for r in plan["recommendations"]), reverse=True)[:2]
    assert len(largest) == 2 and Decimal(report["savings_usd"]) == sum(largest)
    assert Decimal(report["projected_cost_usd"]) == Decimal(report["current_cost_usd"]) - sum(largest)


@pytest.mark.parametrize(
    "query",
    [
        Query("plan", WEEK),
        Query("overview", WEEK),
        Query("latency", WEEK, metric="latency"),
        Query("forecast", WEEK, budget_usd="1"),
        Query(
            "what_if",
            WEEK,
            scenario=Scenario("move_model", feature="ticket-triage", from_model="gpt-4o", to_model="gpt-4o-mini"),
        ),
        Query("what_if", WEEK, scenario=Scenario("move_model", feature="ticket-triage", to_model="acme-llm-9")),
        Query("what_if", WEEK, scenario=Scenario("batch", feature="nightly-enrichment")),
    ],
    ids=lambda q: q.kind + (f"-{q.scenario.type}" if q.scenario else ""),
)
def test_every_other_kind_answers_on_demo_data(http, demo, query):
    report = answer_to(http, demo, query)
    assert report["kind"] == query.kind and report["narrative"]
    if query.kind == "overview":
        assert report["headline_saving"] and Decimal(report["headline_saving"]["savings_usd"]) > 0
        assert "$0.00" not in report["narrative"]
        assert any(f["key"] in e for f in report["top_features"] for e in report["examples"]), report["examples"]
    if query.kind == "forecast":
        assert Decimal(report["month_to_date_usd"]) > 0 and report["run_out_date"] is not None  # $1 never lasts
    if query.kind == "latency":
        assert report["overall"]["p95_ms"] and report["by_feature"]
    if query.scenario and query.scenario.to_model == "acme-llm-9":
        assert report["priced"] is False and report["savings_usd"] is None and "cannot price" in report["narrative"]
    elif query.kind == "what_if":
        assert Decimal(report["savings_usd"]) > 0


def test_bad_input_names_the_closest_and_the_period_with_data(http, demo):
    missing = dataclasses.replace(
        Query("breakdown", WEEK, dimensions=("model",)),
        unresolved=(Unresolved("feature", "doc-qa", ("doc-summarizer",)),),
    )
    report = answer_to(http, demo, missing)
    assert report["narrative"].startswith("Your data has no feature named “doc-qa”; the closest: “doc-summarizer”.")
    long_ago = Period(TODAY - dt.timedelta(days=200), TODAY - dt.timedelta(days=190), "that week")
    empty = answer_to(http, demo, Query("breakdown", long_ago, dimensions=("feature",)))
    assert empty["kind"] == "breakdown" and empty["rows"] == []
    assert empty["narrative"].startswith("No usage between") and "your usage runs from" in empty["narrative"]
