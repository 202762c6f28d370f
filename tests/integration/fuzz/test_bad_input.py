"""Hand-made hostile input on every HTTP entry point of auth, chat and analytics, over real
HTTP on the local platform: each class of input that once answered a 500 (issue 14) is
now a 4xx with the JSON error shape, and the route still works afterwards.
"""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest

from tests.conftest import APP_CALLBACK
from tests.helpers import bearer, dev_login, url_of

DEEP = "[" * 100_000 + "]" * 100_000  # ~100k levels: a RecursionError in a plain parser
DEEP_SMALL = "[" * 30_000 + "]" * 30_000  # deep, yet under chat's 64 KB body limit
HUGE_INT = "1" * 5_000  # past int()'s 4,300-digit limit
READS = ["summary", "timeseries", "prompts", "unpriced", "profile"]


@pytest.fixture
def caller(http, auth_url, unique):
    return bearer(dev_login(http, auth_url, f"bad-input-{unique}@example.com")["access_token"])


@pytest.fixture
def thread_id(http, chat_url, caller):
    return http.post(f"{chat_url}/api/threads", json={"title": "bad input"}, headers=caller).json()["thread_id"]


@pytest.fixture
def analytics_url(platform):
    return url_of(platform, "analytics")


def _json_bodies(auth_url, chat_url, thread_id):
    """Every route that reads a JSON body (analytics' /api/usage has its own parser and tests),
    with a field that takes a string."""
    return [
        ("POST", f"{auth_url}/auth/dev/login", "name"),
        ("POST", f"{auth_url}/auth/refresh", "refresh_token"),
        ("POST", f"{auth_url}/auth/token-exchange", "scope"),
        ("POST", f"{auth_url}/auth/validate", "token"),
        ("POST", f"{auth_url}/auth/api-keys", "name"),
        ("POST", f"{chat_url}/api/threads", "title"),
        ("PATCH", f"{chat_url}/api/threads/{thread_id}", "title"),
        ("POST", f"{chat_url}/api/threads/{thread_id}/messages", "text"),
        ("POST", f"{chat_url}/api/changes", "title"),
        ("PATCH", f"{chat_url}/api/changes/{'0' * 32}", "note"),  # the body is refused before any lookup
    ]


def _refused(response, status=None, code=None):
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    error = response.json()["error"]
    assert error["code"] and error["message"]
    assert status is None or response.status_code == status, (response.status_code, error)
    assert code is None or error["code"] == code, error
    return error


def _send(http, method, url, raw: str, caller):
    return http.request(method, url, content=raw.encode(), headers={**caller, "Content-Type": "application/json"})


def test_deep_json_on_every_json_body_is_a_4xx(http, auth_url, chat_url, thread_id, caller):
    for method, url, _ in _json_bodies(auth_url, chat_url, thread_id):
        _refused(_send(http, method, url, DEEP, caller))  # 400, or 413 where the body limit is lower
        _refused(_send(http, method, url, DEEP_SMALL, caller), 400, "malformed_json")


def test_integers_past_4300_digits_in_every_json_body_are_a_400(http, auth_url, chat_url, thread_id, caller):
    for method, url, field in _json_bodies(auth_url, chat_url, thread_id):
        _refused(_send(http, method, url, f'{{"{field}": {HUGE_INT}}}', caller), 400, "malformed_json")
        _refused(_send(http, method, url, f'{{"{field}": [1e{HUGE_INT}]}}', caller), 400, "malformed_json")


@pytest.mark.parametrize("text", ["\\ud800x", "a\\u0000b", "\\udfff"])
def test_strings_no_store_can_hold_in_every_json_body_are_a_400(http, auth_url, chat_url, thread_id, caller, text):
    for method, url, field in _json_bodies(auth_url, chat_url, thread_id):
        _refused(_send(http, method, url, f'{{"{field}": "{text}"}}', caller), 400, "invalid_text")
    # Nothing was half-written: the thread is as it was, and still answers.
    thread = http.get(f"{chat_url}/api/threads/{thread_id}", headers=caller).json()
    assert (thread["title"], thread["message_count"]) == ("bad input", 0)


def test_page_limits_that_are_not_small_decimals_are_a_400(http, chat_url, thread_id, caller):
    for page in (f"{chat_url}/api/threads", f"{chat_url}/api/threads/{thread_id}/messages"):
        for limit in (HUGE_INT, "9" * 4301, "\u00b2", "\u0663", "-1", "1e3"):
            _refused(http.get(page, params={"limit": limit}, headers=caller), 400, "invalid_limit")
        assert http.get(page, params={"limit": "200"}, headers=caller).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/runs/__main__",
        "/api/threads/__x__",
        "/api/threads/__x__/messages",
        "/api/runs/..",
        "/api/threads/%2E",
        "/api/runs/a%2Fb",
        "/api/threads/a%00b",
        "/api/threads/" + "a" * 2000,
        "/api/runs/" + HUGE_INT,
        "/api/threads/a%0Ab/messages",  # answered by functions-framework's routing, before ours
        "/api/changes/__x__",
        "/api/changes/a%2Fb",
        "/api/changes/" + HUGE_INT,
    ],
)
def test_ids_firestore_refuses_are_a_404_on_every_chat_route(http, chat_url, caller, path):
    for method in ("GET", "PATCH", "DELETE", "POST"):
        body = {"text": "hi"} if method == "POST" else {"title": "x"} if method == "PATCH" else None
        response = http.request(method, f"{chat_url}{path}", json=body, headers=caller)
        assert response.status_code in (404, 405), (method, path, response.status_code, response.text[:200])
        _refused(response)


