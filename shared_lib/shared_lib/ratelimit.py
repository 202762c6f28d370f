"""Fixed-window rate limits in Redis: shared by every instance, atomic per request."""

from __future__ import annotations

import dataclasses
import time

# INCR and set the window's expiry in one step, so a crash cannot leave a key without TTL.
_HIT = "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n"


@dataclasses.dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int


class RateLimiter:
    def __init__(self, redis, name: str, limit: int, window_seconds: int, clock=time.time):
        if limit < 1 or window_seconds < 1:
            raise ValueError("limit and window must be positive")
        self._redis = redis
        self._name = name
        self._limit = limit
        self._window = window_seconds
        self._clock = clock

    def hit(self, subject: str) -> Decision:
        """Counts one request of `subject`: allowed while the window's count is within the limit."""
        key, retry_after = self._window_of(subject)
        count = int(self._redis.eval(_HIT, 1, key, self._window))
        return Decision(count <= self._limit, max(0, self._limit - count), retry_after)

    def standing(self, subject: str) -> Decision:
        """Whether one more request of `subject` would be allowed, without counting one: for
        budgets spent only by some outcomes (a failed guess), checked before the work."""
        key, retry_after = self._window_of(subject)
        count = int(self._redis.get(key) or 0)
        return Decision(count < self._limit, max(0, self._limit - count), retry_after)

    def _window_of(self, subject: str) -> tuple[str, int]:
        now = int(self._clock())
        window = now // self._window
        return f"rl:{self._name}:{subject}:{window}", (window + 1) * self._window - now
