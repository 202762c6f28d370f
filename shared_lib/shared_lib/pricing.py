"""What one LLM call cost, from the offline price catalog (genai-prices), in exact decimals.

Token semantics follow the usage event (OpenAI's usage object): `input_tokens` counts
every prompt token, cached reads and cache writes included; `cached_input_tokens`,
`cache_write_tokens` and `reasoning_tokens` are subsets (reasoning is billed as output).
A model the catalog does not know is `unpriced` — never silently $0.
"""

from __future__ import annotations

import dataclasses
import functools
from decimal import Decimal

PRICED, UNPRICED = "priced", "unpriced"
# Batch APIs bill half price (OpenAI Batch API, Anthropic Message Batches, Gemini Batch Mode).
BATCH_DISCOUNT = {"openai": Decimal("0.5"), "anthropic": Decimal("0.5"), "google": Decimal("0.5")}
# Our provider names -> the catalog's provider ids.
_PROVIDER_IDS = {"gemini": "google", "vertex": "google", "azure": "azure", "openai": "openai", "anthropic": "anthropic", "google": "google"}


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
            raise InvalidUsage("cached_input_tokens + cache_write_tokens cannot exceed input_tokens (they are part of it)")
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
    from genai_prices import Usage, calc_price

    provider = _PROVIDER_IDS.get(call.provider.lower(), call.provider.lower())
    try:
        result = calc_price(
            Usage(
                input_tokens=call.input_tokens,
                output_tokens=call.output_tokens,
                cache_read_tokens=call.cached_input_tokens,
                cache_write_tokens=call.cache_write_tokens,
            ),
            model_ref=call.model,
            provider_id=provider,
        )
    except LookupError as exc:
        return Price(UNPRICED, None, None, None, catalog_version(), str(exc))
    factor = BATCH_DISCOUNT.get(provider, Decimal(1)) if call.batch else Decimal(1)
    input_usd, output_usd = Decimal(result.input_price) * factor, Decimal(result.output_price) * factor
    return Price(PRICED, input_usd + output_usd, input_usd, output_usd, catalog_version())
