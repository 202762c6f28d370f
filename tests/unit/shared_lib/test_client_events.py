"""Each client event payload's typed shape and JSON Schema say the same thing, and the
schemas refuse what breaks them, named where it breaks (what the producers really send is
checked in test_client_events_produced.py)."""

from __future__ import annotations

import typing

import jsonschema
import pytest

from shared_lib.contracts.client_events import (
    CONTROL,
    PAYLOADS,
    WIRE_TYPES,
    client_event_errors,
    envelope_schema,
    payload_schema,
    wire_errors,
)
from shared_lib.events import TYPES, ClientEvent

WEEK = {"from": "2026-11-01", "to": "2026-11-08", "days": 7}
QUERY = {
    "kind": "guidance",
    "period": WEEK,
    "comparison": None,
    "dimensions": [],
    "filters": {},
    "metric": "spend",
    "target": None,
    "budget_usd": None,
    "scenario": None,
}
GUIDANCE = {
    "kind": "guidance",
    "question": "How do I start?",
    "query": QUERY,
    "period": WEEK,
    "narrative": "Send usage first.",
    "warnings": [],
    "next_steps": ["Send usage events"],
    "total_spend_usd": "0",
    "recommendations": [],
}


def test_every_type_a_socket_receives_has_a_shape_and_the_envelope_names_them_all():
    assert set(PAYLOADS) == set(WIRE_TYPES) == {*TYPES, "pong"}
    assert envelope_schema()["properties"]["type"]["enum"] == list(WIRE_TYPES)
    assert set(CONTROL) <= set(WIRE_TYPES)


@pytest.mark.parametrize("event_type", WIRE_TYPES)
def test_every_schema_is_valid(event_type):
    jsonschema.Draft202012Validator.check_schema(payload_schema(event_type))


def test_the_envelope_schema_is_valid_and_names_what_wire_sends():
    jsonschema.Draft202012Validator.check_schema(envelope_schema())
    sent = ClientEvent("u1", "agent_thinking", {"agent": "data", "message": "m"}, thread_id="t1", run_id="r1").wire(
        "17-0"
    )
    assert set(sent) == set(envelope_schema()["properties"])


def _members(event_type: str) -> list[tuple[type, dict]]:
    """(shape, the object schema it is) for a type; a union's members are the schema's $defs."""
    shape, schema = PAYLOADS[event_type], payload_schema(event_type)
    if isinstance(shape, tuple):
        return [(member, schema["$defs"][name]) for member, name in zip(shape, ("renamed", "deleted"), strict=True)]
    return [(shape, schema)]


def _object_schemas(schema: dict, defs: dict):
    """Every object schema inside `schema` that has named properties, $refs followed once."""
    for name, sub in schema.get("properties", {}).items():
        target = defs.get(sub.get("$ref", "").rsplit("/", 1)[-1], sub)
        if target.get("properties"):
            yield name, target


@pytest.mark.parametrize("event_type", WIRE_TYPES)
def test_the_typed_shape_and_the_schema_name_the_same_fields(event_type):
    defs = payload_schema(event_type).get("$defs", {})
    for shape, schema in _members(event_type):
        assert set(shape.__required_keys__) == set(schema["required"]), shape.__name__
        hints = typing.get_type_hints(shape)
        assert set(hints) == set(schema["properties"]), shape.__name__
        assert schema["additionalProperties"] is False  # a field the shape does not name is refused
        for name, nested in _object_schemas(schema, defs):  # message, thread: typed down to their fields
            assert set(typing.get_type_hints(hints[name])) == set(nested["properties"]), f"{shape.__name__}.{name}"
            assert set(hints[name].__required_keys__) == set(nested["required"]), f"{shape.__name__}.{name}"


def test_the_thread_updated_shapes_are_told_apart_by_deleted():
    assert client_event_errors("thread_updated", {"thread_id": "t1", "deleted": True}) == []
    thread = {
        "thread_id": "t1",
        "title": "Costs",
        "created_at": None,
        "updated_at": "2026-11-27T12:00:00+00:00",
        "message_count": 2,
    }
    assert client_event_errors("thread_updated", {"thread": thread}) == []
    assert client_event_errors("thread_updated", {"thread_id": "t1", "deleted": False}) == [
        "deleted: True was expected"
    ]
    assert client_event_errors("thread_updated", {"thread": {**thread, "message_count": -1}}) == [
        "thread/message_count: -1 is less than the minimum of 0"
    ]


def test_a_broken_payload_is_named_where_it_breaks():
    assert client_event_errors("agent_started", {"agent": "triage", "message": "Reading the question"}) == []
    assert client_event_errors("agent_started", {"agent": "poet", "message": "x"}) == [
        "agent: 'poet' is not one of ['supervisor', 'triage', 'data', 'optimization', 'actions', 'reporting']"
    ]
    assert client_event_errors(
        "tool_completed", {"agent": "optimization", "tool": "optimizer", "duration_ms": 12, "savings_usd": "$3"}
    )[0].startswith("savings_usd: '$3' does not match")
    assert client_event_errors(
        "tool_completed", {"agent": "data", "tool": "usage_summary", "duration_ms": 3, "spend": 1}
    ) == ["(payload): Additional properties are not allowed ('spend' was unexpected)"]
    assert client_event_errors("message_created", {"message": {"message_id": "m1"}})[0] == (
        "message: 'thread_id' is a required property"
    )
    assert client_event_errors("agent_finished", {}) == [
        f"type must be one of {', '.join(WIRE_TYPES)}, got 'agent_finished'"
    ]


def test_a_final_report_is_held_to_its_kinds_schema():
    assert client_event_errors("final_report", {"report": GUIDANCE}) == []
    assert client_event_errors("final_report", {"report": {**GUIDANCE, "period": {"from": "2026-11-01"}}}) == [
        "report/period: 'to' is a required property",
        "report/period: 'days' is a required property",
    ]
    assert client_event_errors("final_report", {"report": {**GUIDANCE, "kind": "poem"}})[0].startswith(
        "report/kind must be one of"
    )
    # A completed run without a result: the supervisor sends {} (the web app shows no report).
    assert client_event_errors("final_report", {"report": {}}) == []


def test_a_broken_server_message_is_named_in_its_envelope_or_its_payload():
    beat = {"type": "heartbeat", "event_id": None, "ts": 1764244800.5, "payload": {}}
    assert wire_errors(beat) == []
    assert wire_errors({**beat, "event_id": "17-0", "payload": {"n": 1}}) == [
        "event_id: '17-0' is not of type 'null'",
        "payload: Additional properties are not allowed ('n' was unexpected)",
    ]
    event = ClientEvent("u1", "final_report", {"report": {**GUIDANCE, "narrative": 3}}, run_id="r1").wire("17-0")
    assert wire_errors(event) == ["payload/report/narrative: 3 is not of type 'string'"]
    assert wire_errors({**event, "event_id": None, "payload": {"report": GUIDANCE}}) == [
        "event_id: None is not of type 'string'"
    ]
    assert wire_errors({**beat, "event_id": "x-1"})[0].startswith("event_id: 'x-1' is not valid")
    assert wire_errors({**beat, "user_id": "u1"}) == [
        "(message): Additional properties are not allowed ('user_id' was unexpected)"
    ]
