"""Org API key scopes: a key is created with the scopes asked for, holds exactly those, and
the running analytics function enforces them (read keys read, write keys write)."""

from __future__ import annotations

import pytest

from shared_lib.auth import authenticator
from shared_lib.config import load_settings
from tests.helpers import bearer, dev_login, eventually, url_of


@pytest.fixture
def analytics_url(platform) -> str:
    return url_of(platform, "analytics")


@pytest.fixture
def owner(http, auth_url, unique):
    return bearer(dev_login(http, auth_url, f"scopes-{unique}@example.com")["access_token"])


def create(http, auth_url, owner, **body):
    return http.post(f"{auth_url}/auth/api-keys", json={"name": "k", **body}, headers=owner)


def event(unique: str) -> dict:
    return {
        "event_id": f"{unique}-scoped",
        "timestamp": "2026-11-20T10:00:00Z",
        "provider": "openai",
        "model": "gpt-4o",
        "input_tokens": 1000,
        "output_tokens": 500,
        "latency_ms": 100,
        "feature": "support",
    }


def summary(http, analytics_url, headers):
    return http.get(
        f"{analytics_url}/api/usage/summary", params={"from": "2026-11-01", "to": "2026-12-01"}, headers=headers
    )


def test_a_key_holds_exactly_the_scopes_it_was_created_with(http, auth_url, redis, owner):
    component = authenticator(load_settings({"AUTH_URL": auth_url, "NETRA_ENV": "test"}), redis, http)
    for asked, held in (
        (None, ["usage:write"]),
        (["usage:read"], ["usage:read"]),
        (["usage:read", "usage:write", "usage:read"], ["usage:write", "usage:read"]),
    ):
        created = create(http, auth_url, owner, **({} if asked is None else {"scopes": asked}))
        assert created.status_code == 201, created.text
        key = created.json()
        assert key["permissions"] == held
        assert http.post(f"{auth_url}/auth/validate", json={"token": key["key"]}).json()["permissions"] == held
        assert component.authenticate(bearer(key["key"]), allow_api_key=True).permissions == tuple(held)
        listed = {k["id"]: k for k in http.get(f"{auth_url}/auth/api-keys", headers=owner).json()["api_keys"]}
        assert listed[key["id"]]["permissions"] == held


@pytest.mark.parametrize("scopes", [[], ["usage:admin"], ["usage:read", "chat:write"], [1], "usage:read"])
def test_unknown_or_empty_scopes_are_a_json_400_and_make_no_key(http, auth_url, owner, scopes):
    before = len(http.get(f"{auth_url}/auth/api-keys", headers=owner).json()["api_keys"])
    refused = create(http, auth_url, owner, scopes=scopes)
    assert refused.status_code == 400 and refused.headers["Content-Type"].startswith("application/json")
    assert refused.json()["error"]["code"] in ("invalid_scopes", "invalid_field")
    if isinstance(scopes, list) and scopes and all(isinstance(s, str) for s in scopes):
        assert "usage:admin" in refused.json()["error"]["message"] or "chat:write" in refused.json()["error"]["message"]
    assert len(http.get(f"{auth_url}/auth/api-keys", headers=owner).json()["api_keys"]) == before


def test_a_read_key_reads_the_orgs_summary_and_cannot_write(http, auth_url, analytics_url, owner, unique):
    assert http.post(f"{analytics_url}/api/usage", json=[event(unique)], headers=owner).json()["accepted"] == 1
    reader = bearer(create(http, auth_url, owner, scopes=["usage:read"]).json()["key"])

    def shown():
        read = summary(http, analytics_url, reader)
        return read if read.status_code != 200 or read.json()["totals"]["calls"] >= 1 else None

    answer = eventually(shown, 30, interval=0.3, what="the owner's call shown to the read key")
    assert answer.status_code == 200, answer.text
    # The key reads its own org's numbers, the same the owner sees.
    assert (
        answer.json()["totals"]["calls"] == 1
        and answer.json()["totals"] == summary(http, analytics_url, owner).json()["totals"]
    )
    refused = http.post(
        f"{analytics_url}/api/usage", json=[{**event(unique), "event_id": f"{unique}-by-reader"}], headers=reader
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden", refused.text


def test_a_write_key_writes_and_cannot_read(http, auth_url, analytics_url, owner, unique):
    writer = bearer(create(http, auth_url, owner, scopes=["usage:write"]).json()["key"])
    written = http.post(f"{analytics_url}/api/usage", json=[event(unique)], headers=writer)
    assert written.status_code == 200 and written.json()["accepted"] == 1, written.text
    refused = summary(http, analytics_url, writer)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden", refused.text
    eventually(
        lambda: summary(http, analytics_url, owner).json()["totals"]["calls"] >= 1,
        30,
        interval=0.3,
        what="the write key's call stored for its org",
    )


def test_a_key_with_both_scopes_reads_and_writes(http, auth_url, analytics_url, owner, unique):
    both = bearer(create(http, auth_url, owner, scopes=["usage:write", "usage:read"]).json()["key"])
    assert http.post(f"{analytics_url}/api/usage", json=[event(unique)], headers=both).status_code == 200
    assert summary(http, analytics_url, both).status_code == 200
