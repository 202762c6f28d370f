"""Mooncake's FAST '25 conversation trace as calls with prefix chains (ADR 0017's trace conversion).

Each line is one request: `timestamp` (ms from the trace's start), `input_length`,
`output_length` and `hash_ids`, one id per 512-token block, equal ids meaning an equal prefix up
to that block. A request becomes a chain of `block` positions at 512, 1,024, ... up to its last
*full* block; the partial last block is taken as not shared. See
tests/integration/agents/data/mooncake_conversation_trace.md.

`python -m tests.reference.mooncake [--trace PATH]` prints the reference's answer keys for it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import math
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from tests.reference.prompt_cache import (
    POLICIES,
    AnthropicRules,
    Call,
    OpenAIRules,
    Position,
    Prices,
    as_carried,
    cost,
    cost_without_caching,
    simulate_anthropic,
    simulate_openai,
)

# Not committed (fetched public data stays out of the repository): NETRA_MOONCAKE_TRACE names a
# copy, gzipped, of FAST25-release/traces/conversation_trace.jsonl.
TRACE = Path(
    os.environ.get("NETRA_MOONCAKE_TRACE")
    or Path(__file__).parents[1] / "integration/agents/data/mooncake_conversation_trace.jsonl.gz"
)
BLOCK_TOKENS = 512
START = dt.datetime(2026, 11, 16, 18, 0, 0, tzinfo=dt.timezone.utc)
MODEL = "claude-sonnet-4-5"
FEATURE = "chat"

# USD per MTok, from the providers' published price lists.
SONNET_45_5M = Prices(Decimal("3"), Decimal("3.75"), Decimal("0.30"), Decimal("15"))
SONNET_45_1H = Prices(Decimal("3"), Decimal("6"), Decimal("0.30"), Decimal("15"))
GPT_4O = Prices(Decimal("2.50"), Decimal("2.50"), Decimal("1.25"), Decimal("10"))
SONNET_45_MINIMUM = 1024


class TraceError(ValueError):
    pass


def requests(path: Path = TRACE) -> Iterator[tuple[int, dict]]:
    """(line number, request) for each line, checked against the trace's format."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise TraceError(f"{path}:{number}: not JSON ({e})") from None
            for name in ("timestamp", "input_length", "output_length"):
                if not isinstance(row.get(name), int) or row[name] < 0:
                    raise TraceError(f"{path}:{number}: {name} must be a whole number >= 0")
            ids = row.get("hash_ids")
            if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
                raise TraceError(f"{path}:{number}: hash_ids must be a list of whole numbers")
            if len(ids) != math.ceil(row["input_length"] / BLOCK_TOKENS):
                raise TraceError(f"{path}:{number}: {len(ids)} hash_ids for {row['input_length']} input tokens")
            yield number, row


def event_id(number: int) -> str:
    # Zero-padded so that event-id order is line order at a shared instant.
    return f"mooncake-conversation-{number:05d}"


def chain_of(row: dict) -> list[Position]:
    full_blocks = row["input_length"] // BLOCK_TOKENS
    return [Position(f"mooncake{row['hash_ids'][k - 1]}", BLOCK_TOKENS * k, "block") for k in range(1, full_blocks + 1)]


def calls(path: Path = TRACE, carried: bool = False) -> Iterator[Call]:
    """The trace as the reference's calls; `carried`: chains cut as an event carries them (64 positions)."""
    for number, row in requests(path):
        chain = chain_of(row)
        yield Call(
            Decimal(row["timestamp"]) / 1000,
            event_id(number),
            row["input_length"],
            row["output_length"],
            as_carried(chain) if carried else tuple(chain),
        )


def usage_events(path: Path = TRACE) -> Iterator[dict]:
    """The trace as Netra usage events: successful claude-sonnet-4-5 calls of one feature, from START."""
    for number, row in requests(path):
        moment = START + dt.timedelta(milliseconds=row["timestamp"])
        yield {
            "event_id": event_id(number),
            "timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "provider": "anthropic",
            "model": MODEL,
            "feature": FEATURE,
            "status": "success",
            "input_tokens": row["input_length"],
            "output_tokens": row["output_length"],
            "prefix_chain": [{"hash": p.hash, "tokens": p.tokens, "at": p.at} for p in chain_of(row)],
        }


def answer_keys(trace: list[Call]) -> list[str]:
    lines = []
    baseline = None
    for ttl, prices in ((300, SONNET_45_5M), (3600, SONNET_45_1H)):
        for policy in POLICIES:
            totals = simulate_anthropic(trace, AnthropicRules(ttl, SONNET_45_MINIMUM), policy).totals
            baseline = cost_without_caching(totals, prices)
            spend = cost(totals, prices)
            lines.append(
                f"  {MODEL} {policy:<22} ttl {ttl:>4} s: ${spend:,.2f}  saving ${baseline - spend:,.2f}"
                f"  (read {totals.read_tokens:,}, written {totals.written_tokens:,}, plain {totals.plain_tokens:,})"
            )
    lines.insert(0, f"  {MODEL} without caching: ${baseline:,.2f}")
    totals = simulate_openai(trace, OpenAIRules(300)).totals
    baseline, spend = cost_without_caching(totals, GPT_4O), cost(totals, GPT_4O)
    lines.append(f"  gpt-4o without caching: ${baseline:,.2f}")
    lines.append(
        f"  gpt-4o automatic, 300 s retention: ${spend:,.2f}  saving ${baseline - spend:,.2f}"
        f"  (read {totals.read_tokens:,}, plain {totals.plain_tokens:,})"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", type=Path, default=TRACE, help="the gzipped JSONL trace")
    trace = parser.parse_args().trace
    full = list(calls(trace))
    tokens_in, tokens_out = sum(c.input_tokens for c in full), sum(c.output_tokens for c in full)
    print(
        f"{trace.name}: {len(full):,} calls over {full[-1].time - full[0].time} s, {tokens_in:,} in, {tokens_out:,} out"
    )
    print("Whole chains (every full block):")
    print("\n".join(answer_keys(full)))
    print("Chains as an event carries them (first 63 positions and the last, ADR 0017):")
    print("\n".join(answer_keys(list(calls(trace, carried=True)))))


if __name__ == "__main__":
    main()
