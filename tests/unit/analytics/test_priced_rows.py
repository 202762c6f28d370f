"""The warehouse rows of a batch, priced together: each as the row of its event alone."""

import datetime as dt
import random
from decimal import Decimal

from shared_lib.pricing import catalog_version
from shared_lib.usage import parse_batch

from netra_analytics.warehouse import COLUMNS, priced_row, priced_rows

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
ALIASES = {"prod-gpt4o-eu": "gpt-4o", "mini": "gpt-4o-mini-2024-07-18"}
MODELS = [
    ("openai", "gpt-4o"),
    ("openai", "gpt-4o-mini-2024-07-18"),
    ("openai", "openai/gpt-4o"),
    ("openrouter", "openai/gpt-4o"),  # the same name as sent, another provider's catalog
    ("openai", "prod-gpt4o-eu"),  # the org's own names
    ("azure", "mini"),
    ("anthropic", "claude-sonnet-4-5"),
    ("gemini", "gemini-2.5-flash"),
    ("mistral", "mistral-large-latest"),
    ("openai", "gpt-99-turbo"),  # unknown
]


def rows(n: int = 800) -> list[dict]:
    rng = random.Random(16)
    out = []
    for i in range(n):
        provider, model = rng.choice(MODELS)
        size = rng.choice([0, 200_000, 200_001]) if rng.random() < 0.2 else rng.randrange(0, 300_000)
        cached = rng.randrange(0, size + 1) if rng.random() < 0.5 else 0
        row = {
            "event_id": f"e{i % 700}",  # some ids twice: each row priced all the same
            "timestamp": f"2026-11-{rng.randrange(1, 25):02d}T{rng.randrange(24):02d}:30:00Z",
            "provider": provider,
            "model": model,
            "input_tokens": size,
            "output_tokens": rng.randrange(0, 10_000),
            "cached_input_tokens": cached,
            "cache_write_tokens": rng.randrange(0, size - cached + 1) if rng.random() < 0.3 else 0,
            "batch": rng.random() < 0.4,
        }
        if rng.random() < 0.15:
            row["cost_usd"] = "0.25"
            row["price_version"] = "invoice-2026-11" if rng.random() < 0.5 else None
        if rng.random() < 0.2:
            row["metadata"] = {"team": "a"}
        out.append({k: v for k, v in row.items() if v is not None})
    return out


def test_a_mixed_batch_priced_together_equals_each_event_priced_alone():
    events, rejected = parse_batch(rows(), "org-x", NOW)
    assert rejected == []
    together = priced_rows(events, NOW, ALIASES)
    alone = [priced_row(event, NOW, ALIASES) for event in events]
    assert together == alone
    assert repr(together) == repr(alone)  # every Decimal to the digit
    assert all(len(row) == len(COLUMNS) - 1 for row in together)  # accepted_at is the caller's
    statuses = {row[COLUMNS.index("cost_status")] for row in together}
    assert statuses == {"priced", "unpriced", "provided"}


def test_the_rows_of_a_batch_name_price_and_account_for_each_event():
    events, _ = parse_batch(
        [
            {
                "timestamp": "2026-11-25T10:00:00Z",
                "input_tokens": 1000,
                "output_tokens": 500,
                **fields,
            }
            for fields in (
                {"event_id": "a", "provider": "openai", "model": "prod-gpt4o-eu", "batch": True},
                {"event_id": "b", "provider": "openai", "model": "gpt-99-turbo"},
                {"event_id": "c", "provider": "openai", "model": "gpt-4o", "cost_usd": "0.5", "price_version": "inv-7"},
                {"event_id": "d", "provider": "openai", "model": "gpt-4o", "cost_usd": "0.5"},
            )
        ],
        "org-x",
        NOW,
    )
    picked = ["event_id", "model", "provided_cost_usd", "computed_cost_usd", "cost_usd", "cost_status", "price_version"]
    found = [[row[COLUMNS.index(c)] for c in picked] + [row[-2]] for row in priced_rows(events, NOW, ALIASES)]
    # gpt-4o: 1,000 x 2.50/M + 500 x 10/M = 0.0075, half of it in a batch.
    version = catalog_version()
    assert found == [
        [
            "a",
            "gpt-4o",
            None,
            Decimal("0.00375"),
            Decimal("0.00375"),
            "priced",
            version,
            {"model_as_sent": "prod-gpt4o-eu"},
        ],
        ["b", "gpt-99-turbo", None, None, None, "unpriced", version, {}],
        ["c", "gpt-4o", Decimal("0.5"), Decimal("0.0075"), Decimal("0.5"), "provided", "inv-7", {}],
        ["d", "gpt-4o", Decimal("0.5"), Decimal("0.0075"), Decimal("0.5"), "provided", version, {}],
    ]


def test_a_call_is_priced_on_its_own_day_whenever_it_is_stored():
    # claude-opus-4-6 dropped its long-context tier on 2026-03-13 (the catalog dates it):
    # 1M input and 1M output tokens cost 1M x $10/M + 1M x $37.50/M = $47.50 on the 12th,
    # 1M x $5/M + 1M x $25/M = $30.00 from the 13th. Stored in November, each keeps its day's.
    calls = [
        {
            "event_id": f"opus-{day}",
            "timestamp": f"2026-03-{day}T23:30:00+00:00" if day == 12 else f"2026-03-{day}T00:30:00+01:00",
            "provider": "anthropic",
            "model": "claude-opus-4-6",
            "input_tokens": 1_000_000,
            "output_tokens": 1_000_000,
        }
        for day in (12, 13)
    ]
    events, rejected = parse_batch(calls, "org-x", dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone.utc))
    assert rejected == []
    costs = [row[COLUMNS.index("cost_usd")] for row in priced_rows(events, NOW)]
    # The second call, 00:30 on the 13th at +01:00, is 23:30 on the 12th in UTC: the 12th's price.
    assert costs == [Decimal("47.5"), Decimal("47.5")]
    later = [{**calls[1], "timestamp": "2026-03-13T00:30:00Z"}]
    [row] = priced_rows(parse_batch(later, "org-x", NOW)[0], NOW)
    assert row[COLUMNS.index("cost_usd")] == Decimal("30")
