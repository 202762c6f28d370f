"""Small helpers shared by the tests that drive running components over HTTP."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import httpx

T = TypeVar("T")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def dev_login(client: httpx.Client, auth_url: str, email: str) -> dict:
    response = client.post(f"{auth_url}/auth/dev/login", json={"email": email})
    assert response.status_code == 200, response.text
    return response.json()


def url_of(platform, name: str) -> str:
    return next(item.url for item in platform.started if item.name == name)


def eventually(
    check: Callable[[], T], timeout: float, interval: float = 0.2, what: str | Callable[[], str] = "the condition"
) -> T:
    """Call `check` every `interval` seconds until it returns something truthy, and return
    that; after `timeout` seconds, fail saying what was awaited. `what` may be a callable, for
    a message built from the state at the time of failure (the last thing seen)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"{said}: not within {timeout:g} s")
        time.sleep(interval)


def probe(settings, subscription: str, match, want: int | None = None, timeout: float = 20.0, decode=None) -> list:
    """Messages on a probe (pull) subscription whose JSON body `match`es, acknowledging all
    it pulls: until `want` matched, or (without `want`) until the subscription is empty.
    `decode`: the body of a message's data (json.loads; usage batches: usage_events.decode)."""
    from shared_lib.clients.pubsub import subscriber_client

    subscriber, found = subscriber_client(settings), []
    path = subscriber.subscription_path(settings.project_id, subscription)
    deadline = time.monotonic() + timeout
    while (want is None or len(found) < want) and time.monotonic() < deadline:
        # A few at a time: usage batches of other tests can be large (gRPC answers stop at 4 MB).
        pulled = subscriber.pull(request={"subscription": path, "max_messages": 5}, timeout=5).received_messages
        if not pulled and want is None:
            break
        found += [r.message for r in pulled if match((decode or json.loads)(r.message.data))]
        if pulled:
            subscriber.acknowledge(request={"subscription": path, "ack_ids": [r.ack_id for r in pulled]})
    return found


class PageErrors(list):
    """What went wrong in a browser page, as it happened: its uncaught exceptions and console
    errors (the list), and every request that failed or was answered 400 or above
    (`requests`, "METHOD URL → status"). Chromium's console says only "Failed to load
    resource: … 503"; `str()` adds which request that was, for a test's failure message."""

    def __init__(self, page):
        super().__init__()
        self.requests: list[str] = []
        page.on("pageerror", lambda error: self.append(str(error)))
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", lambda r: self.requests.append(f"{r.method} {r.url} → failed: {r.failure}"))

    def _console(self, message) -> None:
        if message.type == "error":
            url = (message.location or {}).get("url")
            self.append(f"{message.text} ({url})" if url else message.text)

    def _response(self, response) -> None:
        if response.status >= 400:
            self.requests.append(f"{response.request.method} {response.url} → {response.status}")

    def unexpected(self, *allowed: str) -> list[str]:
        """The errors that name none of `allowed` (e.g. "favicon")."""
        return [e for e in self if not any(a in e for a in allowed)]

    def __str__(self) -> str:
        return "\n".join([*self, f"requests that failed or were refused: {self.requests or 'none'}"])


@contextlib.contextmanager
def llm_emulator() -> Iterator[str]:
    """The LLM emulator served in this process on a free port (its URL), for tests that need no platform."""
    from werkzeug.serving import make_server

    from emulators.llm.server import EmulatorState, create_app
    from emulators.platform.processes import free_port

    port = free_port()
    server = make_server("127.0.0.1", port, create_app(EmulatorState()), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
