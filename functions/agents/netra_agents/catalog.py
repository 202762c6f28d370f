"""What the optimizer knows about models beyond their prices (which come from
`shared_lib.pricing`): which smaller model of the same family serves simple tasks, and the
shortest prompt prefix each provider caches.

Right-sizing targets stay within the provider (same API, same data agreement, a one-line
change) and are the vendor's own recommendation for high-volume classification,
extraction and routing:
- OpenAI: "GPT-4o mini … for fast, inexpensive tasks"; GPT-4.1 mini / GPT-5 mini are the
  same positioning in their generations (platform.openai.com/docs/models).
- Anthropic: Claude Haiku 4.5 "for real-time, high-volume tasks … classification,
  sub-agents" (docs.anthropic.com, models overview); Haiku 3.5 for the 3.x Sonnets.
- Google: Gemini 2.5 Flash "best price-performance … high-volume tasks"
  (ai.google.dev/gemini-api/docs/models).
Prompt-caching minimums: OpenAI caches prompts of 1,024+ tokens automatically; Anthropic
caches 1,024+ (Sonnet, Opus 4/4.1), 2,048+ (Haiku 3/3.5) or 4,096+ (Opus 4.5/4.6, Haiku 4.5)
tokens marked with cache_control; Gemini
2.5 caches 1,024+ (Flash) or 2,048+ (Pro) tokens (explicit or implicit caching).
Cache lifetime: a cached prefix lives 5 minutes since its last use — Anthropic refreshes the
TTL on every hit (docs.anthropic.com prompt caching: "refreshed for no additional cost each
time the cached content is used"); OpenAI keeps prefixes 5-10 minutes idle (the shorter
bound is taken); so a prefix is written again after every gap longer than 5 minutes.
"""

from __future__ import annotations

import dataclasses
import functools
from decimal import Decimal

from shared_lib.llm.providers import Route
from shared_lib.pricing import provider_id

# What each provider caches of a prompt (minimums, lifetimes, write prices) is shared with the
# warehouse's caching simulation: one place. The optimizer reads them as catalog.*.
from shared_lib.prompt_caching import (  # noqa: F401
    CACHE_TTL_SECONDS,
    EXTENDED_CACHE_TTL_SECONDS,
    IMPLICIT_CACHE_PROVIDERS,
    LONG_CACHE_TTL_SECONDS,
    LONG_CACHE_WRITE,
    cache_options,
    cache_options_for,
    extended_retention,
    min_cached_prefix,
)

SOURCES = (
    "https://platform.openai.com/docs/models",
    "https://platform.openai.com/docs/guides/prompt-caching",
    "https://docs.anthropic.com/en/docs/about-claude/models/overview",
    "https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching",
    "https://ai.google.dev/gemini-api/docs/models",
    "https://ai.google.dev/gemini-api/docs/caching",
    "https://platform.openai.com/docs/guides/flex-processing",
    "https://platform.openai.com/docs/guides/batch",
    "https://docs.anthropic.com/en/docs/build-with-claude/batch-processing",
    "https://ai.google.dev/gemini-api/docs/batch-mode",
    "https://platform.openai.com/docs/guides/reasoning",
    "https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking",
    "https://ai.google.dev/gemini-api/docs/thinking",
)


# The agents' own LLM calls (classifying, phrasing): small, fast models, one per provider,
# in the order the gateway falls back through them.
AGENT_CHAIN = (
    Route("openai", "gpt-4o-mini"),
    Route("anthropic", "claude-haiku-4-5"),
    Route("gemini", "gemini-2.5-flash"),
)


@dataclasses.dataclass(frozen=True)
class Downgrade:
    target: str
    tier: str  # what the target is good for, said in the recommendation


