"""The relay against hostile sockets and pushes: bounded resume ids, bounded JSON, a cap on
each user's sockets, and no socket left behind whatever a connection did."""

from __future__ import annotations

import asyncio
import base64
import json
from urllib.parse import quote

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.integration.relay.conftest import close_frame, envelope, receive, ws_url

MAX_ID_PART = 2**64 - 1  # a Redis stream id is <ms>-<seq>, each an unsigned 64-bit integer
CAP = 20  # RELAY_MAX_SOCKETS_PER_USER's default
DEEP = 60_000


def sockets_held(base: str) -> int:
    return httpx.get(f"{base}/health").json()["sockets"]


async def settle(base: str, want: int, timeout: float = 5.0) -> int:
    """The relay's socket count once it reaches `want` (or whatever it is after `timeout`)."""
    held = sockets_held(base)
    deadline = asyncio.get_running_loop().time() + timeout
    while held != want and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        held = sockets_held(base)
    return held


async def pong(socket) -> bool:
    await socket.send(json.dumps({"type": "ping"}))
    return (await receive(socket, 1, kinds=("pong",)))[0]["type"] == "pong"


def test_connects_with_an_out_of_range_last_event_id_leave_no_socket_behind(relay_url, origin, ticket):
    async def scenario():
        baseline = sockets_held(relay_url)
        for _ in range(20):
            async with connect(
                ws_url(relay_url, ticket(), last_event_id="99999999999999999999-0"), origin=origin
            ) as socket:
                error = (await receive(socket, 1, kinds=("error",)))[0]
                assert error["payload"]["code"] == "invalid_event_id"
        assert await settle(relay_url, baseline) == baseline

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "last_event_id",
    [
        f"{MAX_ID_PART + 1}-0",
        f"0-{MAX_ID_PART + 1}",
        "1-2-3",
        "-1-0",
        "1",
        "1-",
        "१२-3",
        " 1-0",
        "1-0\n",
    ],
)
def test_a_malformed_last_event_id_in_the_url_gets_an_error_and_the_socket_stays(
    relay_url, origin, ticket, last_event_id
):
    async def scenario():
        async with connect(ws_url(relay_url, ticket(), last_event_id=quote(last_event_id)), origin=origin) as socket:
            error = (await receive(socket, 1, kinds=("error",)))[0]
            assert error["payload"]["code"] == "invalid_event_id"
            assert await pong(socket)

    asyncio.run(scenario())


def test_the_largest_stream_id_is_a_valid_resume_point(relay_url, origin, ticket, user, push):
    from shared_lib.events import ClientEvent

    async def scenario():
        largest = f"{MAX_ID_PART}-{MAX_ID_PART}"
        async with connect(ws_url(relay_url, ticket(), last_event_id=largest), origin=origin) as socket:
            await receive(socket, 1, kinds=("connection_established",))
            await socket.send(json.dumps({"type": "resume", "last_event_id": largest}))
            assert await pong(socket)  # no error came first: both resumes were accepted
            push(relay_url, ClientEvent(user["user_id"], "agent_thinking", {"n": 1}))
            assert (await receive(socket, 1, kinds=("agent_thinking",)))[0]["payload"] == {"n": 1}

    asyncio.run(scenario())


def test_a_frame_nested_60k_deep_gets_an_error_and_the_socket_stays(relay_url, origin, ticket):
    frames = [
        "[" * DEEP,
        "[" * (DEEP // 2) + "]" * (DEEP // 2),
        '{"type":"resume","last_event_id":' + "[" * (DEEP // 2) + "]" * (DEEP // 2) + "}",
        '{"type":"ping","n":' + "9" * 5000 + "}",
    ]

    async def scenario():
        async with connect(ws_url(relay_url, ticket()), origin=origin) as socket:
            for frame in frames:
                await socket.send(frame)
                error = (await receive(socket, 1, kinds=("error",)))[0]
                assert error["payload"]["code"] == "not_json", frame[:40]
                assert await pong(socket)

    asyncio.run(scenario())


def test_a_push_nested_60k_deep_is_refused_with_400_and_the_relay_goes_on(
    relay_url, origin, ticket, user, push, push_token
):
    from shared_lib.events import ClientEvent

    deep_envelope = b'{"message":' + b"[" * DEEP + b"]" * DEEP + b"}"
    deep_event = envelope(ClientEvent(user["user_id"], "agent_thinking", {}))
    deep_event["message"]["data"] = base64.b64encode(
        (
            '{{"user_id":"{}","type":"agent_thinking","payload":{{"a":'.format(user["user_id"])
            + "[" * DEEP
            + "]" * DEEP
            + "}}"
        ).encode()
    ).decode()
    for body in (deep_envelope, json.dumps(deep_event).encode()):
        answer = httpx.post(
            f"{relay_url}/pubsub/push",
            params={"token": push_token},
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_event"

    async def scenario():
        async with connect(ws_url(relay_url, ticket()), origin=origin) as socket:
            assert await pong(socket)
            assert push(relay_url, ClientEvent(user["user_id"], "agent_thinking", {"n": 2})).status_code == 204
            assert (await receive(socket, 1, kinds=("agent_thinking",)))[0]["payload"] == {"n": 2}

    asyncio.run(scenario())


def test_a_users_sockets_are_capped_across_instances(
    relay_url, second_relay, origin, ticket, http, chat_url, auth_url, unique
):
    from tests.helpers import bearer, dev_login

    async def opened(base: str, ticket_: str):
        socket = await connect(ws_url(base, ticket_), origin=origin)
        await receive(socket, 1, kinds=("connection_established",))
        return socket

    async def scenario():
        held = [await opened(relay_url if n % 2 else second_relay["url"], ticket()) for n in range(CAP)]
        try:
            for base in (relay_url, second_relay["url"]):
                async with connect(ws_url(base, ticket()), origin=origin) as over:
                    assert await close_frame(over) == (4008, "too many connections")
            # Another user is not affected by this one's sockets.
            other = bearer(dev_login(http, auth_url, f"relay-other-{unique}@example.com")["access_token"])
            stranger = await opened(relay_url, http.post(f"{chat_url}/api/ws-ticket", headers=other).json()["ticket"])
            await stranger.close()
            # A closed socket frees its place at once.
            await held.pop().close()
            held.append(await opened(relay_url, ticket()))
        finally:
            await asyncio.gather(*(socket.close() for socket in held))

    asyncio.run(scenario())


def test_the_sockets_of_a_crashed_instance_stop_counting_once_their_leases_lapse(settings, unique):
    import redis.asyncio

    from netra_relay.leases import SocketLeases

    now = [1000.0]
    user = f"lease-{unique}"

    async def scenario():
        client = redis.asyncio.Redis.from_url(settings.redis_url)
        try:
            crashed, alive = (
                SocketLeases(client, 3, 30, clock=lambda: now[0]),
                SocketLeases(client, 3, 30, clock=lambda: now[0]),
            )
            assert [await crashed.take(user, f"c{n}") for n in range(2)] == [True, True]
            assert await alive.take(user, "a0") and not await alive.take(user, "a1")
            now[0] += 20
            await alive.renew([(user, "a0")])  # only the living instance renews
            assert not await alive.take(user, "a1")
            now[0] += 11  # the crashed instance's leases have lapsed, a0's has not
            assert [await alive.take(user, f"a{n}") for n in range(1, 4)] == [True, True, False]
            await alive.drop(user, "a0")
            assert await alive.take(user, "a4")
        finally:
            await client.aclose()

    asyncio.run(scenario())
