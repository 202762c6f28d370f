"""Helpers for following OAuth redirects through the auth function the platform runs."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from tests.conftest import APP_CALLBACK


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
