"""Accepted events become Pub/Sub messages that Pub/Sub takes: bounded in count and bytes."""

import datetime as dt
import json

from shared_lib.usage import parse_batch

from netra_analytics.service import EVENTS_PER_MESSAGE, MAX_MESSAGE_BYTES, _messages

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


def test_large_events_are_split_by_size_and_small_ones_by_count():
    # ~200 KB of 4-byte characters each: written as UTF-8, not as \\ud83d\\ude42 escapes (3x the bytes).
    big = accepted(60, metadata={f"k{n}": "🙂" * 1024 for n in range(50)})
    messages = _messages("org", NOW.isoformat(), big)
    assert len(messages) > 1 and all(len(m) <= MAX_MESSAGE_BYTES for m in messages)
    bodies = [json.loads(m) for m in messages]
    assert [e["event_id"] for b in bodies for e in b["events"]] == [e.event_id for e in big]
    assert {(b["org_id"], b["accepted_at"]) for b in bodies} == {("org", NOW.isoformat())}
    small = _messages("org", NOW.isoformat(), accepted(EVENTS_PER_MESSAGE + 1))
    assert [len(json.loads(m)["events"]) for m in small] == [EVENTS_PER_MESSAGE, 1]
