"""Rate limits on intake: per credential and per org, checked before a request's body is read.

A request is counted whole or refused whole: nothing of a refused request is parsed or
queued, so whatever was accepted before a 429 is all there is (no batch accepted in part).
The credential is the API key (known by a hash of it: the key itself is never a Redis key
or a log line) or the signed-in user. The key's budget is checked first, and a request it
refuses spends nothing of the org's: one runaway key does not also use up its siblings'.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping

from shared_lib.auth import Principal, bearer_token
from shared_lib.errors import RateLimited
from shared_lib.ratelimit import RateLimiter

from netra_analytics.settings import AnalyticsSettings


class IntakeLimits:
    def __init__(self, per_key: RateLimiter, per_org: RateLimiter, settings: AnalyticsSettings):
        self._per_key = per_key
        self._per_org = per_org
        self.settings = settings

    @classmethod
    def of(cls, redis, settings: AnalyticsSettings, clock: Callable[[], float] = time.time) -> IntakeLimits:
        window = settings.intake_window_seconds
        return cls(
            RateLimiter(redis, "intake-key", settings.intake_requests_per_key, window, clock=clock),
            RateLimiter(redis, "intake-org", settings.intake_requests_per_org, window, clock=clock),
            settings,
        )

    def check(self, caller: Principal, headers: Mapping[str, str]) -> None:
        """Counts one intake request of `caller`; raises RateLimited when its key or its org
        has none left in this window."""
        decision = self._per_key.hit(credential(caller, headers))
        if not decision.allowed:
            raise _refused("this API key" if caller.kind == "api_key" else "this user", decision.retry_after)
        decision = self._per_org.hit(caller.org_id)
        if not decision.allowed:
            raise _refused("this org", decision.retry_after)


def credential(caller: Principal, headers: Mapping[str, str]) -> str:
    """Who spends the per-key budget: an API key by its hash, a user by id."""
    if caller.kind == "api_key":
        return "key:" + hashlib.sha256(bearer_token(headers).encode()).hexdigest()[:32]
    return f"{caller.kind}:{caller.org_id}:{caller.user_id}"


def _refused(who: str, retry_after: int) -> RateLimited:
    wait = max(1, retry_after)
    return RateLimited(
        "rate_limited", f"too many usage requests from {who}; nothing of this one was accepted, retry in {wait} s", wait
    )
