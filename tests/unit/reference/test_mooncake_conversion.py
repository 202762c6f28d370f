"""Mooncake trace lines become calls and usage events as ADR 0017's conversion says."""

import gzip
import json
from decimal import Decimal

import pytest

from tests.reference.mooncake import TraceError, calls, usage_events
from tests.reference.prompt_cache import Position


def trace(tmp_path, *rows):
    path = tmp_path / "trace.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)
    return path


def test_full_blocks_become_the_chain_and_the_partial_block_is_not_shared(tmp_path):
    path = trace(
        tmp_path,
        # 1,300 tokens: blocks of 512 and 1,024 are full, the last 276 tokens are a partial block.
        {"timestamp": 1500, "input_length": 1300, "output_length": 7, "hash_ids": [4, 5, 6]},
        # Exactly 1,024 tokens: both blocks full.
        {"timestamp": 1500, "input_length": 1024, "output_length": 9, "hash_ids": [4, 8]},
    )
    first, second = calls(path)
    assert (first.time, first.event_id, first.input_tokens, first.output_tokens) == (
        Decimal("1.5"),
        "mooncake-conversation-00001",
        1300,
        7,
    )
    assert first.chain == (Position("mooncake4", 512, "block"), Position("mooncake5", 1024, "block"))
    assert second.chain == (Position("mooncake4", 512, "block"), Position("mooncake8", 1024, "block"))
    assert second.event_id > first.event_id


def test_usage_events_are_successful_sonnet_calls_from_the_stated_start(tmp_path):
    path = trace(tmp_path, {"timestamp": 61_250, "input_length": 600, "output_length": 3, "hash_ids": [0, 1]})
    assert list(usage_events(path)) == [
        {
            "event_id": "mooncake-conversation-00001",
            "timestamp": "2026-11-16T18:01:01.250Z",
            "provider": "anthropic",
            "model": "claude-sonnet-4-5",
            "feature": "chat",
            "status": "success",
            "input_tokens": 600,
            "output_tokens": 3,
            "prefix_chain": [{"hash": "mooncake0", "tokens": 512, "at": "block"}],
        }
    ]


def test_a_chain_longer_than_an_event_carries_keeps_its_first_63_and_its_last(tmp_path):
    path = trace(tmp_path, {"timestamp": 0, "input_length": 512 * 70, "output_length": 1, "hash_ids": list(range(70))})
    (carried,) = calls(path, carried=True)
    assert len(carried.chain) == 64
    assert (carried.chain[62].tokens, carried.chain[63]) == (63 * 512, Position("mooncake69", 70 * 512, "block"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "2: not JSON"),
        ({"timestamp": 0, "input_length": 1300, "output_length": 1, "hash_ids": [1, 2]}, "2 hash_ids for 1300"),
        ({"timestamp": -1, "input_length": 10, "output_length": 1, "hash_ids": [1]}, "timestamp must be"),
    ],
)
def test_a_bad_line_is_named_by_its_number(tmp_path, line, message):
    good = {"timestamp": 0, "input_length": 10, "output_length": 1, "hash_ids": [1]}
    with pytest.raises(TraceError, match=message):
        list(calls(trace(tmp_path, good, line)))
