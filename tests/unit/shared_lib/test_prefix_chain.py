"""A usage event's prefix chain (ADR 0017): what is accepted, what is refused and why."""

import datetime as dt

import pytest

from shared_lib.contracts import usage_events
from shared_lib.usage import MAX_CHAIN, InvalidRow, parse_batch, parse_row

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
ROW = {
    "event_id": "e1",
    "timestamp": "2026-11-25T11:00:00Z",
    "provider": "anthropic",
    "model": "claude-sonnet-4-5",
    "input_tokens": 5000,
    "output_tokens": 100,
}


def test_a_chain_is_kept_position_by_position_with_turn_the_default_kind():
    chain = [{"hash": "sys", "tokens": 1200, "at": "system"}, {"hash": "t1", "tokens": 5000}]
    event = parse_row({**ROW, "prefix_chain": chain}, "org-a", NOW)
    assert event.prefix_chain == (("sys", 1200, "system"), ("t1", 5000, "turn"))
    assert parse_row({**ROW}, "org-a", NOW).prefix_chain == ()


def test_a_chain_survives_the_queue_and_the_consumers_second_reading():
    chain = [{"hash": f"b{k}", "tokens": 512 * k, "at": "block"} for k in range(1, 9)]
    [event], _ = parse_batch([{**ROW, "prefix_chain": chain}], "org-a", NOW)
    [body] = usage_events.positional_messages("org-a", list(event.to_json()), [event.json_values()])
    [row] = usage_events.parse(usage_events.decode(body)).rows
    assert parse_row(row, "org-a", NOW, check_window=False).prefix_chain == event.prefix_chain


@pytest.mark.parametrize(
    ("chain", "reason"),
    [
        ("abc", "prefix_chain must be a list of at most 512 positions"),
        ([{"hash": "a", "tokens": 1}] * (MAX_CHAIN + 1), "prefix_chain must be a list"),
        ([{"hash": "a"}], 'prefix_chain[0] must be {"hash", "tokens", "at"?}'),
        ([{"hash": "a", "tokens": 10, "size": 3}], "prefix_chain[0] must be"),
        ([{"hash": "a b", "tokens": 10}], "prefix_chain[0].hash must be"),
        ([{"hash": "a", "tokens": 10}, {"hash": "b", "tokens": 10}], "prefix_chain[1].tokens must be an integer above"),
        ([{"hash": "a", "tokens": 6 * 10**9}], "at most input_tokens (4294967295)"),
        ([{"hash": "a", "tokens": True}], "prefix_chain[0].tokens must be"),
        ([{"hash": "a", "tokens": 0}], "prefix_chain[0].tokens must be"),
        ([{"hash": "a", "tokens": 10, "at": "page"}], "prefix_chain[0].at must be one of system, turn, block"),
        # Stored as UInt32: a position past it could be accepted and never stored.
        ([{"hash": "a", "tokens": 2**32}], "at most input_tokens (4294967295)"),
    ],
)
def test_a_chain_that_cannot_be_read_is_refused_with_its_reason(chain, reason):
    with pytest.raises(InvalidRow) as refused:
        parse_row({**ROW, "input_tokens": 5 * 10**9, "prefix_chain": chain}, "org-a", NOW)
    assert reason in str(refused.value)


def test_a_position_past_the_prompt_is_refused():
    with pytest.raises(InvalidRow, match=r"at most input_tokens \(5000\), got 6000"):
        parse_row({**ROW, "prefix_chain": [{"hash": "a", "tokens": 6000}]}, "org-a", NOW)
