"""The report's narrative: the model's prose only when every figure in it is one it was given;
the templates' prose for every kind otherwise (money to the cent, the asked period, plurals)."""

from __future__ import annotations

from types import SimpleNamespace

from shared_lib.llm.gateway import LlmUnavailable
from tests.unit.agents.report_fixtures import QUERIES, data_for, found, unresolved

from netra_agents.answers.prose import during, plural, template
from netra_agents.reporting import compose, narrative


def ctx_answering(text: str | None):
    def complete(request):
        if text is None:
            raise LlmUnavailable(["all down"])
        return SimpleNamespace(text=text, route=SimpleNamespace(model="gpt-4o-mini"))

    return SimpleNamespace(gateway=lambda: SimpleNamespace(complete=complete))


TASK = SimpleNamespace(org_id="o", run_id="r")


def report(kind="plan"):
    return compose("cut costs by 30%", QUERIES[kind].to_json(), data_for(kind), found(), {})


def test_the_plan_carries_the_optimizers_numbers_and_the_target():
    r = report()
    assert (r["kind"], r["total_spend_usd"], r["projected_savings_usd"], r["meets_target"]) == (
        "plan",
        "11.95",
        "3.988",
        True,
    )  # batch nightly 5.25 / 2 + triage to mini 1.363
    assert r["spend_by_model"] == [{"model": "gpt-4o", "calls": 3000, "cost_usd": "11.95", "unpriced_calls": 0}]
    assert r["period"] == {"from": "2026-11-18", "to": "2026-11-25", "days": 7, "label": "the last 7 days"}
    assert r["query"]["target"] == {"pct": 30.0, "usd": None, "per": None, "level_usd": None}


def test_prose_with_the_given_figures_is_kept():
    text = "You spent $11.95 over 7 days; two changes save $3.99 (33.4%)."  # figures may be rounded
    assert narrative(ctx_answering(text), TASK, report()) == (text, "llm:gpt-4o-mini")


def test_an_invented_figure_or_no_figure_falls_back_to_the_template():
    invented, source = narrative(ctx_answering("You could save $450 a month."), TASK, report())
    assert "not in the facts" in source and "$3.99" in invented and "450" not in invented
    vague, source = narrative(ctx_answering("Costs can be cut a lot."), TASK, report())
    assert "none of the figures" in source and "3,000 LLM calls costing $11.95" in vague
    down, source = narrative(ctx_answering(None), TASK, report())
    assert source == "template" and "meets the 30% target" in down


def test_templates_use_plurals_the_asked_period_and_keep_latency_apart():
    assert (plural(1, "change"), plural(2, "change"), plural(1, "other feature")) == (
        "1 change",
        "2 changes",
        "1 other feature",
    )
    plan = template(report())
    cost, latency = plan.split("\n\n")
    assert (
        "the last 7 days (Nov 18 – Nov 24, 2026)" in cost and "latency" not in cost and "p95 latency 15.0 s" in latency
    )
    # The largest change's title is the optimizer's, its names quoted once (not re-quoted, which
    # would turn their quotes into apostrophes).
    title = report()["recommendations"][0]["title"]
    assert "“" in title and f"the largest saves $2.62: {title.rstrip('.')}." in cost and "'" not in cost
    breakdown = template(report("breakdown"))
    assert "1 other feature: together $1.45 (12.1%)" in breakdown and "The largest is “chat” $5.25 (43.9%)" in breakdown
    change = template(report("change"))
    assert "Spend rose $4.45 (59.3%)" in change and "1 day spiked: Nov 20 ($4.45)" in change


def test_a_name_the_data_lacks_is_said_first_with_the_closest():
    r = compose("spend of doc-qa", unresolved("breakdown"), data_for("breakdown"), None, {})
    assert r["warnings"][0] == "Your data has no feature named “doc-qa”; the closest: “doc-summarizer”, “faq-answers”."
    assert template(r).startswith("Your data has no feature named “doc-qa”")


