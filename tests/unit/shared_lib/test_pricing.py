"""Cost arithmetic against hand-computed cases, one per token kind."""

import random
from decimal import Decimal

import pytest

from shared_lib.pricing import PRICED, UNPRICED, CallUsage, InvalidUsage, catalog_version, price


def cost(**kwargs) -> Decimal:
    result = price(CallUsage(**kwargs))
    assert result.status == PRICED, result.reason
    return result.cost_usd


def test_plain_input_and_output():
    # gpt-4o: $2.50 / M input, $10 / M output.  1,000 in + 500 out = 0.0025 + 0.005
    assert cost(provider="openai", model="gpt-4o", input_tokens=1000, output_tokens=500) == Decimal("0.0075")


def test_cached_input_is_part_of_input_and_billed_at_the_cache_read_price():
    # gpt-4o: 5,000 input of which 4,000 cached ($1.25 / M), 1,000 output.
    # 1,000 * 2.5/M + 4,000 * 1.25/M + 1,000 * 10/M = 0.0025 + 0.005 + 0.01
    assert cost(
        provider="openai", model="gpt-4o", input_tokens=5000, output_tokens=1000, cached_input_tokens=4000
    ) == Decimal("0.0175")


def test_cache_writes_are_part_of_input_and_billed_at_the_write_price():
    # claude-3-5-haiku: $0.80 / M input, $0.08 / M cache read, $1.00 / M cache write, $4 / M output.
    # 10,000 input = 5,000 plain + 2,000 read + 3,000 written; 100 output.
    # 5,000*0.8/M + 2,000*0.08/M + 3,000*1/M + 100*4/M = 0.004 + 0.00016 + 0.003 + 0.0004
    assert cost(
        provider="anthropic",
        model="claude-3-5-haiku-latest",
        input_tokens=10_000,
        output_tokens=100,
        cached_input_tokens=2000,
        cache_write_tokens=3000,
    ) == Decimal("0.00756")


def test_reasoning_tokens_are_billed_as_the_output_they_are_part_of():
    # o3-mini: $1.10 / M input, $4.40 / M output; 2,000 output of which 1,500 reasoning.
    with_reasoning = cost(
        provider="openai", model="o3-mini", input_tokens=1000, output_tokens=2000, reasoning_tokens=1500
    )
    assert with_reasoning == Decimal("0.0011") + Decimal("0.0088")
    assert with_reasoning == cost(provider="openai", model="o3-mini", input_tokens=1000, output_tokens=2000)


def test_batch_calls_cost_half():
    # gpt-4o-mini: $0.15 / M in, $0.60 / M out; 1M in + 1M out = 0.75, batch = 0.375
    assert cost(
        provider="openai", model="gpt-4o-mini", input_tokens=1_000_000, output_tokens=1_000_000, batch=True
    ) == Decimal("0.375")


def test_tiered_prices_follow_the_prompt_size():
    # claude-sonnet-4-5 above 200k prompt tokens: $6 / M input, $22.50 / M output.
    assert cost(provider="anthropic", model="claude-sonnet-4-5", input_tokens=300_000, output_tokens=1000) == Decimal(
        "1.8"
    ) + Decimal("0.0225")


def test_gemini_is_found_under_google():
    # gemini-2.5-flash: $0.30 / M in, $2.50 / M out.
    assert cost(provider="gemini", model="gemini-2.5-flash", input_tokens=100_000, output_tokens=10_000) == Decimal(
        "0.03"
    ) + Decimal("0.025")


def test_an_unknown_model_is_unpriced_never_zero():
    result = price(CallUsage(provider="openai", model="gpt-99-turbo", input_tokens=10, output_tokens=10))
    assert result.status == UNPRICED and result.cost_usd is None and "gpt-99-turbo" in result.reason
    assert result.price_version == catalog_version() and catalog_version().startswith("genai-prices/")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_tokens": -1, "output_tokens": 0}, "input_tokens must be a non-negative integer"),
        ({"input_tokens": 1.5, "output_tokens": 0}, "input_tokens must be a non-negative integer"),
        ({"input_tokens": 10, "output_tokens": 0, "cached_input_tokens": 11}, "cannot exceed input_tokens"),
        ({"input_tokens": 10, "output_tokens": 5, "reasoning_tokens": 6}, "cannot exceed output_tokens"),
    ],
)
def test_impossible_usage_is_refused(kwargs, message):
    with pytest.raises(InvalidUsage, match=message):
        CallUsage(provider="openai", model="gpt-4o", **kwargs)


@pytest.mark.parametrize(
    "provider, model",
    [
        ("openai", "gpt-4o"),
        ("openai", "gpt-4o-mini"),
        ("anthropic", "claude-sonnet-4-5"),
        ("google", "gemini-2.5-pro"),
        ("anthropic", "claude-3-5-haiku-latest"),
    ],
)
def test_unit_prices_agree_with_the_catalogs_own_calculation(provider, model):
    from genai_prices import Usage, calc_price

    rng = random.Random(model)
    sizes = [1, 999, 128_000, 128_001, 200_000, 200_001, 250_000] + [rng.randrange(0, 400_000) for _ in range(40)]
    for size in sizes:
        cached = rng.randrange(0, size + 1)
        written = rng.randrange(0, size - cached + 1)
        output = rng.randrange(0, 20_000)
        ours = price(CallUsage(provider, model, size, output, cached, written))
        reference = calc_price(
            Usage(input_tokens=size, output_tokens=output, cache_read_tokens=cached, cache_write_tokens=written),
            model_ref=model,
            provider_id=provider,
        )
        assert ours.input_usd == reference.input_price, (size, cached, written)
        assert ours.output_usd == reference.output_price, (size, output)


def test_prices_do_not_depend_on_the_hour_they_are_read_at():
    # The catalog prices DeepSeek lower in its off-peak hours (16:30-00:30 UTC); a day's unit
    # prices are read at noon, so a process that starts pricing at 17:00 agrees with one at 09:00.
    from shared_lib.pricing import unit_prices

    assert unit_prices("deepseek", "deepseek-reasoner").output * 1_000_000 == Decimal("2.19")
