"""The validator refuses exactly what the warehouse cannot store, field by field."""

import datetime as dt
from decimal import Decimal

import pytest

from shared_lib.usage import COLUMNS, MAX_COST_USD, MAX_TEXT, parse_batch

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


def row(**changes):
    return {
        "event_id": "e",
        "timestamp": "2026-11-25T11:00:00Z",
        "provider": "openai",
        "model": "gpt-4o",
        "input_tokens": 10,
        "output_tokens": 10,
        **changes,
    }


def outcome(**changes):
    accepted, rejected = parse_batch([row(**changes)], "org", NOW)
    return accepted[0] if accepted else rejected[0]["error"]


@pytest.mark.parametrize("field", ["latency_ms", "ttft_ms", "max_tokens"])
def test_uint32_columns_take_up_to_their_maximum(field):
    at_limit = {"latency_ms": 2**32 - 1, field: 2**32 - 1}  # a TTFT needs a latency at least as long
    assert getattr(outcome(**at_limit), field) == 2**32 - 1
    assert outcome(**{**at_limit, field: 2**32}) == (
        f"{field} must be at most 4294967295 (stored as {COLUMNS[field][0]}), got 4294967296"
    )


def test_token_counts_are_bounded_within_their_column():
    limit = COLUMNS["input_tokens"][1]
    assert limit < 2**64 and outcome(input_tokens=limit, output_tokens=limit).input_tokens == limit
    assert outcome(output_tokens=limit + 1).startswith("output_tokens must be at most")
    assert outcome(input_tokens=5_000_000_000).input_tokens == 5_000_000_000  # UInt64: more than a UInt32 is fine


@pytest.mark.parametrize("field", ["feature", "model", "user_id", "price_version"])
def test_a_lone_surrogate_is_refused_in_every_text_field(field):
    assert outcome(**{field: "\ud800x"}) == f"{field} contains a lone UTF-16 surrogate, which cannot be stored as text"
    assert getattr(outcome(**{field: "😀" * MAX_TEXT}), field) == "😀" * MAX_TEXT  # a real astral character is text
    assert "at most 512 characters" in outcome(**{field: "x" * (MAX_TEXT + 1)})


def test_metadata_keys_and_values_must_be_storable():
    assert "lone UTF-16 surrogate" in outcome(metadata={"k": "\udfff"})
    assert "lone UTF-16 surrogate" in outcome(metadata={"\ud83d": "v"})
    assert outcome(metadata={"k": "\U0001f600"}).metadata == {"k": "\U0001f600"}


def test_cost_fits_its_decimal_column():
    assert outcome(cost_usd=str(MAX_COST_USD)).cost_usd == MAX_COST_USD
    assert outcome(cost_usd="1000000000").startswith("cost_usd must be at most 999999999.999999999")
    # Finer than the column's 9 decimals: rounded here, half to even.
    assert outcome(cost_usd="0.0000000015").cost_usd == Decimal("0.000000002")
    assert outcome(cost_usd=0.1).cost_usd == Decimal("0.1")


def test_timestamps_the_warehouse_cannot_hold_are_refused_even_outside_the_window():
    from shared_lib.usage import InvalidRow, parse_row

    with pytest.raises(InvalidRow, match="between the years 1900 and 2299"):
        parse_row(row(timestamp="0999-01-01T00:00:00Z"), "org", NOW, check_window=False)
    assert parse_row(row(timestamp="2019-01-01T00:00:00Z"), "org", NOW, check_window=False).timestamp.year == 2019


def test_finish_reason_is_optional_and_one_of_the_known_values():
    base = {
        "event_id": "e",
        "timestamp": "2026-11-25T10:00:00Z",
        "provider": "openai",
        "model": "gpt-4o",
        "input_tokens": 1,
        "output_tokens": 1,
    }
    rows = [
        base,
        {**base, "finish_reason": "length"},
        {**base, "finish_reason": "end_turn"},
        {**base, "finish_reason": 3},
    ]
    accepted, rejected = parse_batch(rows, "org", dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc))
    assert [e.finish_reason for e in accepted] == [None, "length"]
    assert [r["index"] for r in rejected] == [2, 3]
    assert rejected[0]["error"] == (
        "finish_reason must be one of stop, length, tool_calls, content_filter, error, got 'end_turn'"
    )
    assert accepted[1].to_json()["finish_reason"] == "length"
