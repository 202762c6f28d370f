"""`Netra`: records LLM calls as usage events and sends them in the background."""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from netra_client import events
from netra_client.sender import Sender, SenderStats

log = logging.getLogger("netra_client")

# Per-call attribution set by `Netra.context` (a web request's user, the feature it serves).
_CONTEXT: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar("netra_context", default=None)


def current_context() -> Mapping[str, Any]:
    """The keywords of the innermost `Netra.context` around this call ({} outside any)."""
    return _CONTEXT.get() or {}


class Netra:
    """Records calls to OpenAI, Anthropic and Gemini as Netra usage events.

    `api_key` and `base_url` default to NETRA_API_KEY and NETRA_ANALYTICS_URL (read once, here).
    Events go to `{base_url}/api/usage` in batches (see `netra_client.sender`); recording
    never raises into the caller and never sends prompt or answer text.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        feature: str = "default",
        interactive: bool = True,
        max_queue: int = 10_000,
        batch_size: int = 500,
        flush_interval: float = 2.0,
        max_retries: int = 5,
        backoff: float = 0.5,
        timeout: float = 10.0,
    ):
        api_key = api_key or os.environ.get("NETRA_API_KEY")
        base_url = base_url or os.environ.get("NETRA_ANALYTICS_URL")
        if not api_key:
            raise ValueError("Netra needs an API key: pass api_key= or set NETRA_API_KEY")
        if not base_url or not base_url.startswith(("http://", "https://")):
            raise ValueError("Netra needs base_url= (or NETRA_ANALYTICS_URL): the http(s) URL of Netra's API")
        self.feature, self.interactive = feature, interactive
        self._sender = Sender(
            base_url.rstrip("/") + "/api/usage",
            api_key,
            max_queue=max_queue,
            batch_size=batch_size,
            flush_interval=flush_interval,
            max_retries=max_retries,
            backoff=backoff,
            timeout=timeout,
        )
        atexit.register(self._at_exit)

    # -- recording ------------------------------------------------------------------------

    def record_openai(self, request: Mapping[str, Any], response: Any, **call: Any) -> dict | None:
        """Records a chat completion: `request` the keyword arguments of
        `chat.completions.create`, `response` its ChatCompletion (or its dict). Keywords:
        latency_ms, ttft_ms, feature, user_id, metadata, interactive, timestamp, provider
        (for an OpenAI-compatible provider other than OpenAI). Returns the event queued, or
        None when it could not be made (logged)."""
        return self._record(events.openai_event, request, response, call)

    def record_anthropic(self, request: Mapping[str, Any], response: Any, **call: Any) -> dict | None:
        """Records a Messages call: `request` the keyword arguments of `messages.create`,
        `response` its Message (or its dict). Keywords as `record_openai`."""
        return self._record(events.anthropic_event, request, response, call)

    def record_gemini(self, request: Mapping[str, Any], response: Any, **call: Any) -> dict | None:
        """Records a google-genai `models.generate_content` call: `request` its keyword
        arguments (model, contents, config), `response` its GenerateContentResponse (or its
        dict). Keywords as `record_openai`."""
        return self._record(events.gemini_event, request, response, call)

    def record_failure(self, provider: str, request: Mapping[str, Any], error: BaseException, **call: Any) -> None:
        """Records a call that raised (no tokens known; status rate_limited, timeout or error)."""
        self._record(lambda req, err, **ctx: events.failed_event(provider, req, err, **ctx), request, error, call)

    @contextlib.contextmanager
    def context(self, **call: Any) -> Iterator[None]:
        """Within it, calls are recorded with these keywords (feature, user_id, metadata,
        interactive) unless a call gives its own: e.g. around a web request."""
        token = _CONTEXT.set({**(_CONTEXT.get() or {}), **call})
        try:
            yield
        finally:
            _CONTEXT.reset(token)

    def _record(self, make: Callable[..., dict], request: Any, response: Any, call: dict) -> dict | None:
        try:
            context = {"feature": self.feature, "interactive": self.interactive, **(_CONTEXT.get() or {}), **call}
            event = make(dict(request or {}), response, **{k: v for k, v in context.items() if v is not None})
        except Exception:  # noqa: BLE001 - recording must never break the caller's call
            log.warning("netra_client: could not make a usage event of this call", exc_info=True)
            return None
        self._sender.submit(event)
        return event

    # -- wrapping SDK clients -------------------------------------------------------------

    def wrap_openai(self, client: Any, **call: Any) -> Any:
        """Records every `client.chat.completions.create` (and `.parse`) of an `openai.OpenAI`
        or `openai.AsyncOpenAI` client (patched in place; returned for chaining). A stream is
        recorded when it ends, if it was asked with stream_options={"include_usage": True}
        (OpenAI sends the counts only then). Keywords: as `record_openai`, for every call
        (a `context` around a call overrides them)."""
        from netra_client.wrappers import wrap_create

        wrap_create(self, client.chat.completions, "openai", call)
        wrap_create(self, client.chat.completions, "openai", call, method="parse")  # structured outputs
        return client

    def wrap_anthropic(self, client: Any, **call: Any) -> Any:
        """Records every `client.messages.create` (streamed or not) of an `anthropic.Anthropic`
        or `anthropic.AsyncAnthropic` client, patched in place and returned."""
        from netra_client.wrappers import wrap_create

        wrap_create(self, client.messages, "anthropic", call)
        return client

    # -- sending --------------------------------------------------------------------------

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Sends everything recorded so far; False if `timeout` seconds passed first."""
        return self._sender.flush(timeout)

    def close(self, timeout: float | None = 10.0) -> bool:
        """Flushes and stops sending; later records are dropped (and counted)."""
        atexit.unregister(self._at_exit)
        return self._sender.close(timeout)

    def stats(self) -> SenderStats:
        return self._sender.stats()

    def _at_exit(self) -> None:
        self._sender.close(5.0)

    def __enter__(self) -> Netra:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
