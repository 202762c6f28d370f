"""Issue 14 on the running platform (HTTP -> Pub/Sub emulator -> consumer -> chDB):
everything `POST /api/usage` accepts is stored and queryable, once, in every view; the
consumer's push route takes only Pub/Sub's pushes."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time

import pytest

from shared_lib.usage import (
    COLUMNS,
    MAX_COST_USD,
    MAX_METADATA_ENTRIES,
    MAX_METADATA_KEY,
    MAX_METADATA_VALUE,
    MAX_TEXT,
    PROVIDERS,
    STATUSES,
)
from tests.helpers import bearer, dev_login, eventually, url_of

UINT32_MAX = 2**32 - 1


@pytest.fixture
def http():
    import httpx

    # Concurrent posts and bodies at the size limits on a shared, loaded machine.
    with httpx.Client(timeout=60) as client:
        yield client


@pytest.fixture
def analytics_url(platform) -> str:
    return url_of(platform, "analytics")


@pytest.fixture
def owner(http, auth_url, unique):
    tokens = dev_login(http, auth_url, f"stored-{unique}@example.com")
    headers = bearer(tokens["access_token"])
    return {"headers": headers, "org_id": http.get(f"{auth_url}/auth/me", headers=headers).json()["org_id"]}


@pytest.fixture
def push_token(platform) -> str:
    import yaml

    return yaml.safe_load(platform.ws.secrets_file.read_text())["relay-push-token"]


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def window(http, url, owner, path="summary", **params) -> dict:
    base = {"from": (now() - dt.timedelta(days=402)).isoformat(), "to": (now() + dt.timedelta(days=1)).isoformat()}
    response = http.get(f"{url}/api/usage/{path}", params={**base, **params}, headers=owner["headers"])
    assert response.status_code == 200, response.text
    return response.json()


def calls(http, url, owner) -> int:
    return window(http, url, owner)["totals"]["calls"]


def stored(http, url, owner, expected: int) -> None:
    """Once the org has `expected` calls stored (the consumer writes asynchronously)."""
    eventually(
        lambda: calls(http, url, owner) == expected,
        timeout=30,
        interval=0.3,
        what=lambda: f"{expected} calls stored; the org has {window(http, url, owner)['totals']}",
    )


def daily_calls(http, url, owner) -> int:
    return sum(p["calls"] for s in window(http, url, owner, "timeseries")["series"] for p in s["points"])


def event(unique: str, n, **fields) -> dict:
    return {
        "event_id": f"{unique}-{n}",
        "timestamp": (now() - dt.timedelta(hours=1)).isoformat(),
        "provider": "openai",
        "model": "gpt-4o",
        "input_tokens": 1000,
        "output_tokens": 500,
        "latency_ms": 100,
        **fields,
    }


def as_json(value) -> dict:
    """A JSON body as a caller's library writes it: a lone surrogate escaped as \\ud800."""
    return {"content": json.dumps(value).encode(), "headers": {"Content-Type": "application/json"}}


