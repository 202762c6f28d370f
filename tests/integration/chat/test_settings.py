"""The org's settings (its monthly LLM budget) over HTTP, on the Firestore emulator."""

from __future__ import annotations

import pytest

from tests.helpers import bearer, dev_login, url_of


@pytest.fixture
def member(http, auth_url, unique):
    return bearer(dev_login(http, auth_url, f"settings-{unique}@example.com")["access_token"])


def test_a_budget_is_stored_per_org_exactly_and_put_is_idempotent(
    http, chat_url, auth_url, member, unique, firestore_db
):
    assert http.get(f"{chat_url}/api/settings", headers=member).json()["monthly_budget_usd"] is None
    for _ in range(2):  # the same PUT twice: the same settings
        put = http.put(f"{chat_url}/api/settings", json={"monthly_budget_usd": "1500.5"}, headers=member)
        assert put.status_code == 200, put.text
        assert put.json()["monthly_budget_usd"] == "1500.50"
    assert http.get(f"{chat_url}/api/settings", headers=member).json()["monthly_budget_usd"] == "1500.50"
    org_id = http.get(f"{auth_url}/auth/me", headers=member).json()["org_id"]
    stored = firestore_db.collection("org_settings").document(org_id).get().to_dict()
    assert stored["monthly_budget_usd"] == "1500.50"  # where the agents' forecast reads it

    # Another org sees its own (none), and cannot change this one's.
    stranger = bearer(dev_login(http, auth_url, f"other-{unique}@example.com")["access_token"])
    assert http.get(f"{chat_url}/api/settings", headers=stranger).json()["monthly_budget_usd"] is None
    http.put(f"{chat_url}/api/settings", json={"monthly_budget_usd": "7"}, headers=stranger)
    assert http.get(f"{chat_url}/api/settings", headers=member).json()["monthly_budget_usd"] == "1500.50"

    assert (
        http.put(f"{chat_url}/api/settings", json={"monthly_budget_usd": "0"}, headers=member).json()[
            "monthly_budget_usd"
        ]
        == "0.00"
    )
    assert (
        http.put(f"{chat_url}/api/settings", json={"monthly_budget_usd": "1000000000"}, headers=member).status_code
        == 200
    )
    cleared = http.put(f"{chat_url}/api/settings", json={"monthly_budget_usd": None}, headers=member)
    assert cleared.status_code == 200 and cleared.json()["monthly_budget_usd"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"monthly_budget_usd": "-1"}, "invalid_budget"),
        ({"monthly_budget_usd": "1.234"}, "invalid_budget"),
        ({"monthly_budget_usd": "1e3"}, "invalid_budget"),
        ({"monthly_budget_usd": "abc"}, "invalid_budget"),
        ({"monthly_budget_usd": ""}, "invalid_budget"),
        ({"monthly_budget_usd": "1000000000.01"}, "invalid_budget"),
        ({"monthly_budget_usd": 1500}, "invalid_field"),  # a JSON number could not stay exact
        ({}, "missing_field"),
        ({"monthly_budget_usd": "1", "currency": "EUR"}, "unknown_field"),
        (["1"], "invalid_body"),
    ],
)
def test_a_bad_budget_is_refused_as_json_and_changes_nothing(http, chat_url, member, body, code):
    assert http.put(f"{chat_url}/api/settings", json={"monthly_budget_usd": "20.00"}, headers=member).status_code == 200
    refused = http.put(f"{chat_url}/api/settings", json=body, headers=member)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == code, refused.text
    assert http.get(f"{chat_url}/api/settings", headers=member).json()["monthly_budget_usd"] == "20.00"


def test_only_signed_in_members_read_or_write_settings(http, chat_url, auth_url, member):
    assert http.get(f"{chat_url}/api/settings").status_code == 401
    anonymous = http.put(f"{chat_url}/api/settings", json={"monthly_budget_usd": "bad"})
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"]
    key = http.post(f"{auth_url}/auth/api-keys", json={"name": "ingest"}, headers=member).json()["key"]
    for call in (
        lambda h: http.get(f"{chat_url}/api/settings", headers=h),
        lambda h: http.put(f"{chat_url}/api/settings", json={"monthly_budget_usd": "1.00"}, headers=h),
    ):
        refused = call(bearer(key))  # chat takes no org API key at all; the service would say 403
        assert refused.status_code == 401 and refused.json()["error"]["code"]


def test_the_web_app_may_put_across_origins(http, chat_url, platform):
    origin = url_of(platform, "relay")
    preflight = http.options(
        f"{chat_url}/api/settings",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "PUT" in [m.strip() for m in preflight.headers["Access-Control-Allow-Methods"].split(",")]
