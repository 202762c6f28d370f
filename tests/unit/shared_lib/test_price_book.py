"""A batch priced in one PriceBook: the same prices, to the digit, as each call priced alone."""

import random
from decimal import Decimal

import pytest

from shared_lib import pricing
from shared_lib.pricing import PRICED, UNPRICED, CallUsage, PriceBook, catalog_version, price

# o3 was cut from $10 / $40 per M to $2 / $8 on 2025-06-10; claude-sonnet-4-6 had a tier
# above 200k prompt tokens ($6 / $22.50) until 2026-03-13.
DAYS = ("2025-06-09", "2025-06-10", "2026-03-12", "2026-03-13", "2026-11-25")
MODELS = [
    ("openai", "gpt-4o"),
    ("OpenAI", "gpt-4o-mini-2024-07-18"),  # dated, and the provider as a caller may spell it
    ("openai", "openai/gpt-4o"),  # provider-prefixed
    ("openai", "gpt-4o-2024-05-13"),  # dated and priced apart
    ("openai", "o3"),
    ("anthropic", "claude-sonnet-4-5"),  # tiered at 200k
    ("anthropic", "claude-sonnet-4-6"),  # tiered, then not
    ("anthropic", "claude-3-5-haiku-latest"),
    ("gemini", "gemini-2.5-pro"),  # Google's, tiered at 200k
    ("deepseek", "deepseek-reasoner"),  # time-of-day prices
    ("mistral", "mistral-large-latest"),  # no batch discount
    ("openai", "gpt-99-turbo"),  # unknown
    ("other", "my-own-model"),  # unknown provider and model
]


def calls(seed: int, n: int = 600) -> list[CallUsage]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        provider, model = rng.choice(MODELS)
        # A third exactly on or next to a tier boundary, where the catalog decides the side.
        size = rng.choice([0, 1, 199_999, 200_000, 200_001]) if rng.random() < 0.3 else rng.randrange(0, 400_000)
        cached = rng.randrange(0, size + 1) if rng.random() < 0.5 else 0
        written = rng.randrange(0, size - cached + 1) if rng.random() < 0.3 else 0
        output = rng.randrange(0, 20_000)
        reasoning = rng.randrange(0, output + 1)
        out.append(CallUsage(provider, model, size, output, cached, written, reasoning, rng.random() < 0.4))
    return out


def in_book(book: PriceBook, call: CallUsage):
    args = (
        call.provider,
        call.model,
        call.input_tokens,
        call.output_tokens,
        call.cached_input_tokens,
        call.cache_write_tokens,
        call.batch,
    )
    return book.price(*args), book.cost(*args)


@pytest.mark.parametrize("day", DAYS)
def test_a_batch_in_one_book_prices_each_call_as_pricing_it_alone(day, monkeypatch):
    monkeypatch.setattr(pricing, "_today", lambda: day)
    batch = calls(seed=DAYS.index(day))
    book = PriceBook()
    assert book.day == day
    for call in batch:
        alone = price(call)  # a fresh book of the day, nothing looked up before
        together, cost = in_book(book, call)
        assert together == alone, call
        # The same digits, not only the same value: Decimal("0.0075") != "0.00750" as text.
        assert repr(together) == repr(alone), call
        assert repr(cost) == repr(alone.cost_usd if alone.status == PRICED else None), call
    priced = [p for p, _ in (in_book(book, c) for c in batch) if p.status == PRICED]
    assert 0 < len(priced) < len(batch)  # the batch held both kinds


def test_a_batch_agrees_with_the_catalogs_own_calculation_on_its_day():
    from genai_prices import Usage, calc_price

    book = PriceBook("2026-03-12")
    for call in calls(seed=3):
        result, _ = in_book(book, call)
        if result.status == UNPRICED:
            continue
        reference = calc_price(
            Usage(
                input_tokens=call.input_tokens,
                output_tokens=call.output_tokens,
                cache_read_tokens=call.cached_input_tokens,
                cache_write_tokens=call.cache_write_tokens,
            ),
            model_ref=pricing.canonical_model(call.provider, call.model),
            provider_id=pricing.provider_id(call.provider),
            genai_request_timestamp=pricing._priced_at("2026-03-12"),
        )
        factor = pricing.BATCH_DISCOUNT.get(pricing.provider_id(call.provider), 1) if call.batch else 1
        assert (result.input_usd, result.output_usd) == (
            reference.input_price * factor,
            reference.output_price * factor,
        ), call


def test_a_book_prices_on_its_own_day():
    # o3, 1,000 in + 1,000 out: $10 / $40 per M before 2025-06-10, $2 / $8 from then on.
    def o3(day, batch=False):
        return PriceBook(day).price("openai", "o3", 1000, 1000, batch=batch).cost_usd

    assert (o3("2025-06-09"), o3("2025-06-10")) == (Decimal("0.05"), Decimal("0.010"))
    assert o3("2025-06-10", batch=True) == Decimal("0.005")
    # claude-sonnet-4-6 at 300k prompt tokens: $6 / M above 200k until 2026-03-13, $3 / M after.
    sonnet = [PriceBook(day).cost("anthropic", "claude-sonnet-4-6", 300_000, 0) for day in ("2026-03-12", "2026-03-13")]
    assert sonnet == [Decimal("1.8"), Decimal("0.9")]


def test_an_unknown_model_in_a_book_is_unpriced_with_the_catalogs_reason():
    book = PriceBook("2026-11-25")
    first, again = (book.price("openai", "gpt-99-turbo", 10, 10) for _ in range(2))
    assert first == again
    assert (first.status, first.cost_usd, first.price_version) == (UNPRICED, None, catalog_version())
    assert "gpt-99-turbo" in first.reason
    assert book.cost("openai", "gpt-99-turbo", 10, 10) is None


@pytest.mark.parametrize("how", ["alone", "in a book"])
def test_amounts_keep_the_digits_of_their_exact_arithmetic(how):
    # gpt-4o per token: 0.0000025 input and cache write, 0.00000125 cache read, 0.00001 output.
    # 600 plain + 400 cached in, 500 out: 0.0015000 + 0.00050000 + 0E-7 = 0.00200000 (8 places,
    # the most of its terms) and 0.00500; the batch half (x 0.5) adds one place to each.
    def priced(batch):
        if how == "alone":
            return price(CallUsage("openai", "gpt-4o", 1000, 500, 400, 0, 0, batch))
        return PriceBook("2026-11-25").price("openai", "gpt-4o", 1000, 500, 400, 0, batch)

    digits = [[str(amount) for amount in (p.input_usd, p.output_usd, p.cost_usd)] for p in map(priced, (False, True))]
    assert digits == [["0.00200000", "0.00500", "0.00700000"], ["0.001000000", "0.002500", "0.003500000"]]
