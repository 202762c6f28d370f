"""Helpers for driving the auth function that the platform runs, over real HTTP."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from tests.conftest import APP_CALLBACK


@pytest.fixture
def auth_url(platform) -> str:
    return next(item.url for item in platform.started if item.name == "auth")


@pytest.fixture
def oauth_url(platform) -> str:
    return next(item.url for item in platform.started if item.name == "oauth-emulator")


@pytest.fixture
def http():
    with httpx.Client(timeout=10) as client:
        yield client


def follow_to_app(client: httpx.Client, url: str, max_hops: int = 10) -> dict | httpx.Response:
    """Follow real redirects until one lands on the app: its fragment as a dict.
    Stops earlier (returning the response) on anything that is not a redirect."""
    for _ in range(max_hops):
        if url.startswith(APP_CALLBACK):
            return dict(parse_qsl(urlsplit(url).fragment))
        response = client.get(url, follow_redirects=False)
        if response.status_code != 302:
            return response
        url = response.headers["Location"]
    raise AssertionError("too many redirects")


def login_url(auth_url: str, provider: str, hint: str | None = None, redirect_uri: str = APP_CALLBACK) -> str:
    query = {"redirect_uri": redirect_uri}
    if hint:
        query["login_hint"] = hint
    return f"{auth_url}/auth/login/{provider}?{urlencode(query)}"


def dev_login(client: httpx.Client, auth_url: str, email: str) -> dict:
    response = client.post(f"{auth_url}/auth/dev/login", json={"email": email})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