@pytest.mark.parametrize("cursor", ["__x__", "__main__", "a/b", ".", "..", "x" * 2000, HUGE_INT])
def test_cursors_firestore_refuses_are_a_400(http, chat_url, thread_id, caller, cursor):
    for page in (f"{chat_url}/api/threads", f"{chat_url}/api/threads/{thread_id}/messages", f"{chat_url}/api/changes"):
        _refused(http.get(page, params={"cursor": cursor}, headers=caller), 400, "invalid_cursor")


def test_api_key_ids_firestore_or_postgres_refuse_are_a_404(http, auth_url, caller):
    for key_id in ("__x__", "a%2Fb", "a%00b", HUGE_INT):
        _refused(http.delete(f"{auth_url}/auth/api-keys/{key_id}", headers=caller), 404)


@pytest.mark.parametrize(
    "params",
    [
        {"from": "0999-12-31"},
        {"to": "0001-01-01"},
        {"from": "0001-01-01T00:00:00+14:00"},
        {"to": "9999-12-31T23:59:59-14:00"},
        {"from": "1999-12-31T23:59:59Z"},
        {"to": "2100-01-01T00:00:01Z"},
        {"from": "1970-01-01", "to": "9999-12-31"},
        {"from": "2000-01-01T00:00:00+01:00"},
        {"from": HUGE_INT},
        {"to": "2026-13-01"},
    ],
)
def test_dates_outside_2000_to_2100_on_every_analytics_read_are_a_400(http, analytics_url, caller, params):
    for read in READS:
        _refused(http.get(f"{analytics_url}/api/usage/{read}", params=params, headers=caller), 400, "invalid_range")


def test_the_whole_sane_range_is_readable(http, analytics_url, caller):
    for read in READS:
        response = http.get(
            f"{analytics_url}/api/usage/{read}",
            params={"from": "2000-01-01", "to": "2100-01-01T00:00:00Z"},
            headers=caller,
        )
        assert response.status_code == 200, (read, response.text[:300])


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "ES256", "kid": 5},
        {"alg": "ES256", "kid": ["k"]},
        {"alg": "ES256", "kid": {"k": 1}},
        {"alg": "ES256", "kid": "k", "crit": "x"},
    ],
)
def test_a_forged_token_header_is_a_401_on_every_bearer_route(http, platform, caller, header):
    _, payload, signature = caller["Authorization"].removeprefix("Bearer ").split(".")
    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    forged = bearer(f"{encoded}.{payload}.{signature}")
    for service, path in [("auth", "/auth/me"), ("chat", "/api/threads"), ("analytics", "/api/usage/summary")]:
        _refused(http.get(f"{url_of(platform, service)}{path}", headers=forged), 401)
    assert (
        http.post(f"{url_of(platform, 'auth')}/auth/validate", json={"token": forged["Authorization"][7:]}).json()[
            "valid"
        ]
        is False
    )


def test_a_nul_in_any_query_parameter_is_a_400(http, auth_url, chat_url, analytics_url, caller):
    login = http.get(f"{auth_url}/auth/login/google", params={"redirect_uri": APP_CALLBACK})
    state = urllib.parse.parse_qs(urllib.parse.urlparse(login.headers["location"]).query)["state"][0]
    # Once a 500: the callback audits the provider's error in Postgres, which refuses NUL.
    _refused(
        http.get(f"{auth_url}/auth/callback/google", params={"state": state, "error": "access\x00denied"}),
        400,
        "invalid_query",
    )
    _refused(http.get(f"{chat_url}/api/threads", params={"cursor": "a\x00b"}, headers=caller), 400, "invalid_query")
    _refused(
        http.get(f"{analytics_url}/api/usage/summary", params={"from": "2026-01-01\x00"}, headers=caller),
        400,
        "invalid_query",
    )


def test_head_with_a_body_creates_no_api_key(http, auth_url, caller):
    before = http.get(f"{auth_url}/auth/api-keys", headers=caller).json()["api_keys"]
    head = http.request("HEAD", f"{auth_url}/auth/api-keys", json={"name": "by HEAD"}, headers=caller)
    assert head.status_code == 200 and head.content == b""
    assert http.get(f"{auth_url}/auth/api-keys", headers=caller).json()["api_keys"] == before
