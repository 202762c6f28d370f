"""Importers on the fixture files (written for these tests, in each tool's real shape)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from netra_analytics.importers import ImportFormatError, convert, records
from shared_lib.usage import parse_batch

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


def imported(format_name: str, filename: str, feature: str | None = None):
    rows = convert(format_name, records((FIXTURES / filename).read_bytes()), feature)
    return parse_batch(rows, "org-x", NOW)


def test_openai_chat_completions():
    events, rejected = imported("openai", "openai_chat_completions.jsonl", feature="imported")
    first, second = events
    assert (first.event_id, first.model, first.input_tokens, first.cached_input_tokens, first.output_tokens) == ("chatcmpl-A1", "gpt-4o", 5000, 4000, 1000)
    assert (first.feature, first.user_id) == ("support-bot", "u-7")
    assert first.timestamp == dt.datetime.fromtimestamp(1795600000, dt.timezone.utc)
    assert (second.reasoning_tokens, second.output_tokens, second.feature) == (1500, 2000, "imported")
    assert rejected == [{"index": 2, "error": "input_tokens is required"}]


def test_litellm_spend_logs():
    events, rejected = imported("litellm", "litellm_spend_logs.json")
    assert rejected == []
    first, second = events
    assert (first.provider, first.model, first.cost_usd, first.cached_input_tokens) == ("openai", "gpt-4o", Decimal("0.0075"), 200)
    assert (first.latency_ms, first.ttft_ms, first.feature, first.user_id) == (1250, 300, "checkout-assistant", "u-1")
    assert (second.provider, second.model, second.status, second.latency_ms) == ("vertex", "gemini-2.5-flash", "error", 30000)


def test_langfuse_observations():
    events, rejected = imported("langfuse", "langfuse_observations.json")
    assert rejected == []
    first, second = events
    # Langfuse counts every "input…" usage type as input: 5,000 + 2,000 read + 3,000 written.
    assert (first.input_tokens, first.cached_input_tokens, first.cache_write_tokens, first.output_tokens) == (10_000, 2000, 3000, 100)
    assert (first.provider, first.cost_usd, first.latency_ms, first.ttft_ms, first.feature) == ("anthropic", Decimal("0.00756"), 2000, 400, "summarize-ticket")
    assert (second.provider, second.status, second.cost_usd) == ("openai", "error", None)


def test_the_wrong_format_names_the_columns_it_expected():
    with pytest.raises(ImportFormatError, match="not a litellm export: records need request_id, startTime"):
        convert("litellm", records((FIXTURES / "openai_chat_completions.jsonl").read_bytes()))
    with pytest.raises(ImportFormatError, match="unknown format 'csv'"):
        convert("csv", [])
