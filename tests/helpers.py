"""Small helpers shared by the tests that drive running components over HTTP."""

from __future__ import annotations

import json
import time

import httpx


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def dev_login(client: httpx.Client, auth_url: str, email: str) -> dict:
    response = client.post(f"{auth_url}/auth/dev/login", json={"email": email})
    assert response.status_code == 200, response.text
    return response.json()


def url_of(platform, name: str) -> str:
    return next(item.url for item in platform.started if item.name == name)


def probe(settings, subscription: str, match, want: int | None = None, timeout: float = 20.0) -> list:
    """Messages on a probe (pull) subscription whose JSON body `match`es, acknowledging all
    it pulls: until `want` matched, or (without `want`) until the subscription is empty."""
    from shared_lib.clients.pubsub import subscriber_client

    subscriber, found = subscriber_client(settings), []
    path = subscriber.subscription_path(settings.project_id, subscription)
    deadline = time.monotonic() + timeout
    while (want is None or len(found) < want) and time.monotonic() < deadline:
        # A few at a time: usage batches of other tests can be large (gRPC answers stop at 4 MB).
        pulled = subscriber.pull(request={"subscription": path, "max_messages": 5}, timeout=5).received_messages
        if not pulled and want is None:
            break
        found += [r.message for r in pulled if match(json.loads(r.message.data))]
        if pulled:
            subscriber.acknowledge(request={"subscription": path, "ack_ids": [r.ack_id for r in pulled]})
    return found
