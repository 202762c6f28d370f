"""Provider prompt caching simulated call by call on prefix chains: the reference of ADR 0017.

Written from the ADR and the providers' published rules only (Anthropic's explicit `cache_control`
breakpoints, OpenAI's automatic caching), never from the production simulation, so that its
figures can be answer keys. It is a plain loop over the calls in time order: obviously right
before fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, NamedTuple

AT_KINDS = ("system", "turn", "block")
# Used only by `as_carried`, to study what cutting a chain would change: Netra itself refuses a
# chain of more than 512 positions rather than cut it (ADR 0017).
CARRIED_POSITIONS = 64
# Anthropic checks for hits at up to 20 boundaries before each breakpoint.
LOOKBACK = 20
# OpenAI caches prompts from 1,024 tokens and reports hits in 128-token increments above that.
OPENAI_MINIMUM = 1024
OPENAI_INCREMENT = 128
ANTHROPIC_TTLS = (300, 3600)
MILLION = Decimal(1_000_000)

Policy = Literal["prompt_end", "system", "system_and_prompt_end"]
POLICIES: tuple[Policy, ...] = ("prompt_end", "system", "system_and_prompt_end")


class Position(NamedTuple):
    """The hash of the prompt's first `tokens` tokens, and what ends there."""

    hash: str
    tokens: int
    at: str


@dataclass(frozen=True)
class Call:
    """One successful call: its time in seconds, its tokens, its prompt's prefix chain."""

    time: Decimal
    event_id: str
    input_tokens: int
    output_tokens: int
    chain: tuple[Position, ...] = ()

    def __post_init__(self) -> None:
        # Times are exact (Decimal) so that "used at or after t − T" has no rounding at its edge.
        object.__setattr__(self, "time", _exact(self.time, self.event_id))
        object.__setattr__(self, "chain", tuple(Position(*p) for p in self.chain))
        if self.input_tokens < 0 or self.output_tokens < 0:
            raise ValueError(f"call {self.event_id}: token counts must not be negative")
        previous = 0
        for p in self.chain:
            if p.at not in AT_KINDS:
                raise ValueError(f"call {self.event_id}: position at={p.at!r} is not one of {AT_KINDS}")
            if p.tokens <= previous:
                raise ValueError(f"call {self.event_id}: chain tokens must be positive and strictly increasing")
            previous = p.tokens
        if previous > self.input_tokens:
            raise ValueError(f"call {self.event_id}: a chain position ({previous}) exceeds input_tokens")


def _exact(time: object, event_id: str) -> Decimal:
    if isinstance(time, Decimal):
        return time
    if isinstance(time, int):
        return Decimal(time)
    if isinstance(time, float):
        return Decimal(str(time))
    raise ValueError(f"call {event_id}: time must be seconds as a number, not {time!r}")


@dataclass(frozen=True)
class AnthropicRules:
    ttl_seconds: int
    minimum_tokens: int

    def __post_init__(self) -> None:
        if self.ttl_seconds not in ANTHROPIC_TTLS:
            raise ValueError(f"Anthropic caches for 300 or 3600 seconds, not {self.ttl_seconds}")


@dataclass(frozen=True)
class OpenAIRules:
    retention_seconds: int = 300


@dataclass(frozen=True)
class CallCacheUse:
    event_id: str
    read_tokens: int
    written_tokens: int
    plain_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class Totals:
    calls: int = 0
    read_tokens: int = 0
    written_tokens: int = 0
    plain_tokens: int = 0
    output_tokens: int = 0

    @property
    def input_tokens(self) -> int:
        return self.read_tokens + self.written_tokens + self.plain_tokens


@dataclass(frozen=True)
class Simulation:
    calls: list[CallCacheUse] = field(default_factory=list)

    @property
    def totals(self) -> Totals:
        return Totals(
            calls=len(self.calls),
            read_tokens=sum(c.read_tokens for c in self.calls),
            written_tokens=sum(c.written_tokens for c in self.calls),
            plain_tokens=sum(c.plain_tokens for c in self.calls),
            output_tokens=sum(c.output_tokens for c in self.calls),
        )


def as_carried(chain: Sequence[Position]) -> tuple[Position, ...]:
    """The chain as an event carries it: a longer one keeps its first 63 positions and its last."""
    if len(chain) <= CARRIED_POSITIONS:
        return tuple(chain)
    return (*chain[: CARRIED_POSITIONS - 1], chain[-1])


