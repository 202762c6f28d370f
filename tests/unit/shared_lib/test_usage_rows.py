"""How a row becomes an event: the same event as the dataclass makes, and the fast checks
agree with the rules they stand for."""

import dataclasses
import datetime as dt

import pytest

from shared_lib.usage import _HASH, _ID, UsageEvent, _is_hash, _is_id, parse_batch, parse_row

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
ROW = {
    "event_id": "evt-1",
    "timestamp": "2026-11-25T11:59:00Z",
    "user_id": "u-1",
    "feature": "support-bot",
    "provider": "OpenAI",
    "model": "gpt-4o",
    "input_tokens": 5000,
    "output_tokens": 1000,
    "cached_input_tokens": 4000,
    "latency_ms": 1800,
    "ttft_ms": 350,
    "cost_usd": "0.0175",
    "prompt_hash": "a1b2",
    "max_tokens": 2048,
    "batch": True,
    "metadata": {"region": "eu"},
    "finish_reason": "stop",
}


def test_a_parsed_event_is_the_event_its_fields_make():
    event = parse_row(ROW, "org-a", NOW)
    assert list(vars(event)) == [field.name for field in dataclasses.fields(UsageEvent)]
    made = UsageEvent(**vars(event))
    assert event == made and repr(event) == repr(made)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.model = "gpt-4o-mini"


def test_an_event_as_json_is_every_field_with_time_cost_and_metadata_as_text():
    event = parse_row(ROW, "org-a", NOW)
    as_json = event.to_json()
    assert list(as_json) == [field.name for field in dataclasses.fields(UsageEvent)]
    assert as_json == {
        "event_id": "evt-1",
        "timestamp": "2026-11-25T11:59:00+00:00",
        "org_id": "org-a",
        "user_id": "u-1",
        "feature": "support-bot",
        "provider": "openai",
        "model": "gpt-4o",
        "input_tokens": 5000,
        "output_tokens": 1000,
        "cached_input_tokens": 4000,
        "cache_write_tokens": 0,
        "reasoning_tokens": 0,
        "latency_ms": 1800,
        "ttft_ms": 350,
        "status": "success",
        "cost_usd": "0.0175",
        "price_version": None,
        "prompt_hash": "a1b2",
        "prefix_hash": None,
        "max_tokens": 2048,
        "interactive": True,
        "batch": True,
        "metadata": {"region": "eu"},
        "finish_reason": "stop",
    }
    assert as_json["metadata"] is not event.metadata  # the caller's to change
    # Read back by the consumer as it was accepted.
    assert parse_row({k: v for k, v in as_json.items() if v is not None}, "org-a", NOW, check_window=False) == event


EDGES = [
    "evt-1",
    "a" * 128,
    "a" * 129,
    "",
    "a b",
    " abc",
    "abc\n",  # `$` matches before a final newline
    "abc\n\n",
    "\tabc",
    "ab\x7f",
    "ab\x00",
    "é",
    "x\u00a0y",
    "١٢٣",  # digits, not ASCII ones
    "AbC09",
    "ab==",
    "a/b+c:d_e-f=",
    "sha256:0f",
    "a.b",
]


@pytest.mark.parametrize("value", EDGES)
def test_the_fast_checks_agree_with_the_patterns(value):
    assert _is_id(value) == bool(_ID.match(value))
    assert _is_hash(value) == bool(_HASH.match(value))


def test_a_repeated_timestamp_is_read_once_and_checked_against_each_now():
    rows = [{**ROW, "event_id": f"e{n}", "timestamp": "2026-11-25T12:04:00+00:00"} for n in range(3)]
    events, rejected = parse_batch(rows, "org-a", NOW)
    assert rejected == [] and {e.timestamp for e in events} == {NOW + dt.timedelta(minutes=4)}
    # The same string, an earlier clock: 6 minutes ahead is beyond the allowed skew.
    _, rejected = parse_batch(rows, "org-a", NOW - dt.timedelta(minutes=2))
    assert [r["error"] for r in rejected] == ["timestamp is in the future (beyond the allowed clock skew)"] * 3
    # A refused string is refused each time, not once.
    _, rejected = parse_batch([{**row, "timestamp": "yesterday"} for row in rows], "org-a", NOW)
    assert [r["error"] for r in rejected] == ["timestamp must be ISO 8601 or epoch seconds, got 'yesterday'"] * 3


def test_empty_metadata_is_each_events_own_empty_mapping():
    first, second = parse_batch([{**ROW, "event_id": f"e{n}", "metadata": {}} for n in range(2)], "org-a", NOW)[0]
    assert first.metadata == {} and first.metadata is not second.metadata
