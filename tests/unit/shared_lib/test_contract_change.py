"""The change document's contract (shared_lib/contracts/change.schema.json): it ships with the
package, names the lifecycle's statuses and the optimizer's levers, and what chat answers for a
stored change keeps it."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import jsonschema

from netra_chat import changes
from netra_chat.change_store import change_view

SCHEMA = json.loads(resources.files("shared_lib.contracts").joinpath("change.schema.json").read_text())
AT = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone.utc)


def errors(document: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return [e.message for e in validator.iter_errors(document)]


def stored(**fields) -> dict:
    """A changes/{id} document as Firestore hands it back (instants as datetimes)."""
    return {
        "org_id": "org-a",
        "lever": "model_rightsizing",
        "title": "Move ticket-classifier to gpt-4o-mini",
        "scope": {"feature": "ticket-classifier", "model": "gpt-4o"},
        "change": {"from_model": "gpt-4o", "to_model": "gpt-4o-mini"},
        "recommendation_id": "model_rightsizing-3f2a9c1b0d",
        "projected_saving_usd": "412.50",
        "share_of_traffic": 1.0,
        "status": "applied",
        "history": [
            {"status": "accepted", "at": AT, "by": "ada", "note": None},
            {"status": "applied", "at": AT + dt.timedelta(hours=1), "by": "ada", "note": "all traffic"},
        ],
        "applied_at": AT,
        "created_by": "ada",
        "created_at": AT,
        "updated_at": AT + dt.timedelta(hours=1),
        **fields,
    }


def test_the_schema_names_the_lifecycle_and_the_levers():
    assert set(SCHEMA["properties"]["status"]["enum"]) == set(changes.STATUSES)
    assert set(SCHEMA["properties"]["lever"]["enum"]) == set(changes.LEVERS)


def test_a_stored_change_as_chat_answers_it_keeps_the_contract():
    view = change_view("0123456789abcdef0123456789abcdef", stored())
    assert errors(view) == []
    assert view["applied_at"] == "2026-11-20T09:00:00+00:00"
    assert view["history"][1] == {
        "status": "applied",
        "at": "2026-11-20T10:00:00+00:00",
        "by": "ada",
        "note": "all traffic",
    }
    proposed = change_view("0123456789abcdef0123456789abcdef", stored(status="proposed", applied_at=None))
    assert errors(proposed) == []


def test_the_contract_refuses_what_no_change_is():
    view = change_view("0123456789abcdef0123456789abcdef", stored())
    assert errors({**view, "status": "done"})
    assert errors({**view, "lever": "cheaper"})
    assert errors({**view, "scope": {"model": "gpt-4o"}})  # a scope names its feature
    assert errors({**view, "projected_saving_usd": 412.5})  # money is a decimal string
    assert errors({**view, "history": []})  # a change has at least its creation
    assert errors({**view, "owner": "ada"})
