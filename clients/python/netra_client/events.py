"""Netra usage events from a provider's request and response (OpenAI chat completions,
Anthropic Messages, Gemini generate_content), as SDK objects or plain dicts.

Only counts, names and hashes go into an event: never the prompt or the answer.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

from netra_client.prompt import PromptHashes, Segment, hash_prompt, plain

# Finish reasons as providers spell them, lower-cased -> the usage event's. A copy of
# shared_lib.usage.PROVIDER_FINISH_REASONS: this package installs on its own, without the
# platform's shared_lib (tests/unit/clients/test_events.py holds the two equal).
PROVIDER_FINISH_REASONS = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "complete": "stop",
    "eos": "stop",
    "length": "length",
    "max_tokens": "length",
    "model_length": "length",
    "max_output_tokens": "length",
    "tool_calls": "tool_calls",
    "tool_use": "tool_calls",
    "function_call": "tool_calls",
    "tool_call": "tool_calls",
    "content_filter": "content_filter",
    "safety": "content_filter",
    "recitation": "content_filter",
    "blocklist": "content_filter",
    "prohibited_content": "content_filter",
    "spii": "content_filter",
    "refusal": "content_filter",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
    "error": "error",
    "malformed_function_call": "error",
}
# What a response id may be to serve as the event id (Netra's rule); anything else gets a uuid4.
MAX_ID = 128
# Before the conversation, in OpenAI's request: what the model reads ahead of the messages.
OPENAI_HEAD = ("tools", "functions", "response_format")
OPENAI_SYSTEM_ROLES = ("system", "developer")


def finish_reason(value: Any) -> str | None:
    value = getattr(value, "value", value)  # Gemini's FinishReason enum
    return PROVIDER_FINISH_REASONS.get(value.strip().lower()) if isinstance(value, str) else None


def field(obj: Any, *path: str) -> Any:
    """obj.a.b (or obj["a"]["b"]), None where a step is missing: SDK objects and dicts alike."""
    for name in path:
        if obj is None:
            return None
        obj = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
    return obj


def count(obj: Any, *path: str) -> int:
    value = field(obj, *path)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def openai_segments(request: Mapping[str, Any]) -> list[Segment]:
    messages = list(request.get("messages") or [])
    leading = 0
    while leading < len(messages) and field(messages[leading], "role") in OPENAI_SYSTEM_ROLES:
        leading += 1
    head = {name: request[name] for name in OPENAI_HEAD if request.get(name)}
    if leading:
        head["system"] = messages[:leading]
    return _with_head(head, messages[leading:])


def anthropic_segments(request: Mapping[str, Any]) -> list[Segment]:
    head = {name: request[name] for name in ("tools", "system") if request.get(name)}
    return _with_head(head, list(request.get("messages") or []))


def gemini_segments(request: Mapping[str, Any]) -> list[Segment]:
    config = plain(request.get("config")) or {}
    head = {name: config[name] for name in ("tools", "system_instruction") if config.get(name)}
    contents = request.get("contents")
    if contents is None:
        contents = []
    elif isinstance(contents, str) or not isinstance(contents, (list, tuple)):
        contents = [contents]
    return _with_head(head, [{"text": c} if isinstance(c, str) else c for c in contents])


def _with_head(head: dict, messages: list) -> list[Segment]:
    return ([Segment(head, "system")] if head else []) + [Segment(m, "turn") for m in messages]


def event_id(response_id: Any) -> str:
    if isinstance(response_id, str) and 0 < len(response_id) <= MAX_ID and response_id.isascii():
        if response_id.isprintable() and " " not in response_id:
            return response_id
    return uuid.uuid4().hex


def usage_event(
    *,
    provider: str,
    model: str,
    response_id: Any,
    hashes: PromptHashes,
    input_tokens: int,
    output_tokens: int,
    chain_tokens: int | None = None,
    cached_input_tokens: int = 0,
    cache_write_tokens: int = 0,
    reasoning_tokens: int = 0,
    finish: Any = None,
    status: str = "success",
    latency_ms: float | None = None,
    ttft_ms: float | None = None,
    max_tokens: Any = None,
    timestamp: dt.datetime | None = None,
    feature: str,
    user_id: str | None = None,
    interactive: bool = True,
    metadata: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One usage event as Netra's POST /api/usage takes it. `chain_tokens`: the prompt's tokens
    the chain's offsets are scaled to, when not all of `input_tokens` (Gemini's tool-use prompt)."""
    latency = max(0, round(latency_ms)) if latency_ms is not None else 0
    if timestamp is None:  # the call's start, as the cache simulation orders calls
        timestamp = dt.datetime.now(dt.timezone.utc) - dt.timedelta(milliseconds=latency)
    event: dict[str, Any] = {
        "event_id": event_id(response_id),
        "timestamp": timestamp.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z"),
        "provider": provider,
        "model": model,
        "feature": str(feature),
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        # Parts of the totals: a provider never reports more, but a bad count must not sink the event.
        "cached_input_tokens": min(cached_input_tokens, input_tokens),
        "cache_write_tokens": min(cache_write_tokens, input_tokens - min(cached_input_tokens, input_tokens)),
        "reasoning_tokens": min(reasoning_tokens, output_tokens),
        "latency_ms": latency,
        "status": status,
        "prompt_hash": hashes.prompt_hash,
        "interactive": interactive,
    }
    if ttft_ms is not None:
        event["ttft_ms"] = min(max(0, round(ttft_ms)), latency) if latency else max(0, round(ttft_ms))
    if user_id:
        event["user_id"] = str(user_id)
    if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and max_tokens >= 0:
        event["max_tokens"] = max_tokens
    if (reason := finish_reason(finish)) is not None:
        event["finish_reason"] = reason
    if chain := hashes.prefix_chain(input_tokens if chain_tokens is None else min(chain_tokens, input_tokens)):
        event["prefix_chain"] = chain
    if metadata:
        # Netra takes string values only: an id or a count given as a number is sent as its text.
        event["metadata"] = {str(k): v if isinstance(v, str) else json.dumps(plain(v)) for k, v in metadata.items()}
    return event


