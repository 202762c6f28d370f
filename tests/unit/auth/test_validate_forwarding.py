"""A component checking an org API key at auth's `/auth/validate` (shared_lib.auth): behind
proxies it names the client it validates for, and a client past its budget of refused keys
gets auth's 429 and Retry-After, not a 503."""

from __future__ import annotations

import json

import httpx
import pytest

from shared_lib.auth import Authenticator, TokenVerifier
from shared_lib.errors import RateLimited
from shared_lib.http import refusal_response

KEY = "netra_sk_" + "k" * 43
VALID = {"valid": True, "kind": "api_key", "user_id": None, "org_id": "org-1", "permissions": ["usage:write"]}


def component(answer: httpx.Response, hops: int, sent: list):
    def serve(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return answer

    verifier = TokenVerifier(lambda kid: None, "https://auth.example", "netra", None)
    http = httpx.Client(transport=httpx.MockTransport(serve))
    return Authenticator(verifier, "https://auth.example/auth/validate", http=http, trusted_proxy_hops=hops)


def test_behind_a_proxy_the_client_it_appended_is_named_to_auth():
    sent: list = []
    auth = component(httpx.Response(200, json=VALID), 1, sent)
    headers = {"Authorization": f"Bearer {KEY}", "X-Forwarded-For": "10.9.9.9, 203.0.113.5"}
    assert auth.authenticate(headers, allow_api_key=True).org_id == "org-1"
    assert sent == [{"token": KEY, "client_ip": "203.0.113.5"}]


@pytest.mark.parametrize(
    ("hops", "headers"),
    [(0, {"X-Forwarded-For": "203.0.113.5"}), (2, {"X-Forwarded-For": "203.0.113.5"}), (1, {})],
)
def test_without_a_trusted_proxy_entry_no_client_is_named(hops, headers):
    # No proxy: auth sees the client's own address, and the header is the client's writing.
    sent: list = []
    auth = component(httpx.Response(200, json=VALID), hops, sent)
    auth.authenticate({"Authorization": f"Bearer {KEY}", **headers}, allow_api_key=True)
    assert sent == [{"token": KEY}]


def test_a_client_past_its_budget_is_told_to_wait_as_auth_said():
    refused = httpx.Response(
        429, json={"error": {"code": "rate_limited", "message": "too many"}}, headers={"Retry-After": "17"}
    )
    auth = component(refused, 0, [])
    with pytest.raises(RateLimited) as caught:
        auth.authenticate({"Authorization": f"Bearer {KEY}"}, allow_api_key=True)
    assert caught.value.retry_after == 17
    body, status, headers = refusal_response(caught.value)
    assert status == 429 and headers["Retry-After"] == "17"
    assert json.loads(body)["error"]["code"] == "rate_limited"
