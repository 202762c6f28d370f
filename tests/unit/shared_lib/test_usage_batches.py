"""Usage batches on the usage-events topic: bounded in count and bytes, read back as sent."""

import datetime as dt
import gzip
import json

import pytest

from shared_lib.contracts import usage_events
from shared_lib.contracts.usage_events import (
    EVENTS_PER_MESSAGE,
    MAX_MESSAGE_BYTES,
    InvalidBatch,
    UsageBatch,
    decode,
    messages,
    parse,
)
from shared_lib.usage import parse_batch

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


def accepted(n: int, **fields):
    rows = [
        {
            "event_id": f"e{i}",
            "timestamp": "2026-11-25T11:00:00Z",
            "provider": "openai",
            "model": "gpt-4o",
            "input_tokens": 1,
            "output_tokens": 1,
            **fields,
        }
        for i in range(n)
    ]
    events, rejected = parse_batch(rows, "org", NOW)
    assert rejected == []
    return events


def test_large_events_are_split_by_size_and_small_ones_by_count(monkeypatch):
    # ~200 KB of 4-byte characters each: written as UTF-8, not as \\ud83d\\ude42 escapes (3x the bytes).
    big = accepted(60, metadata={f"k{n}": "🙂" * 1024 for n in range(50)})
    sent = messages("org", [e.to_json() for e in big], NOW)
    assert len(sent) > 1 and all(len(m) <= MAX_MESSAGE_BYTES for m in sent)
    bodies = [decode(m) for m in sent]
    assert [r["event_id"] for b in bodies for r in parse(b).rows] == [e.event_id for e in big]
    assert {(b["org_id"], b["accepted_at"]) for b in bodies} == {("org", NOW.isoformat())}
    # Small events: the count bounds a message (positional rows are ~200 bytes each).
    small = messages("org", [e.to_json() for e in accepted(EVENTS_PER_MESSAGE + 1)], NOW)
    assert sum(len(decode(m)["rows"]) for m in small) == EVENTS_PER_MESSAGE + 1
    assert all(len(m) <= MAX_MESSAGE_BYTES for m in small)
    monkeypatch.setattr(usage_events, "EVENTS_PER_MESSAGE", 50)
    counted = messages("org", [e.to_json() for e in accepted(101)], NOW)
    assert [len(decode(m)["rows"]) for m in counted] == [50, 50, 1]


def test_a_batch_reads_back_with_when_it_was_accepted():
    [body] = messages("org", [e.to_json() for e in accepted(2)], NOW)
    batch = parse(decode(body), published_at="2026-11-25T12:00:05Z")
    assert (batch.org_id, [r["event_id"] for r in batch.rows], batch.accepted_at) == ("org", ["e0", "e1"], NOW)


def test_without_acceptance_the_publish_time_stands_in():
    [body] = messages("org", [e.to_json() for e in accepted(1)])
    assert "accepted_at" not in decode(body)
    assert parse(decode(body), published_at="2026-11-25T12:00:05Z").accepted_at == NOW + dt.timedelta(seconds=5)
    assert parse(decode(body)).accepted_at is None


def test_rows_travel_as_values_in_the_order_of_the_fields_and_read_back_as_objects():
    events = accepted(2)
    [body] = messages("org", [e.to_json() for e in events], NOW)
    sent = decode(body)
    assert sent["fields"][:3] == ["event_id", "timestamp", "org_id"]
    assert [row[:3] for row in sent["rows"]] == [
        ["e0", "2026-11-25T11:00:00+00:00", "org"],
        ["e1", "2026-11-25T11:00:00+00:00", "org"],
    ]
    # Read back without the fields an event leaves null or empty: as the event never had them.
    assert parse(sent).rows == [{k: v for k, v in e.to_json().items() if v is not None and v != ""} for e in events]


