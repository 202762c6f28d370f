"""A message is queued or refused, never half-accepted: past auth's limit on token exchanges
(30 a minute per user here, as in production), `POST …/messages` answers 429 with auth's
Retry-After and stores nothing; the same Idempotency-Key after the wait queues it, once."""

from __future__ import annotations

import time

import pytest

from tests.helpers import url_of
from tests.integration.faults.conftest import EXCHANGES_PER_MINUTE
from tests.integration.faults.driving import finished, new_thread, sign_in

pytestmark = pytest.mark.platform


def runs_of(firestore_db, user_id: str) -> list:
    from google.cloud.firestore_v1.base_query import FieldFilter

    return list(firestore_db.collection("runs").where(filter=FieldFilter("user_id", "==", user_id)).stream())


def use_up_exchanges(http, platform, who: dict) -> int:
    """Spend this minute's token exchanges; the seconds left in the window (at least 3)."""
    auth = url_of(platform, "auth")
    while True:
        for _ in range(2 * EXCHANGES_PER_MINUTE):
            answer = http.post(
                f"{auth}/auth/token-exchange", json={"scope": "usage:read", "actor": "agents"}, headers=who["headers"]
            )
            if answer.status_code == 429:
                break
            assert answer.status_code == 200, answer.text
        left = int(answer.headers["Retry-After"])
        if left >= 3:
            return left
        time.sleep(left)  # too close to the window's end to use: take the next one


def let_the_window_pass(redis, user_id: str, retry_after: int) -> None:
    """What waiting Retry-After seconds does, without the wait: auth's window for this
    user's exchanges is forgotten (if its keys are not found, we wait)."""
    keys = list(redis.scan_iter(f"rl:auth:exchange:{user_id}:*"))
    if keys:
        redis.delete(*keys)
    else:
        time.sleep(retry_after)


def test_over_the_limit_a_message_is_refused_with_retry_after_and_nothing_is_left_pending(
    http, platform, redis, firestore_db, unique
):
    who = sign_in(http, platform, f"chatty-{unique}@example.com")
    chat, user_id = url_of(platform, "chat"), who["user"]["user_id"]
    thread_id = new_thread(http, platform, who)
    post = lambda: http.post(
        f"{chat}/api/threads/{thread_id}/messages",
        json={"text": "Where does our spend go?"},  # noqa: E731
        headers={**who["headers"], "Idempotency-Key": f"msg-{unique}"},
    )
    use_up_exchanges(http, platform, who)

    refused = post()
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "rate_limited"
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    # Nothing was stored: no message in the thread, no run anybody would have to start.
    assert http.get(f"{chat}/api/threads/{thread_id}/messages", headers=who["headers"]).json()["messages"] == []
    assert not runs_of(firestore_db, user_id)

    let_the_window_pass(redis, user_id, retry_after)
    queued = post()
    assert queued.status_code == 202, queued.text
    again = post()  # the browser's resend of the same message: the same run, not a second one
    assert again.status_code == 202 and again.json() == queued.json()
    assert finished(http, platform, who, queued.json()["run_id"], timeout=60)["status"] == "completed"
    messages = http.get(f"{chat}/api/threads/{thread_id}/messages", headers=who["headers"]).json()["messages"]
    assert [m["run_id"] for m in messages] == [queued.json()["run_id"]]
    assert len(runs_of(firestore_db, user_id)) == 1
