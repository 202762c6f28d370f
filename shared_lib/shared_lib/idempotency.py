"""First-writer-wins guard on an event id, because Pub/Sub delivers at least once.

A handler claims the event id before doing work. The claim is a lease: if the handler
crashes, the lease expires and a redelivery may try again; if it fails, the claim is
released at once; if it succeeds, the id is marked done and every later delivery is a
no-op. Backed by Redis (`SET NX` + compare-and-set scripts), so concurrent deliveries on
different instances see one winner.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

DONE = "done"
# Compare-and-set: only the holder of the claim token may finish or release it.
_FINISH = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) else return nil end"
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"


class EventInFlight(RuntimeError):
    """Another delivery of this event holds the claim; retry later (answer non-2xx)."""


class IdempotencyGuard:
    def __init__(self, redis, namespace: str, lease_seconds: int = 600, retention_seconds: int = 7 * 86400):
        if lease_seconds <= 0 or retention_seconds <= 0:
            raise ValueError("lease and retention must be positive")
        self._redis = redis
        self._namespace = namespace
        self._lease = lease_seconds
        self._retention = retention_seconds

    def _key(self, event_id: str) -> str:
        if not event_id:
            raise ValueError("event id must not be empty")
        return f"idem:{self._namespace}:{event_id}"

    def claim(self, event_id: str) -> Claim | None:
        """The claim on a first delivery; None when the event was already processed.

        Raises `EventInFlight` while another delivery holds an unexpired claim.
        """
        key = self._key(event_id)
        token = "claim:" + secrets.token_hex(8)
        for _ in range(2):  # a claim that expires between SET and GET is tried once more
            if self._redis.set(key, token, nx=True, ex=self._lease):
                return Claim(self._redis, key, token, self._retention)
            current = self._redis.get(key)
            if current is not None and _text(current) == DONE:
                return None
            if current is not None:
                break
        raise EventInFlight(f"event {event_id} is being processed by another delivery")

    @contextlib.contextmanager
    def once(self, event_id: str) -> Iterator[bool]:
        """Yield True to the first delivery (do the work), False to any after it succeeded;
        a failure inside releases the claim so that a redelivery tries again."""
        claim = self.claim(event_id)
        if claim is None:
            yield False
            return
        try:
            yield True
        except BaseException:
            claim.release()
            raise
        claim.finish()

    def is_done(self, event_id: str) -> bool:
        value = self._redis.get(self._key(event_id))
        return value is not None and _text(value) == DONE


class Claim:
    """A held claim: `finish()` marks the event done, `release()` lets a redelivery retry."""

    def __init__(self, redis, key: str, token: str, retention: int):
        self._redis, self._key, self._token, self._retention = redis, key, token, retention

    def finish(self) -> None:
        self._redis.eval(_FINISH, 1, self._key, self._token, DONE, self._retention)

    def release(self) -> None:
        self._redis.eval(_RELEASE, 1, self._key, self._token)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
