"""An org's own model names through the running platform: PUT a mapping, send calls under
the name, read them back priced and grouped as the catalog model."""

from __future__ import annotations

import pytest

from tests.helpers import bearer, dev_login, eventually, url_of


@pytest.fixture
def analytics_url(platform) -> str:
    return url_of(platform, "analytics")


def signed_in(http, auth_url, email: str) -> dict:
    return bearer(dev_login(http, auth_url, email)["access_token"])


def call(event_id: str, model: str) -> dict:
    return {
        "event_id": event_id,
        "timestamp": "2026-11-20T10:00:00Z",
        "provider": "openai",
        "model": model,
        "input_tokens": 1000,
        "output_tokens": 500,
        "latency_ms": 100,
    }


def by_model(http, url, headers, calls: int, timeout: float = 30.0) -> dict:
    """{model: (calls, cost)} once the org has `calls` calls stored."""

    def summary() -> dict:
        return http.get(
            f"{url}/api/usage/summary",
            params={"from": "2026-11-01", "to": "2026-12-01", "group_by": "model"},
            headers=headers,
        ).json()

    report = eventually(
        lambda: (answer := summary())["totals"]["calls"] == calls and answer,
        timeout=timeout,
        interval=0.3,
        what=lambda: f"{calls} calls stored; the org has {summary()['totals']}",
    )
    return {g["key"]: (g["calls"], g["cost_usd"]) for g in report["groups"]}


def test_a_deployment_name_is_priced_and_grouped_as_the_model_it_is_mapped_to(http, analytics_url, auth_url, unique):
    owner = signed_in(http, auth_url, f"aliases-{unique}@example.com")
    names = f"{analytics_url}/api/usage/model-names"
    assert http.get(names, headers=owner).json() == {"aliases": {}}
    # Sent before any mapping: unpriced under its own name, and it stays so.
    http.post(
        f"{analytics_url}/api/usage", json=[call(f"{unique}-0", "prod-gpt4o-eu")], headers=owner
    ).raise_for_status()
    assert by_model(http, analytics_url, owner, 1) == {"prod-gpt4o-eu": (1, "0")}

    put = http.put(names, json={"aliases": {"prod-gpt4o-eu": "gpt-4o"}}, headers=owner)
    assert put.status_code == 200 and put.json() == {"aliases": {"prod-gpt4o-eu": "gpt-4o"}}
    assert http.get(names, headers=owner).json() == {"aliases": {"prod-gpt4o-eu": "gpt-4o"}}
    http.post(
        f"{analytics_url}/api/usage",
        json=[call(f"{unique}-1", "prod-gpt4o-eu"), call(f"{unique}-2", "gpt-4o")],
        headers=owner,
    ).raise_for_status()
    # Two calls of gpt-4o at 1,000 x 2.50/M + 500 x 10/M = 0.0075 each; the old call kept its model.
    assert by_model(http, analytics_url, owner, 3) == {"gpt-4o": (2, "0.015"), "prod-gpt4o-eu": (1, "0")}

    # Another org sending the same name is not touched by this org's mapping.
    stranger = signed_in(http, auth_url, f"aliases-other-{unique}@example.com")
    assert http.get(names, headers=stranger).json() == {"aliases": {}}
    http.post(
        f"{analytics_url}/api/usage", json=[call(f"{unique}-3", "prod-gpt4o-eu")], headers=stranger
    ).raise_for_status()
    assert by_model(http, analytics_url, stranger, 1) == {"prod-gpt4o-eu": (1, "0")}

    # A new mapping replaces the old one.
    assert http.put(names, json={"aliases": {}}, headers=owner).json() == {"aliases": {}}
    assert http.get(names, headers=owner).json() == {"aliases": {}}


def test_a_mapping_is_validated_and_only_a_signed_in_user_may_change_it(http, analytics_url, auth_url, unique):
    owner = signed_in(http, auth_url, f"aliases-check-{unique}@example.com")
    names = f"{analytics_url}/api/usage/model-names"
    unknown = http.put(names, json={"aliases": {"prod": "gpt-99-imaginary"}}, headers=owner)
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "invalid_aliases"
    assert "not a model the price catalog knows" in unknown.json()["error"]["message"]
    for body in ({"aliases": {"x" * 201: "gpt-4o"}}, {"aliases": {f"d{i}": "gpt-4o" for i in range(201)}}, ["gpt-4o"]):
        response = http.put(names, json=body, headers=owner)
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_aliases", response.text
    malformed = http.put(names, content=b"{bad", headers={**owner, "Content-Type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "malformed_json"
    assert http.put(names, json={"aliases": {}}).status_code == 401

    key = http.post(
        f"{auth_url}/auth/api-keys", json={"name": "both", "scopes": ["usage:write", "usage:read"]}, headers=owner
    ).json()
    refused = http.put(names, json={"aliases": {"prod": "gpt-4o"}}, headers=bearer(key["key"]))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert http.get(names, headers=bearer(key["key"])).json() == {"aliases": {}}  # it may read; nothing was changed
