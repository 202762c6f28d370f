"""The relay with real WebSocket clients: delivery through Pub/Sub, across instances,
resume without loss or repetition, and every kind of bad socket or push."""

from __future__ import annotations

import asyncio
import json
import signal

import pytest
from websockets.asyncio.client import connect

from shared_lib.clients.pubsub import publisher_client
from shared_lib.events import ClientEvent, publish_client_event
from tests.integration.relay.conftest import close_code, receive, ws_url

STREAM_EVENTS = ("agent_thinking",)


def thinking(user_id: str, n: int) -> ClientEvent:
    return ClientEvent(user_id, "agent_thinking", {"n": n}, thread_id="t1", run_id="r1")


def test_an_event_published_to_client_events_reaches_the_users_socket(relay_url, origin, ticket, user, settings):
    async def scenario():
        async with connect(ws_url(relay_url, ticket()), origin=origin) as socket:
            first = json.loads(await socket.recv())
            assert first["type"] == "connection_established" and first["event_id"] is None
            await socket.send(json.dumps({"type": "ping"}))
            assert (await receive(socket, 1, kinds=("pong",)))[0]["type"] == "pong"
            publish_client_event(
                publisher_client(settings),
                settings.project_id,
                ClientEvent(user["user_id"], "agent_started", {"agent": "triage"}, thread_id="t1", run_id="r1"),
            ).result(10)
            event = (await receive(socket, 1, kinds=("agent_started",)))[0]
            assert event["payload"] == {"agent": "triage"} and event["thread_id"] == "t1" and event["run_id"] == "r1"
            assert event["event_id"] and isinstance(event["ts"], float)

    asyncio.run(scenario())


def test_an_event_pushed_to_one_instance_reaches_a_socket_on_another(
    relay_url, second_relay, origin, ticket, user, push
):
    async def scenario():
        async with connect(ws_url(second_relay["url"], ticket()), origin=origin) as socket:
            await receive(socket, 1, kinds=("connection_established",))
            await socket.send(json.dumps({"type": "ping"}))
            await receive(socket, 1, kinds=("pong",))
            assert push(relay_url, thinking(user["user_id"], 1)).status_code == 204
            event = (await receive(socket, 1, kinds=STREAM_EVENTS))[0]
            assert event["payload"] == {"n": 1}

    asyncio.run(scenario())


def test_disconnect_mid_stream_then_resume_delivers_every_event_once_in_order(relay_url, origin, ticket, user, push):
    total = 30

    async def scenario():
        seen: list[dict] = []
        async with connect(ws_url(relay_url, ticket()), origin=origin) as socket:
            await socket.send(json.dumps({"type": "ping"}))
            await receive(socket, 1, kinds=("pong",))
            for n in range(10):
                push(relay_url, thinking(user["user_id"], n))
            seen += await receive(socket, 10, kinds=STREAM_EVENTS)
        for n in range(10, 20):  # while nobody listens
            push(relay_url, thinking(user["user_id"], n))
        async with connect(ws_url(relay_url, ticket()), origin=origin) as socket:
            await socket.send(json.dumps({"type": "resume", "last_event_id": seen[-1]["event_id"]}))
            for n in range(20, total):  # live again, racing the replay
                push(relay_url, thinking(user["user_id"], n))
            seen += await receive(socket, total - 10, kinds=STREAM_EVENTS)
            with pytest.raises(TimeoutError):
                await receive(socket, 1, timeout=1.0, kinds=STREAM_EVENTS)
        assert [m["payload"]["n"] for m in seen] == list(range(total))
        ids = [m["event_id"] for m in seen]
        assert len(set(ids)) == total and ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))

    asyncio.run(scenario())


def test_resume_in_the_url_replays_before_live_events(relay_url, origin, ticket, user, push):
    async def scenario():
        async with connect(ws_url(relay_url, ticket()), origin=origin) as socket:
            await socket.send(json.dumps({"type": "ping"}))
            await receive(socket, 1, kinds=("pong",))
            push(relay_url, thinking(user["user_id"], 0))
            first = (await receive(socket, 1, kinds=STREAM_EVENTS))[0]
        push(relay_url, thinking(user["user_id"], 1))
        async with connect(ws_url(relay_url, ticket(), last_event_id=first["event_id"]), origin=origin) as socket:
            push(relay_url, thinking(user["user_id"], 2))
            assert [m["payload"]["n"] for m in await receive(socket, 2, kinds=STREAM_EVENTS)] == [1, 2]

    asyncio.run(scenario())


