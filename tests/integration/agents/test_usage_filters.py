"""Filters on the analytics reads the answers use (`feature=`, `model=`, `provider=`,
`user=`) on a real ClickHouse engine (embedded chDB), hand-worked: five calls, priced by
the catalog (gpt-4o $2.50 in / $10 out per million tokens, gpt-4o-mini $0.15 / $0.60)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shared_lib.clients.clickhouse import clickhouse_client
from shared_lib.config import load_settings
from shared_lib.errors import Invalid
from shared_lib.http import REFUSAL_STATUS
from shared_lib.usage import parse_batch

from netra_analytics import warehouse
from netra_analytics.service import _filters

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc)
START, END = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc), dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
ROWS = [  # (feature, model, user, day): 1,000 input and 100 output tokens each
    ("chat", "gpt-4o", "ann", "2026-11-20"),  # 0.0025 + 0.001 = 0.0035
    ("chat", "gpt-4o", "bob", "2026-11-21"),  # 0.0035
    ("chat", "gpt-4o-mini", "ann", "2026-11-21"),  # 0.00015 + 0.00006 = 0.00021
    ("tags", "gpt-4o-mini", "bob", "2026-11-21"),  # 0.00021
    ("tags", "gpt-4o", "ann", "2026-11-22"),  # 0.0035
]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    client = clickhouse_client(load_settings({"CLICKHOUSE_DSN": f"chdb://{tmp_path_factory.mktemp('filters')}"}))
    warehouse.migrate(client)
    for org in ("org-a", "org-b"):
        events, rejected = parse_batch(
            [
                {
                    "event_id": f"{org}-{i}",
                    "timestamp": f"{day}T10:00:00Z",
                    "provider": "openai",
                    "model": model,
                    "feature": feature,
                    "user_id": user,
                    "input_tokens": 1000,
                    "output_tokens": 100,
                    "latency_ms": 500,
                }
                for i, (feature, model, user, day) in enumerate(ROWS)
            ],
            org,
            NOW,
        )
        assert rejected == []
        warehouse.insert(client, events)
    return client


def test_summary_filters_by_feature_model_and_user(client):
    chat = warehouse.summary(client, "org-a", START, END, "model", {"feature": ["chat"]})
    assert chat["totals"]["calls"] == 3 and Decimal(chat["totals"]["cost_usd"]) == Decimal("0.00721")
    assert [(g["key"], g["calls"], g["cost_usd"]) for g in chat["groups"]] == [
        ("gpt-4o", 2, "0.007"),
        ("gpt-4o-mini", 1, "0.00021"),
    ]
    ann_4o = warehouse.summary(client, "org-a", START, END, "feature", {"model": ["gpt-4o"], "user": ["ann"]})
    assert [(g["key"], g["calls"]) for g in ann_4o["groups"]] == [("chat", 1), ("tags", 1)]
    either = warehouse.summary(
        client, "org-a", START, END, "feature", {"feature": ["chat", "tags"], "provider": ["openai"]}
    )
    assert either["totals"]["calls"] == 5  # any name of a dimension matches
    assert warehouse.summary(client, "org-a", START, END, "feature", {"feature": ["nope"]})["totals"]["calls"] == 0
    # Org-scoped as always: org-b's identical calls are never counted.
    assert warehouse.summary(client, "org-a", START, END, "feature")["totals"]["calls"] == 5


def test_daily_series_filter_from_the_rollup_and_by_user_from_the_calls(client):
    series = warehouse.timeseries(client, "org-a", START, END, "day", None, {"feature": ["chat"]})
    assert [(p["bucket"], p["calls"], p["cost_usd"]) for p in series["series"][0]["points"]] == [
        ("2026-11-20", 1, "0.0035"),
        ("2026-11-21", 2, "0.00371"),
    ]
    bob = warehouse.timeseries(client, "org-a", START, END, "day", "feature", {"user": ["bob"]})
    assert {s["key"]: [(p["bucket"], p["cost_usd"]) for p in s["points"]] for s in bob["series"]} == {
        "chat": [("2026-11-21", "0.0035")],
        "tags": [("2026-11-21", "0.00021")],
    }
    hourly = warehouse.timeseries(client, "org-a", START, END, "hour", None, {"model": ["gpt-4o-mini"]})
    assert sum(p["calls"] for p in hourly["series"][0]["points"]) == 2


def test_filter_parameters_repeat_or_split_on_commas_and_are_bounded():
    # The route passes every query parameter's values (a parameter may repeat).
    assert _filters({"feature": ["chat,tags", " doc-qa "], "user": ["ann"]}) == {
        "feature": ["chat", "doc-qa", "tags"],
        "user": ["ann"],
    }
    assert _filters({"group_by": ["model"]}) == {}
    with pytest.raises(Invalid) as refused:
        _filters({"model": [",".join(f"m{i}" for i in range(51))]})
    assert REFUSAL_STATUS[type(refused.value)] == 400
