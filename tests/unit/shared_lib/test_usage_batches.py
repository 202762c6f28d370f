"""Usage batches on the usage-events topic: bounded in count and bytes, read back as sent."""

import datetime as dt
import json

import pytest

from shared_lib.contracts import usage_events
from shared_lib.contracts.usage_events import EVENTS_PER_MESSAGE, MAX_MESSAGE_BYTES, InvalidBatch, messages, parse
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
    bodies = [json.loads(m) for m in sent]
    assert [e["event_id"] for b in bodies for e in b["events"]] == [e.event_id for e in big]
    assert {(b["org_id"], b["accepted_at"]) for b in bodies} == {("org", NOW.isoformat())}
    # Real small events fill the byte budget before the count one (~420 bytes each here).
    small = messages("org", [e.to_json() for e in accepted(EVENTS_PER_MESSAGE + 1)], NOW)
    assert sum(len(json.loads(m)["events"]) for m in small) == EVENTS_PER_MESSAGE + 1
    assert all(len(m) <= MAX_MESSAGE_BYTES for m in small)
    monkeypatch.setattr(usage_events, "EVENTS_PER_MESSAGE", 50)
    counted = messages("org", [e.to_json() for e in accepted(101)], NOW)
    assert [len(json.loads(m)["events"]) for m in counted] == [50, 50, 1]


def test_a_batch_reads_back_with_when_it_was_accepted():
    [body] = messages("org", [e.to_json() for e in accepted(2)], NOW)
    batch = parse(json.loads(body), published_at="2026-11-25T12:00:05Z")
    assert (batch.org_id, [r["event_id"] for r in batch.rows], batch.accepted_at) == ("org", ["e0", "e1"], NOW)


def test_without_acceptance_the_publish_time_stands_in():
    [body] = messages("org", [e.to_json() for e in accepted(1)])
    assert "accepted_at" not in json.loads(body)
    assert parse(json.loads(body), published_at="2026-11-25T12:00:05Z").accepted_at == NOW + dt.timedelta(seconds=5)
    assert parse(json.loads(body)).accepted_at is None


@pytest.mark.parametrize(
    "body", [None, [], {"events": []}, {"org_id": "org"}, {"org_id": 7, "events": []}, {"org_id": "o", "events": {}}]
)
def test_what_is_not_a_batch_is_refused_whole(body):
    with pytest.raises(InvalidBatch):
        parse(body)
