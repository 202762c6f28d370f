"""Pending OAuth sign-ins, server-side: state -> PKCE verifier, nonce, redirect_uri, and the
browser that started it.

Stored in Redis with a short TTL. The browser holds a random binding value in a cookie
scoped to the callback; only its hash sits with the state. A callback without that cookie
(someone else's browser opening a code and state it was handed: login CSRF, RFC 9700
§4.7.1) is refused and leaves the flow for its own browser; with it, the flow is taken with
GETDEL, so a state works once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from werkzeug.http import dump_cookie

FLOW_TTL_SECONDS = 600
_PREFIX = "auth:oauth-flow:"
# One cookie per pending sign-in, so sign-ins started in two tabs do not undo each other.
COOKIE_PREFIX = "netra_signin_"


def new_binding() -> tuple[str, str]:
    """A binding value for the browser's cookie, and the hash kept with the flow."""
    value = secrets.token_urlsafe(32)
    return value, _hash(value)


def cookie_name(state: str) -> str:
    return COOKIE_PREFIX + _hash(state)[:16]


def bound_to(flow: dict, cookie_value: str | None) -> bool:
    """Whether the callback comes from the browser that started `flow` (constant time)."""
    expected = flow.get("binding")
    if not isinstance(expected, str) or not cookie_value:
        return False
    return hmac.compare_digest(expected, _hash(cookie_value))


def binding_cookie(name: str, value: str, path: str, secure: bool) -> str:
    """Set-Cookie for a binding: HttpOnly, SameSite=Lax (sent on the provider's top-level
    redirect back, not on cross-site subrequests), only to the callback, gone with the flow."""
    return dump_cookie(name, value, max_age=FLOW_TTL_SECONDS, path=path, secure=secure, httponly=True, samesite="Lax")


def cleared_cookie(name: str, path: str, secure: bool) -> str:
    return dump_cookie(name, "", max_age=0, expires=0, path=path, secure=secure, httponly=True, samesite="Lax")


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class FlowStore:
    def __init__(self, redis):
        self._redis = redis

    def put(self, state: str, flow: dict) -> None:
        self._redis.set(_PREFIX + state, json.dumps(flow), ex=FLOW_TTL_SECONDS)

    def peek(self, state: str) -> dict | None:
        raw = self._redis.get(_PREFIX + state)
        return json.loads(raw) if raw else None

    def take(self, state: str) -> dict | None:
        raw = self._redis.getdel(_PREFIX + state)
        return json.loads(raw) if raw else None