def test_intake_sends_each_event_as_its_values_and_the_consumer_reads_back_the_same_event():
    from shared_lib.usage import EVENT_FIELDS, parse_row

    events = accepted(1) + accepted(
        1,
        user_id="u-7",
        cost_usd="0.001234567",
        price_version="p1",
        prompt_hash="abc",
        prefix_hash="def",
        ttft_ms=5,
        latency_ms=9,
        max_tokens=64,
        finish_reason="length",
        status="error",
        interactive=False,
        batch=True,
        cached_input_tokens=1,
        metadata={"team": "search", "note": "ünïcode"},
    )
    [body] = usage_events.positional_messages("org", EVENT_FIELDS, [e.json_values() for e in events], NOW)
    sent = decode(body)
    assert sent["fields"] == list(EVENT_FIELDS) and sent["accepted_at"] == NOW.isoformat()
    batch = parse(sent)
    assert [parse_row(row, "org", NOW, check_window=False) for row in batch.rows] == events
    # The objects' form of the same events reads back as the same events.
    objects = parse(decode(messages("org", [e.to_json() for e in events], NOW)[0]))
    assert [parse_row(row, "org", NOW, check_window=False) for row in objects.rows] == events


def test_rows_with_different_fields_leave_null_where_a_row_has_none():
    # The LLM gateway meters a raw row; any producer may leave fields out.
    [body] = messages("org", [{"event_id": "a", "model": "m"}, {"event_id": "b", "feature": "f"}])
    assert decode(body)["rows"] == [["a", "m", None], ["b", None, "f"]]
    assert parse(decode(body)).rows == [{"event_id": "a", "model": "m"}, {"event_id": "b", "feature": "f"}]


def test_a_batch_queued_in_the_earlier_form_still_reads():
    earlier = {"org_id": "org", "accepted_at": NOW.isoformat(), "events": [{"event_id": "e0", "user_id": ""}, "junk"]}
    assert parse(earlier) == UsageBatch("org", [{"event_id": "e0"}, "junk"], NOW)


def test_a_row_that_is_not_one_value_per_field_is_left_for_the_consumer_to_refuse():
    batch = parse({"org_id": "org", "fields": ["event_id", "model"], "rows": [["a", "m"], ["b"], {"x": 1}, 7]})
    assert batch.rows == [{"event_id": "a", "model": "m"}, ["b"], {"x": 1}, 7]


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"events": []},
        {"org_id": "org"},
        {"org_id": 7, "events": []},
        {"org_id": "o", "events": {}},
        {"org_id": "o", "fields": ["a"], "rows": {}},
        {"org_id": "o", "fields": [1], "rows": []},
    ],
)
def test_what_is_not_a_batch_is_refused_whole(body):
    with pytest.raises(InvalidBatch):
        parse(body)


def test_a_batch_travels_compressed_and_reads_back_compressed_or_not():
    events = accepted(500, metadata={"team": "search"})
    [body] = messages("org", [e.to_json() for e in events], NOW, compress=True)
    plain = gzip.decompress(body)
    assert body[:2] == b"\x1f\x8b" and len(body) * 4 < len(plain)  # repetitive rows shrink well
    assert decode(body) == decode(plain) == json.loads(plain)  # a batch queued before compression reads too
    assert messages("org", [e.to_json() for e in events], NOW) == [plain]  # uncompressed unless asked


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\x1f\x8b" + b"not gzip at all", "does not decompress"),
        (gzip.compress(b'{"org_id": "o", "rows": []}')[:-12], "cut short"),
        (gzip.compress(b" " * (usage_events.MAX_DECODED_BYTES + 1), compresslevel=1), "cut short or over"),
        (gzip.compress(b"[[[[" * 40), "not JSON"),
        (gzip.compress(b'{"org_id": "o"}') + gzip.compress(b"{}"), "data after its compressed body"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_data_that_is_not_a_batch_is_refused_before_it_is_held_whole(data, problem):
    with pytest.raises(InvalidBatch, match=problem):
        decode(data)