def test_a_bad_row_is_rejected_with_its_index_and_the_valid_one_stored(http, analytics_url, owner, unique):
    rows = [
        event(unique, 0, feature="good"),
        event(unique, 1, latency_ms=5_000_000_000),
        event(unique, 2, feature="\ud800x"),
    ]
    body = as_json(rows)
    answer = http.post(
        f"{analytics_url}/api/usage", content=body["content"], headers={**owner["headers"], **body["headers"]}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1 and [r["index"] for r in answer.json()["rejected"]] == [1, 2]
    stored(http, analytics_url, owner, 1)
    assert [g["key"] for g in window(http, analytics_url, owner, group_by="feature")["groups"]] == ["good"]


def rows_at_the_limits(unique: str) -> dict[str, dict]:
    """Every kind of row the validator accepts, each at its limits, under its own feature."""
    big = COLUMNS["input_tokens"][1]
    start = now()
    kinds = {
        "max-tokens": dict(
            input_tokens=big,
            cached_input_tokens=big // 2,
            cache_write_tokens=big - big // 2,
            output_tokens=big,
            reasoning_tokens=big,
        ),
        "max-latency": dict(latency_ms=UINT32_MAX, ttft_ms=UINT32_MAX, max_tokens=UINT32_MAX),
        "zero": dict(input_tokens=0, output_tokens=0, latency_ms=0, ttft_ms=0, max_tokens=0),
        "max-cost": dict(cost_usd=str(MAX_COST_USD), price_version="p" * MAX_TEXT),
        "fine-cost": dict(cost_usd="0.0000000015"),
        "unpriced": dict(model="gpt-99-" + "x" * (MAX_TEXT - 7)),
        "batch": dict(batch=True, interactive=False),
        "hashes": dict(prompt_hash="h" * 128, prefix_hash="=" * 128),
        "metadata": dict(
            metadata={
                f"{n:03d}" + "🔑" * (MAX_METADATA_KEY - 3): "🙂" * MAX_METADATA_VALUE
                for n in range(MAX_METADATA_ENTRIES)
            }
        ),
        "text": dict(user_id="ü" * MAX_TEXT, event_id="~" * 120 + unique[:8]),
        "oldest": dict(timestamp=(start - dt.timedelta(days=399, hours=23)).isoformat()),
        "newest": dict(timestamp=(start + dt.timedelta(minutes=4)).isoformat()),
        "epoch": dict(timestamp=start.timestamp() - 60.5),
        **{f"status-{s}": dict(status=s) for s in STATUSES},
        **{f"provider-{p}": dict(provider=p.upper(), model=f"model-{p}") for p in PROVIDERS},
    }
    rows = {
        f"{unique}-{kind}": event(unique, kind, feature=f"{unique}-{kind}", **fields) for kind, fields in kinds.items()
    }
    longest = "😀" * (MAX_TEXT - 1) + "z"  # the longest feature name, in astral characters
    rows[longest] = event(unique, "longest-feature", feature=longest)
    return rows


def test_every_row_kind_accepted_at_its_limits_is_queryable(http, analytics_url, owner, unique):
    rows = rows_at_the_limits(unique)
    answer = http.post(f"{analytics_url}/api/usage", json=list(rows.values()), headers=owner["headers"])
    assert answer.status_code == 200 and answer.json() == {
        "accepted": len(rows),
        "rejected": [],
        "rejected_count": 0,
    }, answer.text
    stored(http, analytics_url, owner, len(rows))
    groups = {g["key"]: g for g in window(http, analytics_url, owner, group_by="feature")["groups"]}
    assert set(groups) == set(rows)
    for feature, row in rows.items():
        got = groups[feature]
        assert (got["calls"], got["input_tokens"], got["output_tokens"]) == (
            1,
            row["input_tokens"],
            row["output_tokens"],
        ), feature
    assert groups[f"{unique}-max-latency"]["p95_latency_ms"] == UINT32_MAX
    assert groups[f"{unique}-max-cost"]["cost_usd"] == str(MAX_COST_USD)
    assert groups[f"{unique}-fine-cost"]["cost_usd"] == "0.000000002"
    series = window(http, analytics_url, owner, "timeseries", group_by="feature")["series"]
    assert {s["key"]: sum(p["calls"] for p in s["points"]) for s in series} == dict.fromkeys(rows, 1)
    assert window(http, analytics_url, owner, "unpriced")["calls"] == 1 + len(
        PROVIDERS
    )  # gpt-99-… and model-<provider>
    profile = window(http, analytics_url, owner, "profile")
    assert sum(w["calls"] for w in profile["workloads"]) == len(rows)


def test_concurrent_duplicate_posts_are_counted_once_in_every_view(http, analytics_url, owner, unique):
    rows = [event(unique, n, latency_ms=n) for n in range(200)]
    answers = []

    def post():
        answers.append(http.post(f"{analytics_url}/api/usage", json=rows, headers=owner["headers"]).status_code)

    threads = [threading.Thread(target=post) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [200] * 5
    stored(http, analytics_url, owner, 200)
    # Every delivery lands in a few seconds: the views stay at 200 throughout.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        assert (calls(http, analytics_url, owner), daily_calls(http, analytics_url, owner)) == (200, 200)
        time.sleep(0.5)
    profile = window(http, analytics_url, owner, "profile")
    assert sum(w["calls"] for w in profile["workloads"]) == 200


def test_an_event_id_resent_with_another_timestamp_replaces_the_first(http, analytics_url, owner, unique):
    earlier = (now() - dt.timedelta(days=2)).isoformat()
    first = [
        event(unique, 1, timestamp=earlier, model="gpt-99-turbo", prompt_hash="p"),
        event(unique, 2, timestamp=earlier, model="gpt-99-turbo", prompt_hash="p"),
    ]
    http.post(f"{analytics_url}/api/usage", json=first, headers=owner["headers"]).raise_for_status()
    stored(http, analytics_url, owner, 2)
    http.post(
        f"{analytics_url}/api/usage", json=[event(unique, 1, prompt_hash="q")], headers=owner["headers"]
    ).raise_for_status()

    def moved():
        return {g["key"]: g["calls"] for g in window(http, analytics_url, owner, group_by="model")["groups"]} == {
            "gpt-4o": 1,
            "gpt-99-turbo": 1,
        }

    eventually(moved, timeout=30, interval=0.3, what="the re-sent event counted under its new model only")
    days = [p for s in window(http, analytics_url, owner, "timeseries")["series"] for p in s["points"]]
    assert sorted((p["bucket"], p["calls"]) for p in days) == sorted(
        [(earlier[:10], 1), ((now() - dt.timedelta(hours=1)).date().isoformat(), 1)]
    )
    assert window(http, analytics_url, owner, "unpriced")["calls"] == 1
    assert window(http, analytics_url, owner, "prompts")["duplicate_prompts"] == []  # "p" is asked once now
    assert sum(w["calls"] for w in window(http, analytics_url, owner, "profile")["workloads"]) == 2


def envelope(org_id: str, events: list, message_id: str) -> dict:
    body = json.dumps({"org_id": org_id, "accepted_at": now().isoformat(), "events": events}).encode()
    return {
        "message": {"data": base64.b64encode(body).decode(), "messageId": message_id, "publishTime": now().isoformat()},
        "subscription": "projects/netra-local/subscriptions/analytics-usage-events",
    }


def test_the_consumer_push_route_takes_only_pubsubs_pushes(http, analytics_url, owner, unique, settings, push_token):
    route = f"{analytics_url}/projects/{settings.project_id}/topics/usage-events"
    forged = envelope(owner["org_id"], [event(unique, "forged")], f"{unique}-forged")
    for params in ({}, {"token": "wrong"}, {"token": push_token[:-1]}):
        refused = http.post(route, params=params, json=forged)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"
    real = http.post(
        route, params={"token": push_token}, json=envelope(owner["org_id"], [event(unique, "real")], f"{unique}-real")
    )
    assert real.status_code == 200 and real.json() == {"stored": 1, "refused": []}
    http.post(f"{analytics_url}/api/usage", json=[event(unique, "api")], headers=owner["headers"]).raise_for_status()
    stored(http, analytics_url, owner, 2)  # the pushed one and the API's: the wiring works
    time.sleep(1)
    assert calls(http, analytics_url, owner) == 2  # never the forged one


def test_a_row_the_consumer_cannot_store_is_set_aside_and_the_rest_stored(
    http, analytics_url, owner, unique, settings, push_token, caplog
):
    """A batch queued before today's limits (or by another producer): its bad rows fail alone."""
    rows = [
        event(unique, 1),
        event(unique, "big", latency_ms=5_000_000_000),
        event(unique, "text", feature="\ud800x"),
        event(unique, 2),
        "not a row",
    ]
    pushed = http.post(
        f"{analytics_url}/projects/{settings.project_id}/topics/usage-events",
        params={"token": push_token},
        **as_json(envelope(owner["org_id"], rows, f"{unique}-mixed")),
    )
    assert pushed.status_code == 200, pushed.text
    result = pushed.json()
    assert result["stored"] == 2
    assert [(r["index"], r["event_id"]) for r in result["refused"]] == [
        (1, f"{unique}-big"),
        (2, f"{unique}-text"),
        (4, None),
    ]
    assert calls(http, analytics_url, owner) == 2