def test_a_redelivered_push_is_appended_once(relay_url, origin, ticket, user, push, unique):
    async def scenario():
        async with connect(ws_url(relay_url, ticket()), origin=origin) as socket:
            await socket.send(json.dumps({"type": "ping"}))
            await receive(socket, 1, kinds=("pong",))
            for _ in range(3):
                assert (
                    push(relay_url, thinking(user["user_id"], 7), message_id=f"same-message-{unique}").status_code
                    == 204
                )
            push(relay_url, thinking(user["user_id"], 8))
            assert [m["payload"]["n"] for m in await receive(socket, 2, kinds=STREAM_EVENTS)] == [7, 8]

    asyncio.run(scenario())


@pytest.mark.parametrize("case", ["no_ticket", "garbage", "reused", "expired", "foreign_origin"])
def test_bad_tickets_and_origins_are_closed_with_1008(relay_url, origin, ticket, redis, case):
    async def scenario():
        good = ticket()
        url = {
            "no_ticket": relay_url.replace("http://", "ws://") + "/ws",
            "garbage": ws_url(relay_url, "garbage"),
        }.get(case, ws_url(relay_url, good))
        if case == "reused":
            async with connect(url, origin=origin) as socket:
                await receive(socket, 1, kinds=("connection_established",))
        if case == "expired":
            redis.pexpire(f"ws-ticket:{good}", 1)
            await asyncio.sleep(0.05)
        async with connect(url, origin="https://evil.example" if case == "foreign_origin" else origin) as socket:
            assert await close_code(socket) == 1008

    asyncio.run(scenario())


def test_non_json_gets_an_error_and_the_socket_stays(relay_url, origin, ticket):
    async def scenario():
        async with connect(ws_url(relay_url, ticket()), origin=origin) as socket:
            await socket.send("this is not json")
            error = (await receive(socket, 1, kinds=("error",)))[0]
            assert error["payload"]["code"] == "not_json"
            await socket.send(json.dumps({"type": "ping"}))
            assert (await receive(socket, 1, kinds=("pong",)))[0]["type"] == "pong"
            await socket.send(json.dumps({"type": "resume", "last_event_id": "yesterday"}))
            assert (await receive(socket, 1, kinds=("error",)))[0]["payload"]["code"] == "invalid_event_id"

    asyncio.run(scenario())


def test_an_oversized_frame_is_closed_with_1009(relay_url, origin, ticket):
    async def scenario():
        async with connect(ws_url(relay_url, ticket()), origin=origin, max_size=None) as socket:
            await socket.send(json.dumps({"type": "ping", "pad": "x" * 70_000}))
            assert await close_code(socket) == 1009

    asyncio.run(scenario())


def test_a_flood_of_client_messages_is_closed_with_1008(relay_url, origin, ticket):
    async def scenario():
        async with connect(ws_url(relay_url, ticket()), origin=origin) as socket:
            for _ in range(60):
                await socket.send(json.dumps({"type": "ping"}))
            assert await close_code(socket) == 1008

    asyncio.run(scenario())


def test_pushes_are_authenticated_and_checked(relay_url, push_token, user):
    import httpx

    from tests.integration.relay.conftest import envelope

    event = thinking(user["user_id"], 1)
    assert httpx.post(f"{relay_url}/pubsub/push", json=envelope(event)).status_code == 401
    assert httpx.post(f"{relay_url}/pubsub/push", params={"token": "wrong"}, json=envelope(event)).status_code == 401
    bad = httpx.post(
        f"{relay_url}/pubsub/push",
        params={"token": push_token},
        content=b"{}",
        headers={"Content-Type": "application/json"},
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_event"
    wrong_type = envelope(event)
    wrong_type["message"]["data"] = (
        __import__("base64").b64encode(json.dumps({"user_id": "u", "type": "nope", "payload": {}}).encode()).decode()
    )
    assert httpx.post(f"{relay_url}/pubsub/push", params={"token": push_token}, json=wrong_type).status_code == 400


def test_sigterm_closes_sockets_with_1012(second_relay, origin, ticket):
    async def scenario():
        async with connect(ws_url(second_relay["url"], ticket()), origin=origin) as socket:
            await receive(socket, 1, kinds=("connection_established",))
            second_relay["process"].send_signal(signal.SIGTERM)
            assert await close_code(socket) == 1012

    asyncio.run(scenario())
