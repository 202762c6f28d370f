"""The report is a union tagged by `kind`: a report of every kind, composed from hand-built
data, keeps its kind's JSON Schema (shipped in shared_lib), and the schemas refuse what the
contract forbids."""

from __future__ import annotations

import dataclasses

import pytest

from shared_lib.contracts import REPORT_KINDS, report_errors, report_schema
from tests.unit.agents.report_fixtures import QUERIES, data_for, found

from netra_agents.answers.prose import template
from netra_agents.reporting import compose


def report_of(kind: str, calls: int = 3000) -> dict:
    needs_plan = kind in ("plan", "what_if", "overview")
    report = compose(
        f"a {kind} question", QUERIES[kind].to_json(), data_for(kind, calls), found() if needs_plan else None, {}
    )
    report["narrative"] = template(report)
    return report


@pytest.mark.parametrize("kind", [k for k in REPORT_KINDS if k != "guidance"])
def test_a_report_of_every_kind_keeps_its_schema(kind):
    report = report_of(kind)
    assert report["kind"] == kind and report_errors(report) == []
    assert report["narrative"] and "1 changes" not in report["narrative"]


def test_guidance_keeps_its_schema():
    report = report_of("breakdown", calls=0)
    assert report["kind"] == "guidance" and report_errors(report) == []


def test_the_schemas_require_the_contract_fields():
    for kind in REPORT_KINDS:
        assert {"kind", "question", "query", "period", "narrative", "warnings", "next_steps"} <= set(
            report_schema(kind)["required"]
        )
    report = report_of("breakdown")
    del report["rows"]
    assert any("'rows' is a required property" in e for e in report_errors(report))
    report = report_of("change")
    report["drivers"][0]["effect"] = "grew"
    assert any("drivers/0/effect" in e for e in report_errors(report))
    report = report_of("what_if")
    report["savings_usd"] = 12.5  # money is a decimal string, never a float
    assert report_errors(report)
    assert report_errors({"kind": "analysis"}) == [
        "kind must be one of plan, breakdown, change, what_if, latency, forecast, overview, guidance, clarify, "
        "got 'analysis'"
    ]


def test_asking_back_offers_its_choices_as_questions_and_states_no_number():
    report = report_of("clarify")
    assert report_errors(report) == [] and report["reason"] == "unsure"
    assert [c["kind"] for c in report["choices"]] == ["breakdown", "plan"]
    assert report["narrative"] == (
        "I'm not sure which answer you want. Do you want where the money goes or how to cut 25%? Pick one below, "
        "or ask in your own words."
    )
    report["choices"] = [{"kind": "plan", "label": ""}]
    assert report_errors(report)


def test_an_unpriced_what_if_keeps_the_schema_with_null_amounts():
    query = dataclasses.replace(
        QUERIES["what_if"],
        scenario=dataclasses.replace(
            QUERIES["what_if"].scenario, type="move_model", feature="chat", to_model="acme-llm-9"
        ),
    )
    report = compose("what if chat used acme-llm-9?", query.to_json(), data_for("what_if"), found(), {})
    report["narrative"] = template(report)
    assert report["priced"] is False and report["savings_usd"] is None and report_errors(report) == []
    assert "cannot price" in report["narrative"]
