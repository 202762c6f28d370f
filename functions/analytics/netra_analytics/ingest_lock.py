"""The per-org lock the usage consumer holds while it looks a batch's event ids up and
writes what changed (ADR 0008): in GCP consumer instances scale out, and two of them
storing the same event at once would both see it as new and count it twice.

A Redis key per org, set only if absent with an expiry (a crashed holder frees it) and
deleted only by its holder's token. Locally the consumer is one process and
`warehouse.insert` uses a lock per process instead.
"""

from __future__ import annotations

import contextlib
import time
import uuid

# Deletes the key only if this holder still owns it (another may hold it after expiry).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class LockTimeout(RuntimeError):
    """Another consumer held the org's lock for longer than we wait: the delivery fails and
    Pub/Sub delivers it again."""


class RedisOrgLock:
    def __init__(self, redis, hold_seconds: float = 60.0, wait_seconds: float = 30.0, poll_seconds: float = 0.02):
        # hold: far longer than one batch's lookup and insert (well under a second); a
        # holder that outlives it could overlap the next one, so keep batches bounded.
        self.redis, self.hold, self.wait, self.poll = redis, hold_seconds, wait_seconds, poll_seconds

    @contextlib.contextmanager
    def __call__(self, org_id: str):
        key, token = f"usage-ingest-lock:{org_id}", uuid.uuid4().hex
        deadline = time.monotonic() + self.wait
        while not self.redis.set(key, token, nx=True, px=int(self.hold * 1000)):
            if time.monotonic() > deadline:
                raise LockTimeout(f"the usage ingest lock of org {org_id} stayed taken for {self.wait:.0f} s")
            time.sleep(self.poll)
        try:
            yield
        finally:
            self.redis.eval(_RELEASE, 1, key, token)
