"""Every error the running relay answers, aiohttp's own included, is the platform's JSON
error with the security headers of its pages: an unknown path, a wrong method, a body over
the limit, a plain GET on the socket's path, a static file that is not there, a directory, a path
outside the static files."""

from __future__ import annotations

import httpx
import pytest

MAX_PUSH_BYTES = 1024 * 1024


@pytest.fixture
def page_policy(http, relay_url) -> str:
    return http.get(f"{relay_url}/").headers["Content-Security-Policy"]


def assert_json_error(response: httpx.Response, status: int, code: str, policy: str) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Content-Security-Policy"] == policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    error = response.json()["error"]
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    return error


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/no-such-page", 404, "not_found"),
        ("GET", "/static/no-such-file.js", 404, "not_found"),
        ("GET", "/static/../main.py", 404, "not_found"),
        ("GET", "/static/", 404, "not_found"),
        ("GET", "/static/dom.js/", 404, "not_found"),
        ("DELETE", "/config.json", 405, "method_not_allowed"),
        ("POST", "/", 405, "method_not_allowed"),
        ("GET", "/pubsub/push", 405, "method_not_allowed"),
        ("GET", "/ws", 400, "bad_request"),  # not a WebSocket upgrade
    ],
)
def test_each_error_is_json_with_the_pages_security_headers(http, relay_url, page_policy, method, path, status, code):
    # A raw path: httpx would resolve the "..".
    request = http.build_request(method, relay_url)
    request.url = request.url.copy_with(raw_path=path.encode())
    assert_json_error(http.send(request), status, code, page_policy)


def test_a_wrong_method_says_which_are_allowed(http, relay_url, page_policy):
    response = http.delete(f"{relay_url}/config.json")
    assert_json_error(response, 405, "method_not_allowed", page_policy)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


def test_a_push_over_the_body_limit_is_413_json(http, relay_url, push_token, page_policy):
    response = http.post(
        f"{relay_url}/pubsub/push",
        params={"token": push_token},
        content=b"{" + b" " * MAX_PUSH_BYTES + b"}",
        headers={"Content-Type": "application/json"},
    )
    error = assert_json_error(response, 413, "payload_too_large", page_policy)
    assert str(MAX_PUSH_BYTES) in error["message"]


def test_a_head_of_an_unknown_path_carries_the_headers_too(http, relay_url, page_policy):
    response = http.head(f"{relay_url}/no-such-page")
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Content-Security-Policy"] == page_policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
