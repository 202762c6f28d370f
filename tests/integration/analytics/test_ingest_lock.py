"""The consumer's per-org Redis lock, on a real Redis: one holder at a time per org, other
orgs not held up, a holder's expiry frees the org, and a late holder never frees another's."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import redis

from tests.conftest import TEST_REDIS_URL

from netra_analytics.ingest_lock import LockTimeout, RedisOrgLock


@pytest.fixture
def lock():
    return RedisOrgLock(redis.Redis.from_url(TEST_REDIS_URL), hold_seconds=2, wait_seconds=5)


def test_one_holder_at_a_time_per_org(lock):
    org, inside, overlaps = f"org-{uuid.uuid4().hex[:8]}", [], []

    def work():
        with lock(org):
            inside.append(1)
            overlaps.append(len(inside))
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert overlaps == [1] * 6


def test_another_org_is_not_held_up_and_a_waiter_gives_up(lock):
    org = f"org-{uuid.uuid4().hex[:8]}"
    impatient = RedisOrgLock(lock.redis, hold_seconds=2, wait_seconds=0.2)
    with lock(org):
        with impatient(f"{org}-other"):
            pass
        with pytest.raises(LockTimeout):
            with impatient(org):
                pass


def test_an_expired_holder_does_not_free_the_next_one(lock):
    org = f"org-{uuid.uuid4().hex[:8]}"
    short = RedisOrgLock(lock.redis, hold_seconds=0.2, wait_seconds=2)
    with short(org):
        time.sleep(0.3)  # expired: the next holder takes the org
        with lock(org):
            pass  # (entered: the expired key was gone)
        with lock(org):
            time.sleep(0)
        taken = lock.redis.set(f"usage-ingest-lock:{org}", "someone-else", nx=True, px=2000)
    # Leaving the expired holder's block must not delete someone else's key.
    assert taken and lock.redis.get(f"usage-ingest-lock:{org}") == b"someone-else"