_SMALL_TASKS = "classification, extraction, routing and short structured answers"
DOWNGRADES = {
    ("openai", "gpt-4o"): Downgrade("gpt-4o-mini", _SMALL_TASKS),
    ("openai", "gpt-4-turbo"): Downgrade("gpt-4o-mini", _SMALL_TASKS),
    ("openai", "gpt-4.1"): Downgrade("gpt-4.1-mini", _SMALL_TASKS),
    ("openai", "gpt-5"): Downgrade("gpt-5-mini", _SMALL_TASKS),
    ("anthropic", "claude-opus-4-1"): Downgrade("claude-haiku-4-5", _SMALL_TASKS),
    ("anthropic", "claude-sonnet-4-5"): Downgrade("claude-haiku-4-5", _SMALL_TASKS),
    ("anthropic", "claude-sonnet-4"): Downgrade("claude-haiku-4-5", _SMALL_TASKS),
    ("anthropic", "claude-3-7-sonnet-latest"): Downgrade("claude-3-5-haiku-latest", _SMALL_TASKS),
    ("anthropic", "claude-3-5-sonnet-latest"): Downgrade("claude-3-5-haiku-latest", _SMALL_TASKS),
    ("google", "gemini-2.5-pro"): Downgrade("gemini-2.5-flash", _SMALL_TASKS),
    ("google", "gemini-1.5-pro"): Downgrade("gemini-1.5-flash", _SMALL_TASKS),
}


def downgrade(provider: str, model: str) -> Downgrade | None:
    # Usage is stored under the price catalog's model ids (claude-sonnet-4 as claude-sonnet-4-0,
    # a dated id as its model): both sides are compared as the catalog names them.
    from shared_lib.pricing import canonical_model

    return _by_catalog_name().get((provider_id(provider), canonical_model(provider, model)))


@functools.cache
def _by_catalog_name() -> dict[tuple[str, str], Downgrade]:
    from shared_lib.pricing import canonical_model

    return {(provider, canonical_model(provider, model)): target for (provider, model), target in DOWNGRADES.items()}


def provider_of(model: str, hint: str | None = None) -> str | None:
    """The catalog's provider for a model named alone ("move X to claude-haiku-4-5"): the
    hint's when it sells the model, else the catalog's own match; None when nobody does."""
    from shared_lib.pricing import unit_prices

    if hint:
        try:
            unit_prices(provider_id(hint), model)
            return provider_id(hint)
        except LookupError:
            pass
    from genai_prices import data_snapshot

    try:
        provider, _ = data_snapshot.get_snapshot().find_provider_model(model, None, None, None)
    except LookupError:
        return None
    return provider.id


# Lowering reasoning effort one step (OpenAI reasoning_effort medium -> low; Anthropic a smaller
# thinking budget_tokens; Gemini a smaller thinkingBudget). ASSUMPTION, not a measurement of the
# team's traffic: one step down saves half of the reasoning tokens. OpenAI says only that lower
# effort "can result in faster responses and fewer tokens used on reasoning"
# (platform.openai.com/docs/guides/reasoning); published measurements show reasoning length
# growing markedly with each effort step — the gpt-oss model card (arXiv 2508.10925, "variable
# effort reasoning": average CoT length grows with each of low / medium / high) and Ballon et al.,
# "o3 (mini) thinks harder, not longer" (arXiv 2502.15631: o3-mini high spends substantially more
# reasoning tokens than medium, even on problems medium already solves). Half is our round reading
# of those, not a figure either source states for every task: hence medium confidence at most,
# and the rollout measures the real saving.
REASONING_SAVED_SHARE = Decimal("0.5")
REASONING_SOURCES = (
    "https://platform.openai.com/docs/guides/reasoning",
    "https://arxiv.org/abs/2508.10925",
    "https://arxiv.org/abs/2502.15631",
)


@dataclasses.dataclass(frozen=True)
class ReasoningKnob:
    setting: str  # what to change, said without claiming the level sent today (the usage does not show it)
    source: str


