"""Logout ends WebSocket access: the session's open sockets are closed on every instance,
and a ticket it was given before no longer opens one. Other sessions of the user go on."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import connect

from tests.helpers import bearer, dev_login
from tests.integration.relay.conftest import close_code, close_frame, receive, ws_url


async def opened(base: str, ticket: str, origin: str):
    socket = await connect(ws_url(base, ticket), origin=origin)
    await receive(socket, 1, kinds=("connection_established",))
    return socket


def test_logout_closes_the_sessions_sockets_on_every_instance_and_no_other(
    relay_url, second_relay, origin, ticket, user, http, auth_url, chat_url
):
    other_session = bearer(dev_login(http, auth_url, f"{user['email']}")["access_token"])

    async def scenario():
        here, there = await opened(relay_url, ticket(), origin), await opened(second_relay["url"], ticket(), origin)
        kept = await opened(
            relay_url, http.post(f"{chat_url}/api/ws-ticket", headers=other_session).json()["ticket"], origin
        )
        try:
            assert http.post(f"{auth_url}/auth/logout", headers=user["headers"]).status_code == 200
            assert await close_frame(here, timeout=5) == (4003, "session ended")
            assert await close_frame(there, timeout=5) == (4003, "session ended")
            await kept.send(json.dumps({"type": "ping"}))
            assert (await receive(kept, 1, kinds=("pong",)))[0]["type"] == "pong"
        finally:
            await asyncio.gather(here.close(), there.close(), kept.close())

    asyncio.run(scenario())


def test_a_ticket_issued_before_logout_no_longer_opens_a_socket(relay_url, origin, ticket, user, http, auth_url):
    async def scenario():
        issued = ticket()
        assert http.post(f"{auth_url}/auth/logout", headers=user["headers"]).status_code == 200
        async with connect(ws_url(relay_url, issued), origin=origin) as socket:
            assert await close_code(socket) == 1008

    asyncio.run(scenario())
