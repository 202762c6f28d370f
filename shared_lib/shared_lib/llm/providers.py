"""The vendors' HTTP APIs: OpenAI chat completions (also Gemini's OpenAI-compatible
endpoint) and Anthropic Messages, with structured output and usage in our terms."""

from __future__ import annotations

import dataclasses
import json

PUBLIC_BASE_URLS = {
    "openai": "https://api.openai.com/v1",
    "gemini": "https://generativelanguage.googleapis.com/v1beta/openai",
    "anthropic": "https://api.anthropic.com/v1",
}
# The same paths on the LLM emulator.
EMULATOR_PATHS = {"openai": "/v1", "gemini": "/v1beta/openai", "anthropic": "/v1"}
RETRYABLE = {408, 409, 429, 500, 502, 503, 504, 529}
ANTHROPIC_VERSION = "2023-06-01"


@dataclasses.dataclass(frozen=True)
class Route:
    provider: str  # openai | anthropic | gemini
    model: str


@dataclasses.dataclass(frozen=True)
class Reply:
    text: str
    input_tokens: int  # every prompt token, cached ones included (as in our usage events)
    output_tokens: int
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0


class ProviderError(Exception):
    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None, timeout: bool = False
    ):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.timeout = timeout

    @property
    def retryable(self) -> bool:
        return self.timeout or self.status is None or self.status in RETRYABLE


@dataclasses.dataclass(frozen=True)
class Prompt:
    system: str
    messages: list[dict]  # [{"role": "user" | "assistant", "content": str}]
    max_tokens: int
    schema: dict | None = None
    schema_name: str = "answer"
    temperature: float = 0.0


def call(http, base_url: str, key: str, route: Route, prompt: Prompt, timeout: float) -> Reply:
    if route.provider == "anthropic":
        return _anthropic(http, base_url, key, route, prompt, timeout)
    return _openai(http, base_url, key, route, prompt, timeout)


def _post(http, url: str, headers: dict, body: dict, timeout: float) -> dict:
    import httpx  # a heavy SDK: loaded at the first call, not at cold start

    try:
        response = http.post(url, headers=headers, json=body, timeout=timeout)
    except httpx.TimeoutException:
        raise ProviderError(f"no answer within {timeout:.0f} s", timeout=True) from None
    except httpx.HTTPError as exc:
        raise ProviderError(f"{type(exc).__name__}: {exc}") from None
    if response.status_code >= 400:
        retry_after = response.headers.get("retry-after")
        raise ProviderError(
            f"HTTP {response.status_code}: {response.text[:300]}",
            response.status_code,
            float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None,
        )
    try:
        return response.json()
    except ValueError:
        raise ProviderError("the answer is not JSON", response.status_code) from None


def _openai(http, base_url: str, key: str, route: Route, prompt: Prompt, timeout: float) -> Reply:
    body = {
        "model": route.model,
        "messages": [{"role": "system", "content": prompt.system}, *prompt.messages],
        "temperature": prompt.temperature,
        # OpenAI's newer models take only max_completion_tokens; Gemini's endpoint max_tokens.
        ("max_completion_tokens" if route.provider == "openai" else "max_tokens"): prompt.max_tokens,
    }
    if prompt.schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": prompt.schema_name, "schema": prompt.schema, "strict": True},
        }
    answer = _post(http, f"{base_url}/chat/completions", {"Authorization": f"Bearer {key}"}, body, timeout)
    try:
        text = answer["choices"][0]["message"].get("content") or ""
        usage = answer["usage"]
    except (KeyError, IndexError, TypeError):
        raise ProviderError("the answer has no choices or usage") from None
    return Reply(
        text,
        int(usage.get("prompt_tokens", 0)),
        int(usage.get("completion_tokens", 0)),
        int((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0),
        0,
        int((usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0),
    )


def _anthropic(http, base_url: str, key: str, route: Route, prompt: Prompt, timeout: float) -> Reply:
    body = {
        "model": route.model,
        "system": prompt.system,
        "messages": prompt.messages,
        "max_tokens": prompt.max_tokens,
        "temperature": prompt.temperature,
    }
    if prompt.schema is not None:
        body["tools"] = [
            {"name": prompt.schema_name, "description": "Answer by calling this tool.", "input_schema": prompt.schema}
        ]
        body["tool_choice"] = {"type": "tool", "name": prompt.schema_name}
    headers = {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
    answer = _post(http, f"{base_url}/messages", headers, body, timeout)
    try:
        blocks, usage = answer["content"], answer["usage"]
    except (KeyError, TypeError):
        raise ProviderError("the answer has no content or usage") from None
    tool = next((b for b in blocks if b.get("type") == "tool_use"), None)
    text = json.dumps(tool["input"]) if tool else "".join(b.get("text", "") for b in blocks if b.get("type") == "text")
    cached, written = int(usage.get("cache_read_input_tokens") or 0), int(usage.get("cache_creation_input_tokens") or 0)
    return Reply(
        text, int(usage.get("input_tokens", 0)) + cached + written, int(usage.get("output_tokens", 0)), cached, written
    )