def openai_event(request: Mapping[str, Any], response: Any, **context: Any) -> dict[str, Any]:
    usage = field(response, "usage")
    return usage_event(
        provider=context.pop("provider", None) or "openai",
        model=field(response, "model") or request.get("model") or "unknown",
        response_id=field(response, "id"),
        hashes=hash_prompt(openai_segments(request)),
        input_tokens=count(usage, "prompt_tokens"),
        output_tokens=count(usage, "completion_tokens"),
        cached_input_tokens=count(usage, "prompt_tokens_details", "cached_tokens"),
        reasoning_tokens=count(usage, "completion_tokens_details", "reasoning_tokens"),
        finish=field((field(response, "choices") or [None])[0], "finish_reason"),
        max_tokens=request.get("max_completion_tokens", request.get("max_tokens")),
        user_id=context.pop("user_id", None) or _text(request.get("safety_identifier") or request.get("user")),
        **context,
    )


def anthropic_event(request: Mapping[str, Any], response: Any, **context: Any) -> dict[str, Any]:
    """Anthropic's input_tokens counts only the prompt after the last cache breakpoint: the
    whole prompt is it plus the tokens read from and written to the cache, as Netra counts."""
    usage = field(response, "usage")
    read, written = count(usage, "cache_read_input_tokens"), count(usage, "cache_creation_input_tokens")
    return usage_event(
        provider=context.pop("provider", None) or "anthropic",
        model=field(response, "model") or request.get("model") or "unknown",
        response_id=field(response, "id"),
        hashes=hash_prompt(anthropic_segments(request)),
        input_tokens=count(usage, "input_tokens") + read + written,
        output_tokens=count(usage, "output_tokens"),
        cached_input_tokens=read,
        cache_write_tokens=written,
        finish=field(response, "stop_reason"),
        max_tokens=request.get("max_tokens"),
        user_id=context.pop("user_id", None) or _text(field(request.get("metadata"), "user_id")),
        **context,
    )


def gemini_event(request: Mapping[str, Any], response: Any, **context: Any) -> dict[str, Any]:
    """Gemini's prompt_token_count includes the cached content; its candidates_token_count
    leaves out the thinking (thoughts_token_count), which Netra counts in output_tokens."""
    usage = field(response, "usage_metadata")
    prompt, tool_prompt = count(usage, "prompt_token_count"), count(usage, "tool_use_prompt_token_count")
    thoughts = count(usage, "thoughts_token_count")
    model = field(response, "model_version") or request.get("model") or "unknown"
    return usage_event(
        provider=context.pop("provider", None) or "google",
        model=model.removeprefix("models/") if isinstance(model, str) else "unknown",
        response_id=field(response, "response_id"),
        hashes=hash_prompt(gemini_segments(request)),
        input_tokens=prompt + tool_prompt,
        chain_tokens=prompt,  # the tool-use prompt comes after the request's own
        output_tokens=count(usage, "candidates_token_count") + thoughts,
        cached_input_tokens=count(usage, "cached_content_token_count"),
        reasoning_tokens=thoughts,
        finish=field((field(response, "candidates") or [None])[0], "finish_reason"),
        max_tokens=field(request.get("config"), "max_output_tokens"),
        **context,
    )


def failed_event(provider: str, request: Mapping[str, Any], error: BaseException, **context: Any) -> dict[str, Any]:
    """A call that raised: no tokens are known, its status is what the error says."""
    segments = {"openai": openai_segments, "anthropic": anthropic_segments}.get(provider, openai_segments)
    return usage_event(
        provider=context.pop("provider", None) or provider,
        model=request.get("model") or "unknown",
        response_id=None,
        hashes=hash_prompt(segments(request)),
        input_tokens=0,
        output_tokens=0,
        status=error_status(error),
        max_tokens=request.get("max_tokens"),
        **context,
    )


def error_status(error: BaseException) -> str:
    """Netra's status for an SDK's exception, by its HTTP status or its name (both SDKs name
    theirs APITimeoutError, RateLimitError, ...), without importing either SDK."""
    if getattr(error, "status_code", None) == 429 or "RateLimit" in type(error).__name__:
        return "rate_limited"
    if isinstance(error, TimeoutError) or "Timeout" in type(error).__name__:
        return "timeout"
    return "error"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