# The request setting that sets how much a model reasons, per provider:
# - OpenAI: `reasoning_effort` (Chat Completions) / `reasoning.effort` (Responses API), low /
#   medium / high, medium by default (platform.openai.com/docs/guides/reasoning).
# - Anthropic: extended thinking's `thinking.budget_tokens`, at least 1,024
#   (docs.anthropic.com/en/docs/build-with-claude/extended-thinking).
# - Gemini: `thinkingConfig.thinkingBudget` on 2.5 models, `thinkingConfig.thinkingLevel` on
#   Gemini 3 (high by default) (ai.google.dev/gemini-api/docs/thinking).
# Other providers: none known here, and the recommendation says so.
_REASONING_KNOBS = {
    "openai": ReasoningKnob(
        "reasoning_effort (Chat Completions) or reasoning.effort (Responses API) one level below "
        "the one sent today (medium when none is sent)",
        "https://platform.openai.com/docs/guides/reasoning",
    ),
    "anthropic": ReasoningKnob(
        "a smaller extended-thinking budget, thinking.budget_tokens (at least 1,024), than the one sent today",
        "https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking",
    ),
}
_GEMINI_BUDGET = ReasoningKnob(
    "a smaller thinkingConfig.thinkingBudget than the one sent today (dynamic when none is sent)",
    "https://ai.google.dev/gemini-api/docs/thinking",
)
_GEMINI_LEVEL = ReasoningKnob(
    "a lower thinkingConfig.thinkingLevel than the one sent today (high when none is sent)",
    "https://ai.google.dev/gemini-api/docs/thinking",
)


def reasoning_knob(provider: str, model: str) -> ReasoningKnob | None:
    """The setting that lowers the model's reasoning; None where the catalog knows of none."""
    provider = provider_id(provider)
    if provider == "google":
        return _GEMINI_LEVEL if model.startswith("gemini-3") else _GEMINI_BUDGET
    return _REASONING_KNOBS.get(provider)


def flex_factor(provider: str, model: str) -> Decimal | None:
    """OpenAI Flex processing (service_tier="flex": the synchronous API at batch prices, slower
    and sometimes unavailable; platform.openai.com/docs/guides/flex-processing): the catalog's
    Flex input price over the standard one, for models the catalog prices on Flex; None
    elsewhere. (Gemini also sells a Flex tier, but the catalog prices it for no text model.)"""
    if provider_id(provider) != "openai":
        return None
    import datetime as dt

    from genai_prices import data_snapshot

    try:
        _, info = data_snapshot.get_snapshot().find_provider_model(model, None, "openai", None)
    except LookupError:
        return None
    today = dt.date.today()
    # The Flex price in force today: of the variants already started, the latest.
    started = [
        (getattr(v.constraint, "start_date", None) or dt.date.min, v)
        for v in info.price_variants or []
        if v.when.get("service_tier") == "flex"
        and v.prices.input_mtok
        and (getattr(v.constraint, "start_date", None) or dt.date.min) <= today
    ]
    standard = info.get_prices(dt.datetime.now(dt.timezone.utc)).input_mtok
    if not started or not standard:
        return None
    _, variant = max(started, key=lambda pair: pair[0])
    return Decimal(variant.prices.input_mtok) / Decimal(standard)


# How long each provider's batch API takes to return (the rollout plan checks it against the
# job's deadline): OpenAI Batch "within 24 hours" (platform.openai.com/docs/guides/batch);
# Anthropic Message Batches "most batches finish in less than 1 hour", at most 24 hours
# (docs.anthropic.com/en/docs/build-with-claude/batch-processing); Gemini Batch Mode "retrieve your
# results within 24 hours" (developers.googleblog.com, "Batch Mode in the Gemini API", 2025-07-07;
# ai.google.dev/gemini-api/docs/batch-mode).
BATCH_TURNAROUND = {
    "openai": "results within 24 hours",
    "anthropic": "most batches within 1 hour, at most 24 hours",
    "google": "results within 24 hours",
}