def test_a_period_without_usage_names_the_period_that_has_it():
    data = {**data_for("breakdown", calls=0), "org": {"calls": 5000, "first": "2026-10-01", "last": "2026-10-30"}}
    data["by"] = {"feature": data["summary"], "model": data["summary"]}
    r = compose("spend last week", QUERIES["breakdown"].to_json(), data, None, {})
    assert r["kind"] == "breakdown" and r["rows"] == []
    assert r["warnings"][0] == (
        "No usage between Nov 18 – Nov 24, 2026; your usage runs from 2026-10-01 to 2026-10-30 "
        "(5,000 calls): ask about those days."
    )
    assert template(r).startswith("No usage between")


def test_an_org_with_savings_never_reads_zero_savings():
    r = compose("hi", QUERIES["overview"].to_json(), data_for("overview"), found(), {})
    assert r["headline_saving"]["savings_usd"] == "3.988" and "$0.00" not in template(r)


def test_periods_read_as_the_question_said_them():
    week = {"from": "2026-11-16", "to": "2026-11-23", "days": 7}
    assert during({**week, "label": "last week"}) == "last week (Nov 16 – Nov 22, 2026)"
    assert during({**week, "label": "the last 7 days"}, capital=True) == "In the last 7 days (Nov 16 – Nov 22, 2026)"
    assert during({**week, "label": "since Nov 16"}) == "since Nov 16 (Nov 16 – Nov 22, 2026)"
    assert during({"from": "2026-11-20", "to": "2026-11-21", "days": 1, "label": ""}) == "on Nov 20, 2026"
    change = template(report("change"))
    assert "The features that moved most: “nightly” +$2.25, “ticket-triage” +$1.45, “chat” +$0.75." in change


def test_the_model_may_phrase_any_kind_with_the_figures_it_was_given():
    change = report("change")
    text = "Spend rose $4.45 (59.3%) last week, mostly nightly (+$2.25); Nov 20 spiked at $4.45."
    assert narrative(ctx_answering(text), TASK, change) == (text, "llm:gpt-4o-mini")
    invented, source = narrative(ctx_answering("Spend rose $9.99 because of chat."), TASK, change)
    assert "not in the facts" in source and invented.startswith("Spend rose $4.45 (59.3%)")


def test_a_what_if_that_grows_traffic_says_what_it_adds_and_one_that_stops_a_feature_what_it_saves():
    import dataclasses

    from netra_agents.query import Scenario

    def said(scenario):
        query = dataclasses.replace(QUERIES["what_if"], scenario=scenario)
        return template(compose("what if", query.to_json(), data_for("what_if"), found(), {}))

    # chat is $5.25 of the fixtures' $11.95.
    doubled = said(Scenario("traffic_growth", "chat", factor=2.0))
    assert "Twice the traffic to “chat” would add $5.25 (43.9% of spend)" in doubled, doubled
    assert "$11.95 would become $17.20" in doubled, doubled
    off = said(Scenario("traffic_growth", "chat", factor=0.0))
    assert "Turning off “chat” would save $5.25" in off, off
    cached = said(Scenario("cache", mode="prompt"))
    assert cached.count("Turning on prompt caching for every feature") == 1, cached


def test_a_forecast_of_a_month_to_come_is_schema_valid_and_says_that_month():
    import dataclasses
    import datetime as dt

    from shared_lib.contracts import report_errors

    from netra_agents.query import Period

    january = Period(dt.date(2027, 1, 1), dt.date(2027, 2, 1), "January 2027")
    query = dataclasses.replace(QUERIES["forecast"], horizon=january, budget_usd="40")
    report = compose("what will january cost?", query.to_json(), data_for("forecast"), None, {})
    report["narrative"] = template(report)
    assert report_errors(report) == [], report_errors(report)
    # The fixtures' history is $1.50 a day: 31 days x 1.5 = 46.5, past the $40 budget on day 27.
    assert (report["projected_horizon_usd"], report["run_out_date"]) == ("46.5", "2027-01-27")
    assert "January 2027 (31 days) would cost about $46.50" in report["narrative"]
    assert "Your $40.00 budget runs out on Jan 27, 2027." in report["narrative"]
