"""Builds a component's LLM gateway on the component's own clients, from its configuration
(`shared_lib.llm.config`, read at cold start) and Secret Manager.

A provider is configured when its key secret (`openai-api-key`, `anthropic-api-key`,
`gemini-api-key`) has a version; keys are re-read every five minutes (rotation without a
redeploy). Locally, providers without a key are served by the LLM emulator
(`LLM_EMULATOR_URL`, set by `netra up`).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from shared_lib.config import Settings
from shared_lib.contracts import usage_events
from shared_lib.contracts.topics import USAGE_EVENTS, path
from shared_lib.llm.budget import Budget
from shared_lib.llm.config import LlmConfig
from shared_lib.llm.gateway import LlmGateway
from shared_lib.llm.providers import EMULATOR_PATHS, PUBLIC_BASE_URLS
from shared_lib.secrets import SecretNotAvailable, SecretReader

if TYPE_CHECKING:  # the clients are built by the component (httpx and redis cost cold start)
    import httpx
    from redis import Redis

KEY_TTL_SECONDS = 300


class ProviderKeys:
    def __init__(self, secrets, emulator_url: str | None, clock=time.monotonic):
        self._secrets = secrets
        self._emulator = emulator_url.rstrip("/") if emulator_url else None
        self._clock = clock
        self._cache: dict[str, tuple[float, tuple[str, str] | None]] = {}
        self._lock = threading.Lock()

    def __call__(self, provider: str) -> tuple[str, str] | None:
        with self._lock:
            known = self._cache.get(provider)
            if known and self._clock() - known[0] < KEY_TTL_SECONDS:
                return known[1]
        endpoint = self._resolve(provider)
        with self._lock:
            self._cache[provider] = (self._clock(), endpoint)
        return endpoint

    def _resolve(self, provider: str) -> tuple[str, str] | None:
        try:
            key = self._secrets.get_text(f"{provider}-api-key", cached=False).strip()
        except SecretNotAvailable:
            key = ""
        if key:
            return PUBLIC_BASE_URLS[provider], key
        if self._emulator:
            return self._emulator + EMULATOR_PATHS[provider], "emulator-key"
        return None


def build_gateway(
    config: LlmConfig, settings: Settings, http: httpx.Client, redis: Redis, publisher: Any, secrets: SecretReader
) -> LlmGateway:
    """The gateway on the component's own HTTP client (built in its composition root)."""
    topic = path(settings.project_id, USAGE_EVENTS)

    def meter(event: dict) -> None:
        [body] = usage_events.messages(config.self_org_id, [event])
        publisher.publish(topic, body, org_id=config.self_org_id).result(timeout=10)

    return LlmGateway(
        http,
        ProviderKeys(secrets, config.emulator_url),
        Budget(redis, config.monthly_budget_usd),
        meter,
        timeout_seconds=float(config.timeout_seconds),
    )
