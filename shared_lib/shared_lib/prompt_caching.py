"""Provider prompt caching: what each provider caches (minimums, lifetimes, write prices) and a
request-by-request simulation of it over prefix chains (ADR 0017).

The rules, from the providers' documentation:
- Anthropic (docs.anthropic.com/en/docs/build-with-claude/prompt-caching): explicit
  `cache_control` breakpoints, at most 4 per request; the cache is looked up at block boundaries
  up to 20 before each breakpoint; an entry lives 5 minutes (or 1 hour) since its last use,
  refreshed on every hit; writes cost 1.25x (2x for 1 hour) the input price, reads 0.1x; a
  model's minimum cacheable prompt.
- OpenAI (platform.openai.com/docs/guides/prompt-caching): automatic for prompts of 1,024+
  tokens, hits in 128-token increments, kept 5-10 minutes idle (the shorter bound is taken) or
  24 hours on the models with extended retention; no write charge.
- Gemini 2.5 implicit caching (ai.google.dev/gemini-api/docs/caching): automatic from the model's
  minimum, no write or storage charge; its lifetime is not published (5 minutes is taken).

The simulation knows what is shared only at a chain's positions, so a read is never longer than
the longest cached position: exact for the chain given, a lower bound of what a finer chain shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal

from shared_lib.pricing import provider_id

CACHE_TTL_SECONDS = 300  # the profile counts writes for this lifetime (netra_analytics.profile.CACHE_TTLS)
# Anthropic's 1-hour cache: writes cost 2x the base input price instead of 1.25x, reads the
# same 0.1x (docs.anthropic.com/en/docs/build-with-claude/prompt-caching, "1-hour cache
# duration"): worth it when gaps between 5 and 60 minutes would otherwise rewrite the prefix.
LONG_CACHE_TTL_SECONDS = 3600
LONG_CACHE_WRITE = Decimal(2)


def cache_options(provider: str) -> list[tuple[int, Decimal | None]]:
    """(lifetime in seconds since last use, write price as a multiple of the input price;
    None: the catalog's cache-write price) of each prompt cache the provider offers."""
    options: list[tuple[int, Decimal | None]] = [(CACHE_TTL_SECONDS, None)]
    if provider_id(provider) == "anthropic":
        options.append((LONG_CACHE_TTL_SECONDS, LONG_CACHE_WRITE))
    return options


# Anthropic's minimum cacheable prompt per model (docs.anthropic.com/en/docs/build-with-claude/
# prompt-caching, "Cache limitations"): 4,096 for Opus 4.5/4.6 and Haiku 4.5, 2,048 for Haiku
# 3/3.5, 1,024 for the Sonnets and earlier Opus models. First match of the name wins.
_ANTHROPIC_MIN_PREFIX = (
    ("claude-opus-4-5", 4096),
    ("claude-opus-4-6", 4096),
    ("claude-haiku-4-5", 4096),
    ("haiku", 2048),
)


def min_cached_prefix(provider: str, model: str) -> int:
    """The shortest prefix the provider will cache for this model."""
    provider = provider_id(provider)
    if provider == "anthropic":
        return next((tokens for name, tokens in _ANTHROPIC_MIN_PREFIX if name in model), 1024)
    if provider == "google" and "pro" in model:
        return 2048
    return 1024


# OpenAI extended prompt-cache retention: `prompt_cache_retention="24h"` keeps a prefix up to 24
# hours, at no extra charge (OpenAI writes cost the input price either way), on the models the
# guide lists (platform.openai.com/docs/guides/prompt-caching, "Extended prompt cache
# retention"): gpt-5.1 and its codex and chat ids, gpt-5, gpt-5-codex and gpt-4.1. Exactly those:
# the minis and nanos are not listed, so they are not assumed, and neither is a later family
# until the guide names it. A call's id is compared as sent and as the catalog names it (a dated
# id such as gpt-4.1-2025-04-14 is gpt-4.1).
EXTENDED_CACHE_TTL_SECONDS = 86400
_EXTENDED_RETENTION = frozenset({"gpt-5.1", "gpt-5.1-codex", "gpt-5.1-chat-latest", "gpt-5", "gpt-5-codex", "gpt-4.1"})
# Gemini 2.5 implicit caching: on by default, no cache-write or storage charge, cached reads at
# the catalog's cache-read price, for prompts that share a prefix of at least the model's minimum
# (ai.google.dev/gemini-api/docs/caching, "Implicit caching"). Its lifetime is not published:
# priced as the 5-minute cache, the shortest any provider keeps.
IMPLICIT_CACHE_PROVIDERS = ("google",)


def cache_options_for(provider: str, model: str) -> list[tuple[int, Decimal | None]]:
    """`cache_options` plus the model-specific ones (OpenAI's 24-hour retention)."""
    options = cache_options(provider)
    if provider_id(provider) == "openai" and extended_retention(model):
        options.append((EXTENDED_CACHE_TTL_SECONDS, None))
    return options


def extended_retention(model: str) -> bool:
    """Whether OpenAI lists the model for 24-hour prompt-cache retention."""
    import re

    from shared_lib.pricing import canonical_model

    undated = re.sub(r"-\d{4}-\d{2}-\d{2}$", "", model)  # gpt-4.1-2025-04-14, even where the catalog lacks the date
    return bool({model, undated, canonical_model("openai", model)} & _EXTENDED_RETENTION)


# Where an Anthropic policy puts its breakpoints (ADR 0017); automatic caching has none.
POLICIES = ("prompt_end", "system", "system_and_prompt_end")
AUTOMATIC = "automatic"
LOOKBACK = 20  # Anthropic looks for a hit up to 20 block boundaries before a breakpoint
MAX_BREAKPOINTS = 4
_OPENAI_STEP = 128  # OpenAI caches in 128-token increments past the first 1,024
_PRUNE_EVERY = 65536  # calls between sweeps of expired entries (memory, not the result)


@dataclasses.dataclass(frozen=True)
class Policy:
    name: str  # one of POLICIES, or AUTOMATIC
    ttl_seconds: int


def policies_for(provider: str, model: str) -> list[Policy]:
    """The caching a team can deploy for this model: Anthropic's breakpoint policies with each
    lifetime it offers; automatic caching with each retention for OpenAI and Gemini."""
    ttls = [ttl for ttl, _ in cache_options_for(provider, model)]
    if provider_id(provider) == "anthropic":
        return [Policy(name, ttl) for name in POLICIES for ttl in ttls]
    if provider_id(provider) in ("openai", *IMPLICIT_CACHE_PROVIDERS):
        return [Policy(AUTOMATIC, ttl) for ttl in ttls]
    return []


@dataclasses.dataclass
class Tally:
    """What one policy did to a workload's calls with a chain."""

    policy: str
    ttl_seconds: int
    calls: int = 0  # calls simulated (those with a chain)
    input_tokens: int = 0  # their prompt tokens
    calls_read: int = 0
    calls_written: int = 0
    read_tokens: int = 0
    written_tokens: int = 0
    breakpoints: int = 0  # calls that had a position for the policy's breakpoints

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


class Simulation:
    """A workload's calls, fed in time order (ties in event-id order), through every policy at
    once. Each policy keeps its own cache: prefix hash -> the instant (ms) its entry expires."""

    def __init__(self, provider: str, model: str, policies: Sequence[Policy] | None = None) -> None:
        self.policies = list(policies_for(provider, model) if policies is None else policies)
        self.minimum = min_cached_prefix(provider, model)
        self.rounded = provider_id(provider) == "openai"
        self._caches: list[dict] = [{} for _ in self.policies]
        self.tallies = [Tally(p.name, p.ttl_seconds) for p in self.policies]
        self.seen = 0  # calls with a chain

    def add(self, ms: int, input_tokens: int, tokens: Sequence[int], hashes: Sequence, at: Sequence[str]) -> None:
        """One call: its time (ms), prompt size and chain (positions' tokens, hashes, kinds)."""
        self.add_call(ms, input_tokens, tokens, hashes, at.index("system") if "system" in at else None)

    def add_call(self, ms: int, input_tokens: int, tokens: Sequence[int], hashes: Sequence, system: int | None) -> None:
        """`add` with the chain's first system position given (None: none): what the warehouse
        read computes in SQL, with each hash as a 64-bit integer (cheaper to move and to look up).
        The loop is written for speed (it runs once per chained call and policy): each policy's
        breakpoints, lookups and counts inline, the rules of the module docstring and ADR 0017."""
        if not tokens:
            return
        self.seen += 1
        if self.seen % _PRUNE_EVERY == 0:
            self._prune(ms)
        last = len(tokens) - 1
        minimum = self.minimum
        for policy, cache, tally in zip(self.policies, self._caches, self.tallies, strict=True):
            until_new = ms + policy.ttl_seconds * 1000
            tally.calls += 1
            tally.input_tokens += input_tokens
            name = policy.name
            if name == AUTOMATIC:
                read = self._automatic(cache, ms, until_new, tokens, hashes)
                if read:
                    tally.calls_read += 1
                    tally.read_tokens += read
                continue
            if name == "prompt_end" or (name == "system_and_prompt_end" and (system is None or system == last)):
                points = (last,)
            elif name == "system":
                if system is None:
                    continue
                points = (system,)
            else:
                points = (system, last)
            tally.breakpoints += 1
            hit = -1
            for point in points:  # the longest live entry within LOOKBACK positions of a breakpoint
                p = point
                stop = point - LOOKBACK - 1 if point > LOOKBACK else -1
                while p > stop and p > hit and tokens[p] >= minimum:
                    until = cache.get(hashes[p])
                    if until is not None and until >= ms:
                        hit = p
                        break
                    p -= 1
            read = tokens[hit] if hit >= 0 else 0
            if hit >= 0:
                cache[hashes[hit]] = until_new
                tally.calls_read += 1
                tally.read_tokens += read
            written = 0
            for point in points:
                if tokens[point] >= minimum:
                    cache[hashes[point]] = until_new
                    if tokens[point] - read > written:
                        written = tokens[point] - read
            if written:
                tally.calls_written += 1
                tally.written_tokens += written

    def _prune(self, ms: int) -> None:
        """Drops expired entries (memory only: an expired entry is never read again)."""
        for cache in self._caches:
            for digest in [d for d, until in cache.items() if until < ms]:
                del cache[digest]

    def _automatic(self, cache, ms, until_new, tokens, hashes) -> int:
        minimum, best = self.minimum, 0
        for p in range(len(tokens) - 1, -1, -1):
            if tokens[p] < minimum:
                break
            until = cache.get(hashes[p])
            if until is not None and until >= ms:
                best = tokens[p]
                break
        for p in range(len(tokens) - 1, -1, -1):  # the whole prompt is cached, each position of it
            if tokens[p] < minimum:
                break
            cache[hashes[p]] = until_new
        if best and self.rounded:
            best = minimum + (best - minimum) // _OPENAI_STEP * _OPENAI_STEP
        return best
