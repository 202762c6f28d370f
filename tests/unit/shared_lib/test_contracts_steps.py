"""Each step output's typed shape and JSON Schema say the same thing, and the schemas
refuse what breaks them (the real outputs are checked in tests/unit/agents/test_step_outputs.py)."""

from __future__ import annotations

import typing

import jsonschema
import pytest

from shared_lib.contracts.agents import STEPS
from shared_lib.contracts.steps import (
    ActionsOutput,
    DataOutput,
    OptimizationOutput,
    TriageOutput,
    output_errors,
    output_schema,
)

SHAPES = {"triage": TriageOutput, "data": DataOutput, "optimization": OptimizationOutput, "actions": ActionsOutput}


@pytest.mark.parametrize("step", STEPS)
def test_every_step_has_a_valid_schema(step):
    jsonschema.Draft202012Validator.check_schema(output_schema(step))


@pytest.mark.parametrize("step", sorted(SHAPES))
def test_the_typed_shape_and_the_schema_name_the_same_fields(step):
    shape, schema = SHAPES[step], output_schema(step)
    assert set(shape.__required_keys__) == set(schema["required"])
    assert set(typing.get_type_hints(shape)) == set(schema["properties"])


def test_an_unknown_step_has_no_schema():
    with pytest.raises(KeyError):
        output_schema("summarise")


def test_a_broken_output_is_named_where_it_breaks():
    plans = {"plans": {"rec-1": [{"phase": "change", "detail": "Route x to y."}]}}
    assert output_errors("actions", plans) == []
    assert output_errors("actions", {"plans": {"rec-1": [{"phase": "pray", "detail": "x"}]}}) == [
        "plans/rec-1/0/phase: 'pray' is not one of ['change', 'validate', 'watch', 'rollback']"
    ]
    errors = output_errors(
        "optimization",
        {
            "total_spend_usd": "$12",
            "projected_savings_usd": "1",
            "projected_savings_pct": 8.3,
            "projected_savings_monthly_usd": None,
            "recommendations": [],
            "latency_findings": [],
            "warnings": [],
        },
    )
    assert len(errors) == 1 and errors[0].startswith("total_spend_usd: '$12' does not match")


def test_the_reporting_output_is_held_to_its_report_kinds_schema():
    report = {
        "kind": "guidance",
        "question": "q",
        "query": {},
        "period": {"from": "2026-11-01", "to": "2026-11-08", "days": 7},
        "narrative": "",
        "warnings": [],
        "next_steps": [],
    }
    assert output_errors("reporting", {**report, "kind": "poem"})[0].startswith("kind: 'poem' is not one of")
    errors = output_errors("reporting", report)  # keeps the step schema, not guidance's own fields
    assert errors and all(not e.startswith("kind") for e in errors)
