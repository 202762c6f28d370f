"""How a row becomes an event: each value in its own field, and the fast checks agree with
the rules they stand for."""

import dataclasses
import datetime as dt

import pytest

from shared_lib.usage import _HASH, _ID, UsageEvent, _is_hash, _is_id, parse_batch, parse_row

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
# A value of its own in every field: one landing in another field's place shows.
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
    "cache_write_tokens": 700,
    "reasoning_tokens": 600,
    "latency_ms": 1800,
    "ttft_ms": 350,
    "status": "timeout",
    "cost_usd": "0.0175",
    "price_version": "invoice-7",
    "prompt_hash": "a1b2",
    "prefix_hash": "c3d4",
    "max_tokens": 2048,
    "interactive": False,
    "batch": True,
    "metadata": {"region": "eu"},
    "finish_reason": "length",
    "prefix_chain": [{"hash": "s1", "tokens": 1200, "at": "system"}, {"hash": "t1", "tokens": 4800}],
}
AS_JSON = {
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
    "cache_write_tokens": 700,
    "reasoning_tokens": 600,
    "latency_ms": 1800,
    "ttft_ms": 350,
    "status": "timeout",
    "cost_usd": "0.0175",
    "price_version": "invoice-7",
    "prompt_hash": "a1b2",
    "prefix_hash": "c3d4",
    "max_tokens": 2048,
    "interactive": False,
    "batch": True,
    "metadata": {"region": "eu"},
    "finish_reason": "length",
    "prefix_chain": [{"hash": "s1", "tokens": 1200, "at": "system"}, {"hash": "t1", "tokens": 4800, "at": "turn"}],
}
CHAIN = (("s1", 1200, "system"), ("t1", 4800, "turn"))


def test_every_value_of_a_row_lands_in_its_own_field():
    event = parse_row(ROW, "org-a", NOW)
    assert event == UsageEvent(
        **{**AS_JSON, "timestamp": NOW - dt.timedelta(minutes=1), "cost_usd": event.cost_usd, "prefix_chain": CHAIN}
    )
    assert str(event.cost_usd) == "0.0175"


def test_an_event_as_json_is_every_field_in_order_with_time_cost_and_metadata_as_text():
    event = parse_row(ROW, "org-a", NOW)
    as_json = event.to_json()
    assert list(as_json) == [field.name for field in dataclasses.fields(UsageEvent)]
    assert as_json == AS_JSON
    assert as_json["metadata"] is not event.metadata  # the caller's to change
    # Read back by the consumer as it was accepted.
    assert parse_row(as_json, "org-a", NOW, check_window=False) == event


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
    # A caller reading a batch row by row (the consumer) keeps the times read so far.
    moments: dict = {}
    for row in rows:
        parse_row(row, "org-a", NOW, check_window=False, moments=moments)
    assert moments == {"2026-11-25T12:04:00+00:00": NOW + dt.timedelta(minutes=4)}


def test_empty_metadata_is_each_events_own_empty_mapping():
    first, second = parse_batch([{**ROW, "event_id": f"e{n}", "metadata": {}} for n in range(2)], "org-a", NOW)[0]
    assert first.metadata == {} and first.metadata is not second.metadata
