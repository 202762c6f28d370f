"""`create` of an SDK resource (OpenAI's chat.completions, Anthropic's messages), recorded.

The SDKs are never imported: a client is recognised by its methods, so the package imports
without them. The call itself is the SDK's, unchanged; its result is returned as it came (a
stream wrapped so that reading it also records it), and an error it raises is recorded and
raised again.
"""

from __future__ import annotations

import abc
import functools
import inspect
import logging
import time
from typing import TYPE_CHECKING, Any

from netra_client.client import current_context

if TYPE_CHECKING:
    from netra_client.client import Netra

log = logging.getLogger("netra_client")
_WRAPPED = "__netra_wrapped__"


def wrap_create(netra: Netra, resource: Any, provider: str, call: dict, method: str = "create") -> None:
    """Patches `resource.<method>` to record each call. `call`: the wrap's own keywords (feature,
    ...), under those of the `Netra.context` the call is made in."""
    original = getattr(resource, method, None)
    if original is None or getattr(original, _WRAPPED, False):
        return
    recorders = {"openai": netra.record_openai, "anthropic": netra.record_anthropic}
    record = recorders[provider]

    # One wrapper for both kinds of client: an async SDK's create returns an awaitable (its
    # methods are not always coroutine functions to inspect: the SDKs decorate them).
    @functools.wraps(original)
    def create(*args: Any, **kwargs: Any) -> Any:
        # The context as the call starts: a stream may be read to its end outside it.
        started, options = time.perf_counter(), {**call, **current_context()}
        try:
            response = original(*args, **kwargs)
        except Exception as exc:
            netra.record_failure(provider, kwargs, exc, latency_ms=_since(started), **options)
            raise
        if inspect.isawaitable(response):
            return _awaited(response, kwargs, started, options)
        return _after(kwargs, response, started, options)

    async def _awaited(pending: Any, kwargs: dict, started: float, options: dict) -> Any:
        try:
            response = await pending
        except Exception as exc:
            netra.record_failure(provider, kwargs, exc, latency_ms=_since(started), **options)
            raise
        return _after(kwargs, response, started, options)

    def _after(kwargs: dict, response: Any, started: float, options: dict) -> Any:
        if not kwargs.get("stream"):
            record(kwargs, response, latency_ms=_since(started), **options)
            return response
        stream_class = OpenAIStream if provider == "openai" else AnthropicStream

        def finish(summary: dict | None, ttft_ms: float | None) -> None:
            if summary is not None:
                record(kwargs, summary, latency_ms=_since(started), ttft_ms=ttft_ms, **options)

        return stream_class(response, finish, started)

    setattr(create, _WRAPPED, True)
    setattr(resource, method, create)


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class RecordedStream(abc.ABC):
    """An SDK stream read through: each event is seen on its way to the caller, and the call
    is recorded once, when the stream ends or is closed. Anything else is the SDK stream's."""

    def __init__(self, stream: Any, finish: Any, started: float):
        self._stream, self._finish, self._started = stream, finish, started
        self._ttft_ms: float | None = None
        self._done = False
        self._iterator: Any = None
        self._aiterator: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    # sync
    def __iter__(self) -> RecordedStream:
        if self._iterator is None:
            self._iterator = iter(self._stream)
        return self

    def __next__(self) -> Any:
        if self._iterator is None:
            self._iterator = iter(self._stream)
        try:
            item = next(self._iterator)
        except StopIteration:
            self._end()
            raise
        self._see(item)
        return item

    def __enter__(self) -> RecordedStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._end()
        self._stream.close()

    # async
    def __aiter__(self) -> RecordedStream:
        if self._aiterator is None:
            self._aiterator = self._stream.__aiter__()
        return self

    async def __anext__(self) -> Any:
        if self._aiterator is None:
            self._aiterator = self._stream.__aiter__()
        try:
            item = await self._aiterator.__anext__()
        except StopAsyncIteration:
            self._end()
            raise
        self._see(item)
        return item

    async def __aenter__(self) -> RecordedStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._end()
        await self._stream.close()

    def _see(self, item: Any) -> None:
        try:
            if self._ttft_ms is None and self.first_token(item):
                self._ttft_ms = _since(self._started)
            self.observe(item)
        except Exception:  # noqa: BLE001 - a stream we cannot read is the caller's still
            log.warning("netra_client: could not read a stream event", exc_info=True)

    def _end(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            self._finish(self.summary(), self._ttft_ms)
        except Exception:  # noqa: BLE001
            log.warning("netra_client: could not record a stream", exc_info=True)

    @abc.abstractmethod
    def first_token(self, item: Any) -> bool:
        """Whether `item` carries the answer's first token."""

    @abc.abstractmethod
    def observe(self, item: Any) -> None:
        """Keeps what the record needs of `item`."""

    @abc.abstractmethod
    def summary(self) -> dict | None:
        """The response as the record_* methods read it, or None when there is nothing to record."""


_warned_no_usage = False


class OpenAIStream(RecordedStream):
    """ChatCompletionChunks: the usage arrives in a last chunk without choices, only when the
    request asked stream_options={"include_usage": True}."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self._id = self._model = self._reason = self._usage = None

    def first_token(self, chunk: Any) -> bool:
        return any(
            getattr(getattr(c, "delta", None), "content", None)
            or getattr(getattr(c, "delta", None), "tool_calls", None)
            for c in (getattr(chunk, "choices", None) or [])
        )

    def observe(self, chunk: Any) -> None:
        self._id, self._model = self._id or getattr(chunk, "id", None), self._model or getattr(chunk, "model", None)
        for choice in getattr(chunk, "choices", None) or []:
            self._reason = getattr(choice, "finish_reason", None) or self._reason
        self._usage = getattr(chunk, "usage", None) or self._usage

    def summary(self) -> dict | None:
        global _warned_no_usage
        if self._usage is None:
            if not _warned_no_usage:
                _warned_no_usage = True
                log.warning(
                    'netra_client: a streamed chat completion without stream_options={"include_usage": True} '
                    "has no token counts and is not recorded"
                )
            return None
        return {
            "id": self._id,
            "model": self._model,
            "usage": self._usage,
            "choices": [{"finish_reason": self._reason}],
        }


class AnthropicStream(RecordedStream):
    """Messages stream events: message_start carries the prompt's counts, message_delta the
    stop reason and the output so far (and, on newer API versions, the prompt's again)."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self._message: dict = {}
        self._usage: dict = {}

    def first_token(self, event: Any) -> bool:
        return getattr(event, "type", None) == "content_block_delta"

    def observe(self, event: Any) -> None:
        kind = getattr(event, "type", None)
        if kind == "message_start":
            message = event.message
            self._message.update(id=message.id, model=message.model)
            self._usage.update(_counts(message.usage))
        elif kind == "message_delta":
            self._message["stop_reason"] = getattr(event.delta, "stop_reason", None)
            self._usage.update(_counts(event.usage))

    def summary(self) -> dict | None:
        return {**self._message, "usage": self._usage} if self._message else None


def _counts(usage: Any) -> dict:
    names = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
    return {n: v for n in names if isinstance(v := getattr(usage, n, None), int)}
