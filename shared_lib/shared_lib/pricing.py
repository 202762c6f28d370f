"""What one LLM call cost, from the offline price catalog (genai-prices), in exact decimals.

Token semantics follow the usage event (OpenAI's usage object): `input_tokens` counts
every prompt token, cached reads and cache writes included; `cached_input_tokens`,
`cache_write_tokens` and `reasoning_tokens` are subsets (reasoning is billed as output).
A model the catalog does not know is `unpriced` — never silently $0.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from decimal import Decimal

PRICED, UNPRICED = "priced", "unpriced"
# Batch APIs bill half price (OpenAI Batch API, Anthropic Message Batches, Gemini Batch Mode).
BATCH_DISCOUNT = {"openai": Decimal("0.5"), "anthropic": Decimal("0.5"), "google": Decimal("0.5")}
# Our provider names -> the catalog's provider ids (Gemini and Vertex are Google's).
_PROVIDER_IDS = {"gemini": "google", "vertex": "google"}


class InvalidUsage(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class CallUsage:
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    batch: bool = False

    def __post_init__(self):
        for field in ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidUsage(f"{field} must be a non-negative integer, got {value!r}")
        if self.cached_input_tokens + self.cache_write_tokens > self.input_tokens:
            raise InvalidUsage(
                "cached_input_tokens + cache_write_tokens cannot exceed input_tokens (they are part of it)"
            )
        if self.reasoning_tokens > self.output_tokens:
            raise InvalidUsage("reasoning_tokens cannot exceed output_tokens (they are part of it)")


@dataclasses.dataclass(frozen=True)
class Price:
    status: str  # priced | unpriced
    cost_usd: Decimal | None
    input_usd: Decimal | None
    output_usd: Decimal | None
    price_version: str
    reason: str | None = None


@functools.cache
def catalog_version() -> str:
    from importlib.metadata import version

    return f"genai-prices/{version('genai-prices')}"


def price(call: CallUsage) -> Price:
    return PriceBook().price(
        call.provider,
        call.model,
        call.input_tokens,
        call.output_tokens,
        call.cached_input_tokens,
        call.cache_write_tokens,
        call.batch,
    )


class PriceBook:
    """One day's catalog prices for many calls, as `price` prices each one.

    What a call's price depends on besides its token counts (the provider's catalog id, the
    model's catalog name, its price tiers, the tier's unit prices, the batch discount) is
    looked up once per distinct provider and model as sent, not per call: in a batch of
    usage events a few models recur thousands of times, and the look-ups cost more than the
    arithmetic. The day is fixed when the book is made (today, by default), so one batch is
    priced on one day's prices even across midnight.
    """

    def __init__(self, day: str | None = None) -> None:
        self.day = day or _today()
        self.version = catalog_version()
        self._models: dict[tuple[str, str], _ModelPrices] = {}

    def price(
        self,
        provider: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
        cached_input_tokens: int = 0,
        cache_write_tokens: int = 0,
        batch: bool = False,
    ) -> Price:
        """The price of one call; its counts as `CallUsage` holds them (a validated
        `UsageEvent`'s are): not checked again here."""
        split = self._split(
            provider, model, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, batch
        )
        if isinstance(split, Price):
            return split  # unpriced
        input_usd, output_usd = split
        return Price(PRICED, input_usd + output_usd, input_usd, output_usd, self.version)

    def cost(
        self,
        provider: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
        cached_input_tokens: int = 0,
        cache_write_tokens: int = 0,
        batch: bool = False,
    ) -> Decimal | None:
        """`price(...).cost_usd` of a priced call, None of an unpriced one, without making
        a Price (which costs as much as the arithmetic): what storing a batch needs."""
        split = self._split(
            provider, model, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, batch
        )
        return None if isinstance(split, Price) else split[0] + split[1]

    def _split(
        self, provider, model, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, batch
    ) -> tuple[Decimal, Decimal] | Price:
        """(input USD, output USD) of a call, or the Price of an unpriced one."""
        found = self._models.get((provider, model))
        if found is None:
            found = self._models[(provider, model)] = _ModelPrices.of(provider, model, self.day)
        rates = found.rates(input_tokens)
        if isinstance(rates, Price):
            return rates
        if rates is None:  # exactly on a tier boundary: let the catalog decide which side
            input_usd, output_usd = _catalog_cost(
                found.provider,
                found.model,
                input_tokens,
                output_tokens,
                cached_input_tokens,
                cache_write_tokens,
                self.day,
            )
        else:
            plain = input_tokens - cached_input_tokens - cache_write_tokens
            input_usd = (
                plain * rates.input + cached_input_tokens * rates.cache_read + cache_write_tokens * rates.cache_write
            )
            output_usd = output_tokens * rates.output
        # Outside a batch nothing is multiplied: x * 1 would keep x's digits and exponent.
        if batch:
            return input_usd * found.batch_factor, output_usd * found.batch_factor
        return input_usd, output_usd


_ONE = Decimal(1)


class _ModelPrices:
    """A model's prices on one day, under the catalog's names of its provider and model:
    its tier starts, and each tier's unit prices once a call needs them."""

    def __init__(self, provider: str, model: str, day: str) -> None:
        self.provider, self.model, self.day = provider, model, day
        self.batch_factor = BATCH_DISCOUNT.get(provider, _ONE)
        self.version = catalog_version()
        self._tiers: dict[int, UnitPrices | Price] = {}
        try:
            self._starts: frozenset[int] | Price = _tier_starts(provider, model, day)
        except LookupError as exc:  # a model the catalog does not know: each call of it is unpriced
            self._starts = self._unpriced(exc)

    @classmethod
    def of(cls, provider: str, model: str, day: str) -> _ModelPrices:
        """For a provider and model as a call names them."""
        return cls(provider_id(provider), canonical_model(provider, model), day)

    def rates(self, input_tokens: int) -> UnitPrices | Price | None:
        """What `unit_prices` answers for a call of this prompt size: its tier's unit prices,
        None exactly on a tier boundary, or (for its LookupError) the unpriced Price."""
        starts = self._starts
        if isinstance(starts, Price):
            return starts
        tier_start = _tier_start(starts, input_tokens)
        if tier_start is None:
            return None
        rates = self._tiers.get(tier_start)
        if rates is None:
            try:
                rates = _unit_prices(self.provider, self.model, self.day, tier_start)
            except LookupError as exc:
                rates = self._unpriced(exc)
            self._tiers[tier_start] = rates
        return rates

    def _unpriced(self, exc: LookupError) -> Price:
        return Price(UNPRICED, None, None, None, self.version, str(exc))


def canonical_model(provider: str, model: str) -> str:
    """The catalog's id of a model as a call names it, for pricing and grouping: dated ids
    (gpt-4o-mini-2024-07-18, claude-sonnet-4-5-20250929) and provider-prefixed ones
    (openai/gpt-4o) are the model they are priced as. A dated id the catalog prices apart
    (gpt-4o-2024-05-13) stays itself; a model it does not know is kept as sent."""
    return _catalog_model(provider_id(provider), model) or model


@functools.lru_cache(maxsize=8192)
def _catalog_model(provider: str, model: str) -> str | None:
    from genai_prices import data_snapshot

    snapshot = data_snapshot.get_snapshot()
    # As sent first: a router's own catalog (OpenRouter) names models "openai/gpt-4o".
    for ref in (model, model.rsplit("/", 1)[-1]) if "/" in model else (model,):
        try:
            return snapshot.find_provider_model(ref, None, provider, None)[1].id
        except LookupError:
            continue
    return None


@functools.lru_cache(maxsize=1024)
def known_model(model: str) -> bool:
    """Whether the catalog knows a model of this id under any provider: what an org's own
    model name (an Azure deployment, a proxy's alias) may be mapped to."""
    from genai_prices import data_snapshot

    try:
        data_snapshot.get_snapshot().find_provider_model(model, None, None, None)
    except LookupError:
        return False
    return True


def provider_id(provider: str) -> str:
    """The price catalog's name for a provider as usage events name it."""
    return _PROVIDER_IDS.get(provider.lower(), provider.lower())


@dataclasses.dataclass(frozen=True)
class UnitPrices:
    """USD per token of each kind, for calls in one price tier of one model."""

    input: Decimal
    cache_read: Decimal
    cache_write: Decimal
    output: Decimal


def unit_prices(provider: str, model: str, input_tokens: int = 0) -> UnitPrices | None:
    """Per-token prices for a call of this prompt size; None exactly on a tier boundary.

    Derived once per model and tier from the catalog's own calculation (which costs ~0.2 ms
    per call), then a call's cost is four multiplications. Raises LookupError when unknown.
    """
    starts = _tier_starts(provider, model, _today())
    tier_start = _tier_start(starts, input_tokens)
    return None if tier_start is None else _unit_prices(provider, model, _today(), tier_start)


def _tier_start(starts: frozenset[int], input_tokens: int) -> int | None:
    """Where the price tier of a prompt of this size starts; None exactly on a boundary."""
    if not starts:
        return 0  # one price for every prompt size, as most models have
    if input_tokens in starts:
        return None
    return max((s for s in starts if s < input_tokens), default=0)


@functools.lru_cache(maxsize=4096)
def _tier_starts(provider: str, model: str, day: str) -> frozenset[int]:
    from genai_prices import data_snapshot
    from genai_prices.types import TieredPrices

    _, info = data_snapshot.get_snapshot().find_provider_model(model, None, provider, None)
    prices = info.get_prices(_priced_at(day))
    return frozenset(
        tier.start for value in vars(prices).values() if isinstance(value, TieredPrices) for tier in value.tiers
    )


@functools.lru_cache(maxsize=4096)
def _unit_prices(provider: str, model: str, day: str, tier_start: int) -> UnitPrices:
    # Probe with a prompt just inside the tier; costs are linear in each token kind there.
    size = tier_start + 1
    base_in, _ = _catalog_cost(provider, model, size, 0, 0, 0, day)
    read_in, _ = _catalog_cost(provider, model, size, 0, size, 0, day)
    write_in, _ = _catalog_cost(provider, model, size, 0, 0, size, day)
    _, out = _catalog_cost(provider, model, size, size, 0, 0, day)
    return UnitPrices(base_in / size, read_in / size, write_in / size, out / size)


def _catalog_cost(
    provider, model, input_tokens, output_tokens, cache_read, cache_write, day: str
) -> tuple[Decimal, Decimal]:
    from genai_prices import Usage, calc_price

    result = calc_price(
        Usage(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=cache_read,
            cache_write_tokens=cache_write,
        ),
        model_ref=model,
        provider_id=provider,
        genai_request_timestamp=_priced_at(day),
    )
    return Decimal(result.input_price), Decimal(result.output_price)


def _priced_at(day: str) -> dt.datetime:
    """The moment a day's prices are read at: noon UTC. The catalog has time-of-day prices
    (DeepSeek's off-peak hours); read at whatever hour a process first priced a call, the
    day's cached unit prices would differ by the hour it started. Noon gives the standard
    price, the same whenever it is read."""
    return dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.timezone.utc)


def _today() -> str:
    # Catalog prices can change on a date; unit prices are re-derived each day. The UTC
    # day, as calls are dated, not the machine's.
    return dt.datetime.now(dt.timezone.utc).date().isoformat()
