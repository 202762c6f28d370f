"""Analytics' documented answers hold for an org with usage: the fuzzer's callers have none,
so their lists are empty and the item schemas (nullable percentiles, workloads, series points)
go unchecked there. Here an org stores calls that fill every list, with and without a latency
or a time to first token, and each read's answer is validated against its schema."""

from __future__ import annotations

import datetime as dt

import pytest
from jsonschema import Draft202012Validator

from tests.helpers import bearer, dev_login, eventually, url_of

pytestmark = pytest.mark.platform


def calls(unique: str) -> list[dict]:
    at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=2)
    base = {"provider": "openai", "input_tokens": 1000, "output_tokens": 200, "feature": "support"}
    rows = [
        # Two calls of one prompt sharing a prefix, one with a TTFT; a call without a latency
        # (0: no percentile); a failed one; a model nobody prices.
        {**base, "model": "gpt-4o", "latency_ms": 900, "ttft_ms": 300, "prompt_hash": "p1", "prefix_hash": "x1"},
        {**base, "model": "gpt-4o", "latency_ms": 700, "prompt_hash": "p1", "prefix_hash": "x1", "max_tokens": 200},
        {**base, "model": "gpt-4o-mini", "latency_ms": 0, "status": "error"},
        {**base, "model": "acme-private-7b", "provider": "other", "latency_ms": 50, "feature": "search"},
    ]
    return [
        {**row, "event_id": f"{unique}-{n}", "timestamp": (at + dt.timedelta(minutes=n)).isoformat()}
        for n, row in enumerate(rows)
    ]


def test_every_read_answers_as_its_schema_says_for_an_org_with_usage(platform, http, unique):
    from netra_analytics.openapi import OPENAPI

    analytics = url_of(platform, "analytics")
    owner = bearer(dev_login(http, url_of(platform, "auth"), f"answers-{unique}@example.com")["access_token"])
    rows = calls(unique)
    assert http.post(f"{analytics}/api/usage", json=rows, headers=owner).json()["accepted"] == len(rows)
    eventually(
        lambda: http.get(f"{analytics}/api/usage/summary", headers=owner).json()["totals"]["calls"] == len(rows),
        30,
        interval=0.3,
        what="the calls stored",
    )
    reads = [
        ("summary", {"group_by": "model"}),
        ("summary", {"group_by": "day"}),
        ("timeseries", {}),
        ("timeseries", {"interval": "hour", "group_by": "model"}),
        ("prompts", {}),
        ("names", {}),
        ("names", {"limit": 1}),
        ("unpriced", {}),
        ("profile", {}),
    ]
    for path, params in reads:
        answer = http.get(f"{analytics}/api/usage/{path}", params=params, headers=owner)
        assert answer.status_code == 200, answer.text
        schema = OPENAPI["paths"][f"/api/usage/{path}"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in Draft202012Validator(schema).iter_errors(answer.json())
        ]
        assert not errors, (path, params, errors)
        body = answer.json()
        # Every list the schema describes items of has some here, so the item schemas were used.
        lists = {
            "summary": body.get("groups"),
            "timeseries": body.get("series"),
            "prompts": body.get("duplicate_prompts"),
            "names": body.get("names", {}).get("model"),
            "unpriced": body.get("models"),
            "profile": body.get("workloads"),
        }
        assert lists[path], (path, body)
    summary = http.get(f"{analytics}/api/usage/summary", params={"group_by": "model"}, headers=owner).json()
    # The documented nulls are real: a model whose only call has no latency has no percentile.
    assert {g["key"]: g["p50_latency_ms"] for g in summary["groups"]}["gpt-4o-mini"] is None
    # The names triage reads, the costliest first (the unpriced model costs nothing), and one each.
    names = http.get(f"{analytics}/api/usage/names", headers=owner).json()["names"]
    assert names == {
        "feature": ["support", "search"],
        "model": ["gpt-4o", "gpt-4o-mini", "acme-private-7b"],
        "provider": ["openai", "other"],
        "user": [],
    }
    one = http.get(f"{analytics}/api/usage/names", params={"limit": 1}, headers=owner).json()["names"]
    assert one == {"feature": ["support"], "model": ["gpt-4o"], "provider": ["openai"], "user": []}
    refused = http.get(f"{analytics}/api/usage/names", params={"limit": 0}, headers=owner)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_limit"
