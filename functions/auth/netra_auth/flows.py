"""Pending OAuth sign-ins, server-side: state -> PKCE verifier, nonce, redirect_uri.

Stored in Redis with a short TTL and taken with GETDEL, so a state works once.
"""

from __future__ import annotations

import json

FLOW_TTL_SECONDS = 600
_PREFIX = "auth:oauth-flow:"


class FlowStore:
    def __init__(self, redis):
        self._redis = redis

    def put(self, state: str, flow: dict) -> None:
        self._redis.set(_PREFIX + state, json.dumps(flow), ex=FLOW_TTL_SECONDS)

    def take(self, state: str) -> dict | None:
        raw = self._redis.getdel(_PREFIX + state)
        return json.loads(raw) if raw else None
