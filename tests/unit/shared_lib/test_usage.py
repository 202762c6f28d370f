import datetime as dt
import json
from decimal import Decimal

import pytest

from shared_lib.usage import InvalidRow, parse_batch, parse_row

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


def row(**changes):
    base = {
        "event_id": "evt-1",
        "timestamp": "2026-11-25T11:59:00Z",
        "user_id": "u-1",
        "feature": "support-bot",
        "provider": "OpenAI",
        "model": "gpt-4o",
        "input_tokens": 5000,
        "output_tokens": 1000,
        "cached_input_tokens": 4000,
        "reasoning_tokens": 0,
        "latency_ms": 1800,
        "ttft_ms": 350,
        "status": "success",
        "prompt_hash": "a1b2",
        "prefix_hash": "c3d4",
        "max_tokens": 2048,
        "interactive": True,
        "metadata": {"region": "eu"},
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def test_a_good_row_is_normalised_and_takes_the_callers_org():
    accepted, rejected = parse_batch([row(cost_usd="0.0175")], "org-a", NOW)
    assert rejected == []
    event = accepted[0]
    assert (event.org_id, event.provider, event.cost_usd, event.timestamp) == (
        "org-a",
        "openai",
        Decimal("0.0175"),
        NOW - dt.timedelta(minutes=1),
    )
    assert event.to_json()["timestamp"] == "2026-11-25T11:59:00+00:00"


def test_an_event_reads_back_from_its_queued_json_unchanged():
    # What intake queues (to_json) is what the consumer validates again (parse_row).
    [event], _ = parse_batch(
        [row(cost_usd="0.0175", price_version="v9", finish_reason="length", cache_write_tokens=7, batch=True)],
        "org-a",
        NOW,
    )
    queued = json.loads(json.dumps(event.to_json()))
    assert list(queued)[:3] == ["event_id", "timestamp", "org_id"] and queued["cost_usd"] == "0.0175"
    assert parse_row({k: v for k, v in queued.items() if v is not None}, "org-a", NOW, check_window=False) == event


def test_defaults_for_optional_fields():
    event = parse_batch(
        [
            {
                "event_id": "e",
                "timestamp": NOW.timestamp(),
                "provider": "anthropic",
                "model": "m",
                "input_tokens": 1,
                "output_tokens": 1,
            }
        ],
        "org",
        NOW,
    )[0][0]
    assert (event.feature, event.status, event.interactive, event.batch, event.cost_usd, event.ttft_ms) == (
        "default",
        "success",
        True,
        False,
        None,
        None,
    )


def test_bad_rows_are_rejected_with_their_reason_and_good_rows_kept():
    rows = [
        row(event_id="ok-1"),
        row(input_tokens=-5),
        row(provider="acme"),
        row(status="weird"),
        row(timestamp="2030-01-01T00:00:00Z"),
        row(timestamp="2026-11-25T11:00:00"),
        row(cached_input_tokens=6000),
        row(reasoning_tokens=2000),
        row(ttft_ms=5000),
        row(org_id="org-b"),
        row(colour="red"),
        row(model=...),
        row(cost_usd="lots"),
        row(cost_usd=-1),
        row(metadata={"n": 1}),
        "not an object",
        row(event_id="ok-2"),
    ]
    accepted, rejected = parse_batch(rows, "org-a", NOW)
    assert [e.event_id for e in accepted] == ["ok-1", "ok-2"]
    reasons = {r["index"]: r["error"] for r in rejected}
    assert reasons[1] == "input_tokens must be a non-negative integer, got -5"
    assert reasons[2].startswith("provider must be one of")
    assert reasons[3].startswith("status must be one of")
    assert reasons[4] == "timestamp is in the future (beyond the allowed clock skew)"
    assert reasons[5].startswith("timestamp needs a time zone")
    assert "cannot exceed input_tokens" in reasons[6]
    assert "cannot exceed output_tokens" in reasons[7]
    assert reasons[8] == "ttft_ms cannot exceed latency_ms"
    assert reasons[9] == "org_id does not match the caller's organization"
    assert reasons[10] == "unknown field(s): colour"
    assert reasons[11] == "model is required"
    assert reasons[12].startswith("cost_usd is not a number")
    assert reasons[13] == "cost_usd must be a finite, non-negative amount"
    assert reasons[14].startswith("metadata keys and values must be strings")
    assert reasons[15] == "a usage event must be a JSON object"
    assert len(rejected) == 15


def test_a_body_that_is_not_a_list_is_refused_whole():
    with pytest.raises(InvalidRow, match="JSON array"):
        parse_batch({"event_id": "x"}, "org", NOW)
