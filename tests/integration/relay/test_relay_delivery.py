"""What sends a live event to a socket: the client's first message releases what was held
for a replay, then each event goes out on the Redis wake-up that follows its append.

The instance here has a grace and a sweep of an hour, so an event that arrives within a
receive's timeout can only have come through those two, never by either timer."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect

from shared_lib.events import ClientEvent
from tests.integration.relay.conftest import receive, relay_instance, ws_url

HOUR = "3600"


@pytest.fixture
def untimed_relay(platform, relay_url):
    with relay_instance(platform, relay_url, RELAY_RESUME_GRACE_SECONDS=HOUR, RELAY_SWEEP_SECONDS=HOUR) as instance:
        yield instance


def thinking(user_id: str, n: int) -> ClientEvent:
    return ClientEvent(user_id, "agent_thinking", {"n": n}, thread_id="t1", run_id="r1")


def test_after_a_ping_each_event_is_sent_on_the_wake_up(untimed_relay, relay_url, origin, ticket, user, push):
    async def scenario():
        async with connect(ws_url(untimed_relay["url"], ticket()), origin=origin) as socket:
            await receive(socket, 1, kinds=("connection_established",))
            await socket.send(json.dumps({"type": "ping"}))
            await receive(socket, 1, kinds=("pong",))
            for n in range(3):  # appended by the other instance: only Redis can wake this one
                assert push(relay_url, thinking(user["user_id"], n)).status_code == 204
                assert [m["payload"]["n"] for m in await receive(socket, 1, kinds=("agent_thinking",))] == [n]

    asyncio.run(scenario())


def test_a_silent_sockets_events_wait_for_its_first_message(untimed_relay, relay_url, origin, ticket, user, push):
    async def scenario():
        async with connect(ws_url(untimed_relay["url"], ticket()), origin=origin) as socket:
            await receive(socket, 1, kinds=("connection_established",))
            assert push(relay_url, thinking(user["user_id"], 0)).status_code == 204
            await socket.send(json.dumps({"type": "ping"}))  # not the hour's grace: this releases it
            assert [m["payload"]["n"] for m in await receive(socket, 1, kinds=("agent_thinking",))] == [0]
            assert push(relay_url, thinking(user["user_id"], 1)).status_code == 204
            assert [m["payload"]["n"] for m in await receive(socket, 1, kinds=("agent_thinking",))] == [1]

    asyncio.run(scenario())


def test_a_resume_on_open_replays_then_goes_live_on_the_wake_up(untimed_relay, relay_url, origin, ticket, user, push):
    async def scenario():
        async with connect(ws_url(untimed_relay["url"], ticket()), origin=origin) as socket:
            await socket.send(json.dumps({"type": "ping"}))
            await receive(socket, 1, kinds=("pong",))
            push(relay_url, thinking(user["user_id"], 0))
            first = (await receive(socket, 1, kinds=("agent_thinking",)))[0]
        push(relay_url, thinking(user["user_id"], 1))  # while nobody listens
        async with connect(ws_url(untimed_relay["url"], ticket()), origin=origin) as socket:
            await socket.send(json.dumps({"type": "resume", "last_event_id": first["event_id"]}))
            assert [m["payload"]["n"] for m in await receive(socket, 1, kinds=("agent_thinking",))] == [1]
            push(relay_url, thinking(user["user_id"], 2))
            assert [m["payload"]["n"] for m in await receive(socket, 1, kinds=("agent_thinking",))] == [2]

    asyncio.run(scenario())
