"""One call to a model, the way every agent makes it.

For each route of the request's chain, in order: reserve the worst-case cost on the org's
budget (an exhausted budget refuses before any provider is called), call with retries and
exponential backoff on 429/5xx/timeouts (honouring Retry-After), validate structured
output against its JSON schema with one repair attempt, settle the budget with the real
cost and record the call as a usage event. A route that keeps failing hands over to the
next; when none answers, `LlmUnavailable` says why, and the caller falls back to rules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable
from decimal import Decimal

from shared_lib.llm.budget import Budget
from shared_lib.llm.providers import Prompt, ProviderError, Reply, Route, call
from shared_lib.pricing import PRICED, CallUsage, price, provider_id

log = logging.getLogger("netra.llm")
# Reserved per token when the catalog does not know a model: the dearest list prices.
UNKNOWN_INPUT_USD, UNKNOWN_OUTPUT_USD = Decimal("0.000015"), Decimal("0.000075")
REPAIR = (
    "Your previous answer was not valid JSON for the required schema ({problem}). "
    "Answer again with only the corrected JSON object."
)


class LlmUnavailable(RuntimeError):
    """No route produced an acceptable answer; `attempts` says what each one did."""

    def __init__(self, attempts: list[str]):
        super().__init__("no model answered: " + "; ".join(attempts))
        self.attempts = attempts


@dataclasses.dataclass(frozen=True)
class LlmRequest:
    org_id: str
    purpose: str  # which agent asks, e.g. "triage": the usage event's feature
    prompt: Prompt
    chain: tuple[Route, ...]
    run_id: str | None = None


@dataclasses.dataclass(frozen=True)
class Completion:
    text: str
    data: dict | None  # the parsed, schema-valid JSON of a structured request
    route: Route
    cost_usd: Decimal
    latency_ms: int
    attempts: int


@dataclasses.dataclass
class LlmGateway:
    http: object
    endpoints: Callable[[str], tuple[str, str] | None]  # provider -> (base URL, key), None when not configured
    budget: Budget
    meter: Callable[[dict], None]
    max_attempts: int = 3
    timeout_seconds: float = 30.0
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 8.0
    sleep: Callable[[float], None] = time.sleep

    def complete(self, request: LlmRequest) -> Completion:
        attempts: list[str] = []
        for route in request.chain:
            endpoint = self.endpoints(route.provider)
            if endpoint is None:
                attempts.append(f"{route.provider}/{route.model}: no API key configured")
                continue
            try:
                return self._on_route(request, route, endpoint, attempts)
            except ProviderError as exc:
                attempts.append(f"{route.provider}/{route.model}: {exc}")
            except _InvalidOutput as exc:
                attempts.append(f"{route.provider}/{route.model}: invalid structured output ({exc})")
        raise LlmUnavailable(attempts)

    def _on_route(
        self, request: LlmRequest, route: Route, endpoint: tuple[str, str], attempts: list[str]
    ) -> Completion:
        prompt, tries = request.prompt, 0
        for repairing in (False, True):
            reply, latency, used = self._with_retries(request, route, endpoint, prompt)
            tries += used
            if prompt.schema is None:
                return Completion(reply.text, None, route, self._cost(route, reply), latency, tries)
            problem = _schema_problem(reply.text, prompt.schema)
            if problem is None:
                return Completion(reply.text, json.loads(reply.text), route, self._cost(route, reply), latency, tries)
            if repairing:
                raise _InvalidOutput(problem)
            attempts.append(f"{route.provider}/{route.model}: invalid structured output, asked to repair ({problem})")
            prompt = dataclasses.replace(
                prompt,
                messages=[
                    *prompt.messages,
                    {"role": "assistant", "content": reply.text},
                    {"role": "user", "content": REPAIR.format(problem=problem)},
                ],
            )
        raise AssertionError("unreachable")

    def _with_retries(
        self, request: LlmRequest, route: Route, endpoint: tuple[str, str], prompt: Prompt
    ) -> tuple[Reply, int, int]:
        base_url, key = endpoint
        for attempt in range(1, self.max_attempts + 1):
            reservation = self.budget.reserve(request.org_id, self._worst_case(route, prompt))
            started = time.monotonic()
            try:
                reply = call(self.http, base_url, key, route, prompt, self.timeout_seconds)
            except ProviderError as exc:
                self.budget.settle(reservation, Decimal(0))
                self._meter(
                    request,
                    route,
                    None,
                    _elapsed(started),
                    "timeout" if exc.timeout else "rate_limited" if exc.status == 429 else "error",
                )
                if not exc.retryable or attempt == self.max_attempts:
                    raise
                delay = exc.retry_after if exc.retry_after is not None else self.backoff_seconds * 2 ** (attempt - 1)
                self.sleep(min(delay, self.max_backoff_seconds))
                continue
            latency = _elapsed(started)
            self.budget.settle(reservation, self._cost(route, reply))
            self._meter(request, route, reply, latency, "success")
            return reply, latency, attempt
        raise AssertionError("unreachable")

    def _worst_case(self, route: Route, prompt: Prompt) -> Decimal:
        # A token is at least ~3 characters of English; the output is at most max_tokens.
        text = (
            prompt.system
            + "".join(str(m.get("content", "")) for m in prompt.messages)
            + json.dumps(prompt.schema or {})
        )
        estimate = price(CallUsage(route.provider, route.model, len(text) // 3 + 50, prompt.max_tokens))
        if estimate.status == PRICED:
            return estimate.cost_usd
        return (len(text) // 3 + 50) * UNKNOWN_INPUT_USD + prompt.max_tokens * UNKNOWN_OUTPUT_USD

    def _cost(self, route: Route, reply: Reply) -> Decimal:
        result = price(
            CallUsage(
                route.provider,
                route.model,
                reply.input_tokens,
                reply.output_tokens,
                reply.cached_input_tokens,
                reply.cache_write_tokens,
                reply.reasoning_tokens,
            )
        )
        return result.cost_usd if result.status == PRICED else Decimal(0)

    def _meter(self, request: LlmRequest, route: Route, reply: Reply | None, latency_ms: int, status: str) -> None:
        """Netra's own LLM spend, as a usage event of Netra's org (the customer in metadata)."""
        event = {
            "event_id": f"llm-{uuid.uuid4().hex}",
            "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(),
            "user_id": f"agent:{request.purpose}",
            "feature": f"agents/{request.purpose}",
            "provider": provider_id(route.provider),
            "model": route.model,
            "input_tokens": reply.input_tokens if reply else 0,
            "output_tokens": reply.output_tokens if reply else 0,
            "cached_input_tokens": reply.cached_input_tokens if reply else 0,
            "cache_write_tokens": reply.cache_write_tokens if reply else 0,
            "reasoning_tokens": reply.reasoning_tokens if reply else 0,
            "latency_ms": latency_ms,
            "status": status,
            "max_tokens": request.prompt.max_tokens,
            "interactive": True,
            "metadata": {"customer_org": request.org_id, **({"run_id": request.run_id} if request.run_id else {})},
        }
        try:
            self.meter(event)
        except Exception:  # metering must never fail the call it measures
            log.warning("LLM usage event not recorded", exc_info=True)


class _InvalidOutput(Exception):
    pass


def _schema_problem(text: str, schema: dict) -> str | None:
    import jsonschema  # a heavy SDK: loaded at the first structured answer, not at cold start

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not JSON: {exc.msg}"
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
        return f"at {where}: {exc.message}"
    return None


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