def in_time_order(calls: Iterable[Call]) -> list[Call]:
    """Calls at the same instant are taken in event-id order."""
    return sorted(calls, key=lambda c: (c.time, c.event_id))


def breakpoints(chain: Sequence[Position], policy: Policy) -> list[int]:
    """The chain positions a policy puts `cache_control` on (none: the call is not cached)."""
    if not chain:
        return []
    prompt_end = len(chain) - 1
    system = next((i for i, p in enumerate(chain) if p.at == "system"), None)
    if policy == "prompt_end":
        return [prompt_end]
    if policy == "system":
        return [] if system is None else [system]
    if policy == "system_and_prompt_end":
        return sorted({prompt_end} if system is None else {system, prompt_end})
    raise ValueError(f"unknown policy {policy!r}; expected one of {POLICIES}")


def simulate_anthropic(calls: Iterable[Call], rules: AnthropicRules, policy: Policy) -> Simulation:
    last_use: dict[str, Decimal] = {}  # prefix hash -> when its entry was last written or read
    uses = []
    for call in in_time_order(calls):
        t, chain = call.time, call.chain
        marks = breakpoints(chain, policy)

        # Read: the longest live entry at a breakpoint or up to 20 positions before one.
        read, read_hash = 0, None
        for p, position in enumerate(chain):
            within_reach = any(b - LOOKBACK <= p <= b for b in marks)
            if not within_reach or position.tokens < rules.minimum_tokens:
                continue
            used = last_use.get(position.hash)
            if used is not None and used >= t - rules.ttl_seconds and position.tokens > read:
                read, read_hash = position.tokens, position.hash
        if read_hash is not None:
            last_use[read_hash] = t  # a hit refreshes the entry's lifetime

        # Write: every breakpoint long enough gets an entry; only the part past the read is charged.
        cached = [chain[b] for b in marks if chain[b].tokens >= rules.minimum_tokens]
        for position in cached:
            last_use[position.hash] = t
        written = max(0, max((p.tokens for p in cached), default=0) - read)

        uses.append(_use(call, read, written))
    return Simulation(uses)


def simulate_openai(calls: Iterable[Call], rules: OpenAIRules) -> Simulation:
    last_use: dict[str, Decimal] = {}
    uses = []
    for call in in_time_order(calls):
        t = call.time
        longest = 0
        for position in call.chain:
            used = last_use.get(position.hash)
            live = used is not None and used >= t - rules.retention_seconds
            if live and position.tokens >= OPENAI_MINIMUM:
                longest = max(longest, position.tokens)
        read = 0
        if longest:
            read = OPENAI_MINIMUM + (longest - OPENAI_MINIMUM) // OPENAI_INCREMENT * OPENAI_INCREMENT
        # After the call, every position long enough is cached (no write is charged).
        for position in call.chain:
            if position.tokens >= OPENAI_MINIMUM:
                last_use[position.hash] = t
        uses.append(_use(call, read, 0))
    return Simulation(uses)


def _use(call: Call, read: int, written: int) -> CallCacheUse:
    return CallCacheUse(call.event_id, read, written, call.input_tokens - read - written, call.output_tokens)


@dataclass(frozen=True)
class Prices:
    """USD per million tokens. OpenAI has no write charge: pass its input price as `cache_write`."""

    input: Decimal
    cache_write: Decimal
    cache_read: Decimal
    output: Decimal

    def __post_init__(self) -> None:
        for name in ("input", "cache_write", "cache_read", "output"):
            if not isinstance(getattr(self, name), Decimal):
                raise TypeError(f"price {name} must be a Decimal (exact), not {getattr(self, name)!r}")


def cost(totals: Totals, prices: Prices) -> Decimal:
    """What the simulated calls cost, exactly (round only to show it)."""
    return (
        totals.plain_tokens * prices.input
        + totals.read_tokens * prices.cache_read
        + totals.written_tokens * prices.cache_write
        + totals.output_tokens * prices.output
    ) / MILLION


def cost_without_caching(totals: Totals, prices: Prices) -> Decimal:
    return (totals.input_tokens * prices.input + totals.output_tokens * prices.output) / MILLION
