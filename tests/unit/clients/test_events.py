"""Provider responses as Netra usage events: each provider's counts mapped to Netra's (every
prompt token in input_tokens, cached and written parts of it), on recorded response bodies."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shared_lib.usage import PROVIDER_FINISH_REASONS as PLATFORM_FINISH_REASONS
from shared_lib.usage import parse_row

from netra_client.events import PROVIDER_FINISH_REASONS, anthropic_event, error_status, gemini_event, openai_event


def now() -> dt.datetime:
    # Read at each check, not at import: the suite may run this file minutes after collecting it,
    # and an event stamped "now" would then be past the intake's clock skew.
    return dt.datetime.now(dt.timezone.utc)


def test_the_finish_reasons_copy_is_the_platforms():
    assert PROVIDER_FINISH_REASONS == PLATFORM_FINISH_REASONS


# A Messages response as Anthropic's API sends it (docs.anthropic.com, "Prompt caching"): 2,000
# tokens read from the cache, 1,500 written, 36 after the last breakpoint.
ANTHROPIC_RESPONSE = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [{"type": "text", "text": "The answer."}],
    "stop_reason": "max_tokens",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 36,
        "cache_read_input_tokens": 2000,
        "cache_creation_input_tokens": 1500,
        "output_tokens": 512,
    },
}


def test_anthropic_input_tokens_are_the_whole_prompt_with_the_cached_and_written_parts_of_it():
    request = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 512,
        "system": [{"type": "text", "text": "Long rules. " * 300, "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "Question?"}],
        "metadata": {"user_id": "u-42"},
    }
    event = anthropic_event(request, ANTHROPIC_RESPONSE, feature="rules", latency_ms=900)
    assert (event["input_tokens"], event["cached_input_tokens"], event["cache_write_tokens"]) == (3536, 2000, 1500)
    assert (event["output_tokens"], event["finish_reason"], event["max_tokens"]) == (512, "length", 512)
    assert (event["event_id"], event["model"], event["user_id"]) == (
        ANTHROPIC_RESPONSE["id"],
        "claude-sonnet-4-5-20250929",
        "u-42",
    )
    assert [p["at"] for p in event["prefix_chain"]] == ["system", "turn"]
    assert event["prefix_chain"][-1]["tokens"] == 3536
    parse_row(event, "org-1", now())


def test_openai_cached_and_reasoning_tokens_are_parts_of_the_prompt_and_the_output():
    request = {
        "model": "o4-mini",
        "messages": [{"role": "developer", "content": "Think."}, {"role": "user", "content": "2+2?"}],
        "max_completion_tokens": 2000,
    }
    response = {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "model": "o4-mini-2025-04-16",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"content": None}}],
        "usage": {
            "prompt_tokens": 1800,
            "completion_tokens": 700,
            "prompt_tokens_details": {"cached_tokens": 1536, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 640},
        },
    }
    event = openai_event(request, response, feature="math")
    assert (event["input_tokens"], event["cached_input_tokens"], event["cache_write_tokens"]) == (1800, 1536, 0)
    assert (event["output_tokens"], event["reasoning_tokens"]) == (700, 640)
    assert (event["finish_reason"], event["max_tokens"], event["model"]) == ("tool_calls", 2000, "o4-mini-2025-04-16")
    # The developer message is the system prompt.
    assert [p["at"] for p in event["prefix_chain"]] == ["system", "turn"]
    assert openai_event(request, response, feature="math", provider="groq")["provider"] == "groq"


def test_gemini_thinking_is_output_and_the_cached_content_part_of_the_prompt():
    request = {
        "model": "gemini-2.5-flash",
        "contents": [
            {"role": "user", "parts": [{"text": "Hello"}]},
            {"role": "model", "parts": [{"text": "Hi."}]},
            "And now?",
        ],
        "config": {"system_instruction": "Be terse.", "max_output_tokens": 300},
    }
    response = {
        "response_id": "abc123",
        "model_version": "gemini-2.5-flash",
        "candidates": [{"finish_reason": "SAFETY", "content": {"parts": [{"text": "..."}]}}],
        "usage_metadata": {
            "prompt_token_count": 1200,
            "cached_content_token_count": 1024,
            "candidates_token_count": 80,
            "thoughts_token_count": 150,
            "total_token_count": 1430,
        },
    }
    event = gemini_event(request, response, feature="chat")
    assert (event["provider"], event["event_id"]) == ("google", "abc123")
    assert (event["input_tokens"], event["cached_input_tokens"]) == (1200, 1024)
    assert (event["output_tokens"], event["reasoning_tokens"]) == (230, 150)
    assert (event["finish_reason"], event["max_tokens"]) == ("content_filter", 300)
    assert [p["at"] for p in event["prefix_chain"]] == ["system", "turn", "turn", "turn"]
    parse_row(event, "org-1", now())


def test_an_unusable_response_id_becomes_a_fresh_uuid_and_times_are_the_calls_start():
    response = {**ANTHROPIC_RESPONSE, "id": "has a space"}
    at = dt.datetime(2026, 12, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    one = anthropic_event({"messages": []}, response, feature="f", timestamp=at)
    two = anthropic_event({"messages": []}, response, feature="f", latency_ms=1500)
    assert len(one["event_id"]) == 32 and one["event_id"] != two["event_id"]
    assert one["timestamp"] == "2026-12-01T12:00:00Z"
    started = dt.datetime.fromisoformat(two["timestamp"].replace("Z", "+00:00"))
    assert dt.timedelta(seconds=1.4) < dt.datetime.now(dt.timezone.utc) - started < dt.timedelta(seconds=5)
    # No prompt at all: nothing to chain.
    assert "prefix_chain" not in one


def test_ttft_is_never_above_the_latency_and_counts_beyond_the_totals_are_capped():
    response = {
        "id": "x1",
        "usage": {
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "prompt_tokens_details": {"cached_tokens": 99},
            "completion_tokens_details": {"reasoning_tokens": 9},
        },
    }
    event = openai_event(
        {"messages": [{"role": "user", "content": "q"}]}, response, feature="f", latency_ms=100.4, ttft_ms=180
    )
    assert (event["latency_ms"], event["ttft_ms"]) == (100, 100)
    assert (event["cached_input_tokens"], event["reasoning_tokens"]) == (10, 5)
    parse_row(event, "org-1", now())


class RateLimitError(Exception):
    status_code = 429


class APITimeoutError(Exception):
    pass


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (RateLimitError(), "rate_limited"),
        (APITimeoutError(), "timeout"),
        (TimeoutError(), "timeout"),
        (ValueError(), "error"),
    ],
)
def test_an_sdk_error_is_a_status(error, status):
    assert error_status(error) == status


def test_metadata_values_are_sent_as_text():
    event = anthropic_event({"messages": []}, ANTHROPIC_RESPONSE, feature="f", metadata={"tenant": 7, "plan": "pro"})
    assert event["metadata"] == {"tenant": "7", "plan": "pro"}
    assert parse_row(event, "org-1", now()).metadata == {"tenant": "7", "plan": "pro"}


def test_an_event_is_json():
    event = anthropic_event({"messages": [{"role": "user", "content": b"\x89PNG"}]}, ANTHROPIC_RESPONSE, feature="f")
    assert json.loads(json.dumps(event)) == event
