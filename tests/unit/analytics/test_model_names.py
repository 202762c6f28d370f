"""Dated and provider-prefixed model ids are the catalog's model: one group, one price."""

import datetime as dt
from decimal import Decimal

import pytest

from shared_lib.pricing import CallUsage, canonical_model, price
from shared_lib.usage import parse_row

from netra_analytics.warehouse import priced_row

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("provider", "sent", "model", "cost"),
    [
        # 1,000 input and 500 output tokens at the catalog's rates per million tokens.
        ("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini", "0.00045"),  # 0.15 in, 0.60 out
        ("openai", "gpt-4o-mini", "gpt-4o-mini", "0.00045"),
        ("openai", "openai/gpt-4o", "gpt-4o", "0.0075"),  # 2.50 in, 10 out
        ("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "0.0105"),  # 3 in, 15 out
        ("anthropic", "anthropic/claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "0.0105"),
        # Priced apart by the catalog (5 in, 15 out), so not folded into gpt-4o.
        ("openai", "gpt-4o-2024-05-13", "gpt-4o-2024-05-13", "0.0125"),
    ],
)
def test_a_model_as_sent_resolves_to_the_catalog_model_and_its_price(provider, sent, model, cost):
    assert canonical_model(provider, sent) == model
    assert price(CallUsage(provider, sent, 1000, 500)).cost_usd == Decimal(cost)


def test_an_unknown_model_is_kept_as_sent_and_unpriced():
    assert canonical_model("openai", "my-azure-deployment") == "my-azure-deployment"
    assert canonical_model("other", "openai/gpt-4o") == "openai/gpt-4o"
    assert price(CallUsage("openai", "my-azure-deployment", 10, 10)).status == "unpriced"


def test_the_stored_row_groups_under_the_catalog_name_and_keeps_the_name_sent():
    def stored(model):
        event = parse_row(
            {
                "event_id": "e1",
                "timestamp": "2026-11-25T10:00:00Z",
                "provider": "openai",
                "model": model,
                "input_tokens": 1000,
                "output_tokens": 500,
                "metadata": {"team": "a"},
            },
            "org-x",
            NOW,
        )
        row = priced_row(event, NOW)
        return row[6], row[-2], row[17]  # model, metadata, cost_usd

    assert stored("gpt-4o-mini-2024-07-18") == (
        "gpt-4o-mini",
        {"team": "a", "model_as_sent": "gpt-4o-mini-2024-07-18"},
        Decimal("0.00045"),
    )
    assert stored("gpt-4o-mini") == ("gpt-4o-mini", {"team": "a"}, Decimal("0.00045"))


def test_the_optimizer_finds_its_downgrades_under_the_stored_names():
    from netra_agents.catalog import downgrade

    # Stored as the catalog names them: claude-sonnet-4 is "claude-sonnet-4-0", a dated id its model.
    for provider, model in [
        ("anthropic", "claude-sonnet-4-0"),
        ("anthropic", "claude-sonnet-4-20250514"),
        ("anthropic", "claude-3-5-sonnet"),
        ("openai", "gpt-4o-2024-08-06"),
        ("openai", "gpt-4o"),
    ]:
        assert downgrade(provider, canonical_model(provider, model)) is not None, model
    assert downgrade("openai", "gpt-4o-mini") is None
