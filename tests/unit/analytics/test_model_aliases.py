"""An org's own model names: validation of a mapping, and its use when a call is priced."""

import datetime as dt
from decimal import Decimal

import pytest

from shared_lib.usage import parse_row

from netra_analytics import model_aliases
from netra_analytics.warehouse import priced_row

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


def event(model: str, provider: str = "openai"):
    return parse_row(
        {
            "event_id": "e1",
            "timestamp": "2026-11-25T10:00:00Z",
            "provider": provider,
            "model": model,
            "input_tokens": 1000,
            "output_tokens": 500,
        },
        "org-x",
        NOW,
    )


def test_a_deployment_name_is_priced_and_grouped_as_its_model_and_kept_as_sent():
    row = priced_row(event("prod-gpt4o-eu"), NOW, {"prod-gpt4o-eu": "gpt-4o"})
    # 1,000 x 2.50/M + 500 x 10/M
    assert (row[6], row[-2], row[17], row[18]) == (
        "gpt-4o",
        {"model_as_sent": "prod-gpt4o-eu"},
        Decimal("0.0075"),
        "priced",
    )
    # A dated target still resolves to the catalog's model.
    row = priced_row(event("mini"), NOW, {"mini": "gpt-4o-mini-2024-07-18"})
    assert (row[6], row[-2], row[17]) == ("gpt-4o-mini", {"model_as_sent": "mini"}, Decimal("0.00045"))


def test_without_the_mapping_the_name_is_unpriced_and_other_names_are_untouched():
    assert (priced_row(event("prod-gpt4o-eu"), NOW)[6], priced_row(event("prod-gpt4o-eu"), NOW)[18]) == (
        "prod-gpt4o-eu",
        "unpriced",
    )
    row = priced_row(event("gpt-4o-mini"), NOW, {"prod-gpt4o-eu": "gpt-4o"})
    assert (row[6], row[-2]) == ("gpt-4o-mini", {})


def test_a_valid_mapping_is_trimmed():
    assert model_aliases.validated({"aliases": {" prod-gpt4o-eu ": "gpt-4o", "claude": "claude-sonnet-4-5"}}) == {
        "prod-gpt4o-eu": "gpt-4o",
        "claude": "claude-sonnet-4-5",
    }
    assert model_aliases.validated({"aliases": {}}) == {}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"aliases": {"prod": "no-such-model-xyz"}}, "not a model the price catalog knows"),
        ({"aliases": {"prod": 4}}, "must be a string"),
        ({"aliases": {"": "gpt-4o"}}, "1 to 200 characters"),
        ({"aliases": {"x" * 201: "gpt-4o"}}, "1 to 200 characters"),
        ({"aliases": {"gpt-4o": "gpt-4o"}}, "mapped to itself"),
        ({"aliases": {f"d{i}": "gpt-4o" for i in range(201)}}, "at most 200"),
        ({"aliases": ["prod", "gpt-4o"]}, "send {"),
        ({"prod": "gpt-4o"}, "send {"),
        ([], "send {"),
    ],
)
def test_a_bad_mapping_is_refused_saying_why(body, says):
    with pytest.raises(model_aliases.InvalidAliases, match=None) as refused:
        model_aliases.validated(body)
    assert says in str(refused.value)


class Warehouse:
    """Counts the reads of the mapping; holds what was stored."""

    def __init__(self, aliases):
        self.aliases, self.reads = aliases, 0

    def query(self, sql, parameters):
        self.reads += 1
        return type("Result", (), {"result_rows": [[self.aliases]] if self.aliases is not None else []})()

    def insert(self, table, rows, column_names):
        self.aliases = rows[0][1]


def test_ingest_reads_the_mapping_once_a_minute_per_org_and_at_once_after_a_change_here(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(model_aliases.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(model_aliases, "_cache", {})
    client = Warehouse({"prod": "gpt-4o"})
    assert [model_aliases.for_org(client, "org-c") for _ in range(3)] == [{"prod": "gpt-4o"}] * 3
    assert client.reads == 1
    client.aliases = {"prod": "gpt-4o-mini"}  # changed by another instance
    clock[0] += model_aliases.CACHE_SECONDS - 1
    assert model_aliases.for_org(client, "org-c") == {"prod": "gpt-4o"} and client.reads == 1
    clock[0] += 1
    assert model_aliases.for_org(client, "org-c") == {"prod": "gpt-4o-mini"} and client.reads == 2
    model_aliases.store(client, "org-c", {}, NOW)  # changed on this instance: applied at once
    assert model_aliases.for_org(client, "org-c") == {} and client.reads == 3
    assert model_aliases.for_org(Warehouse(None), "org-d") == {}  # an org without a mapping
