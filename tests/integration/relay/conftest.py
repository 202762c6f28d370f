"""Relay fixtures: the platform's relay, tickets from the chat function, a second instance."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import subprocess
import sys
import uuid

import httpx
import pytest

from emulators.platform.processes import free_port, port_open, stop_group
from shared_lib.events import ClientEvent
from tests.conftest import ROOT
from tests.helpers import bearer, dev_login, eventually, url_of


@pytest.fixture
def relay_url(platform) -> str:
    return url_of(platform, "relay")


@pytest.fixture
def origin(relay_url) -> str:
    return relay_url


@pytest.fixture
def push_token(platform) -> str:
    import yaml

    return yaml.safe_load(platform.ws.secrets_file.read_text())["relay-push-token"]


@pytest.fixture
def user(http, auth_url, unique):
    email = f"relay-{unique}@example.com"
    tokens = dev_login(http, auth_url, email)
    return {"user_id": tokens["user"]["user_id"], "email": email, "headers": bearer(tokens["access_token"])}


@pytest.fixture
def ticket(http, chat_url, user):
    def issue() -> str:
        return http.post(f"{chat_url}/api/ws-ticket", headers=user["headers"]).json()["ticket"]

    return issue


def ws_url(base: str, ticket: str, **query) -> str:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return base.replace("http://", "ws://") + f"/ws?ticket={ticket}{extra}"


def envelope(event: ClientEvent, message_id: str | None = None, publish_time: str = "2026-11-25T10:00:00Z") -> dict:
    return {
        "message": {
            "data": base64.b64encode(event.to_message()).decode(),
            "attributes": {"user_id": event.user_id},
            "messageId": message_id or uuid.uuid4().hex,
            "publishTime": publish_time,
        },
        "subscription": "projects/netra-local/subscriptions/relay-client-events",
    }


@pytest.fixture
def push(push_token):
    def send(base: str, event: ClientEvent, message_id: str | None = None) -> httpx.Response:
        return httpx.post(f"{base}/pubsub/push", params={"token": push_token}, json=envelope(event, message_id))

    return send


@contextlib.contextmanager
def relay_instance(platform, relay_url, **env_overrides: str):
    """Another relay instance on the same Redis, with its own settings if given."""
    port = free_port()
    env = {
        **os.environ,
        **platform.child_env,
        "PORT": str(port),
        "RELAY_ALLOWED_ORIGINS": relay_url,
        "PYTHONUNBUFFERED": "1",
        **env_overrides,
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "websocket_relay" / "main.py")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        eventually(
            lambda: port_open("127.0.0.1", port), 10, interval=0.05, what=f"the relay instance listening on {port}"
        )
        yield {"url": f"http://127.0.0.1:{port}", "process": process}
    finally:
        stop_group(process.pid, timeout=5)
        process.wait(timeout=5)


@pytest.fixture
def second_relay(platform, relay_url):
    """Another relay instance on the same Redis, as Cloud Run would run several."""
    with relay_instance(platform, relay_url) as instance:
        yield instance


async def receive(socket, count: int, timeout: float = 10.0, kinds: tuple[str, ...] | None = None) -> list[dict]:
    """The next `count` messages (optionally only of `kinds`), parsed."""
    found = []
    async with asyncio.timeout(timeout):
        while len(found) < count:
            message = json.loads(await socket.recv())
            if kinds is None or message["type"] in kinds:
                found.append(message)
    return found


async def close_frame(socket, timeout: float = 10.0) -> tuple[int, str]:
    """The code and reason the server closed the socket with ((-1, ""): closed without one)."""
    from websockets.exceptions import ConnectionClosed

    try:
        async with asyncio.timeout(timeout):
            while True:
                await socket.recv()
    except ConnectionClosed as closed:
        return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (-1, "")


async def close_code(socket, timeout: float = 10.0) -> int:
    return (await close_frame(socket, timeout))[0]
