"""A refused token exchange says why, and when auth's rate limit refused it, when to retry."""

from __future__ import annotations

import httpx
import pytest

from shared_lib.auth import InvalidToken, exchange_token


def refusing(status: int, headers: dict | None = None) -> httpx.Client:
    body = {"error": {"code": "rate_limited" if status == 429 else "invalid_token", "message": "no"}}
    return httpx.Client(
        transport=httpx.MockTransport(lambda request: httpx.Response(status, json=body, headers=headers))
    )


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("14", 14), ("", 60), ("9" * 5000, 60), ("Wed, 21 Oct 2015 07:28:00 GMT", 60), ("86400", 3600)],
)
def test_a_rate_limited_exchange_carries_auths_retry_after(retry_after, expected):
    with (
        refusing(429, {"Retry-After": retry_after} if retry_after else None) as client,
        pytest.raises(InvalidToken) as refused,
    ):
        exchange_token("http://auth", {"Authorization": "Bearer t"}, "usage:read", "agents", http=client)
    assert (refused.value.code, refused.value.retry_after) == ("rate_limited", expected)


def test_any_other_refusal_has_no_retry_after():
    with refusing(401) as client, pytest.raises(InvalidToken) as refused:
        exchange_token("http://auth", {"Authorization": "Bearer t"}, "usage:read", "agents", http=client)
    assert (refused.value.code, refused.value.retry_after) == ("invalid_token", None)
