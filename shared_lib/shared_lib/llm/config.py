"""The LLM settings of a component, read and validated once at cold start (a bad value
fails start-up with its name, never a step later). Kept apart from the gateway so that a
component validates them without importing the gateway and the price catalog."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from shared_lib.config import EnvReader, Settings


@dataclasses.dataclass(frozen=True)
class LlmConfig:
    monthly_budget_usd: Decimal  # per org, unless the org's own limit is set in Redis
    timeout_seconds: int
    self_org_id: str  # the org Netra's own LLM calls are metered to
    emulator_url: str | None  # local runs only: providers without a key are served by the LLM emulator


def read_llm_config(settings: Settings, environ: Mapping[str, str] | None = None) -> LlmConfig:
    read = EnvReader(environ)
    emulator = read.text("llm_emulator_url", ("LLM_EMULATOR_URL",))
    budget_text = read.text("llm_monthly_budget_usd", ("LLM_MONTHLY_BUDGET_USD",), "25")
    timeout = read.integer("llm_timeout_seconds", ("LLM_TIMEOUT_SECONDS",), 30, 1, 600)
    self_org = read.text("self_org_id", ("NETRA_SELF_ORG_ID",), "netra")
    try:
        limit = Decimal(budget_text)
    except InvalidOperation:
        read.problems.append(f"LLM_MONTHLY_BUDGET_USD must be a number of dollars, got {budget_text!r}")
        limit = Decimal(0)
    if emulator and not settings.is_local:
        read.problems.append("LLM_EMULATOR_URL is for local runs only")
    read.check()
    return LlmConfig(limit, timeout, self_org, emulator)
