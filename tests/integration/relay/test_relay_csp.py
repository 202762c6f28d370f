"""The relay serves the web app with a Content-Security-Policy: its own scripts only, no
inline script, calls only to itself and the auth, chat and analytics origins it names in
/config.json, and never inside another site's frame."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from netra_relay.app import content_security_policy


def directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/static/styles.css", "/static/favicon.svg", "/config.json"])
def test_every_page_and_file_carries_the_policy(http, relay_url, path):
    response = http.get(f"{relay_url}{path}")
    assert response.status_code == 200
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no other host
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_connect_src_is_exactly_this_origin_and_the_configured_apis(http, relay_url):
    config = http.get(f"{relay_url}/config.json").json()
    assert config["analytics_url"]  # the dashboard's data source
    policy = directives(http.get(f"{relay_url}/").headers["Content-Security-Policy"])
    expected = {"'self'"} | {origin(config[name]) for name in ("auth_url", "chat_url", "analytics_url")}
    assert set(policy["connect-src"]) == expected
    assert not any(src in ("http:", "https:", "ws:", "wss:", "*") for src in policy["connect-src"])


def test_the_page_itself_has_no_inline_script_or_style(http, relay_url):
    html = http.get(f"{relay_url}/").text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # every script is a file of this origin
    assert "<style" not in html and " style=" not in html and re.search(r"\son[a-z]+=", html) is None


def test_origins_are_reduced_to_scheme_and_host_and_junk_is_left_out():
    policy = directives(
        content_security_policy(
            {
                "auth_url": "https://auth.example.com/base/",
                "chat_url": None,
                "analytics_url": "javascript:alert(1)",
                "dev_login": False,
            }
        )
    )
    assert policy["connect-src"] == ["'self'", "https://auth.example.com"]
