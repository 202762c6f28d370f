"""The relay's answer middleware over real HTTP (aiohttp's test server on a free port): a
handler that fails is a JSON 500 with the security headers and without the failure's text,
and a socket's handshake is left as the socket sent it."""

from __future__ import annotations

import asyncio
import logging

import httpx
from aiohttp import web
from aiohttp.test_utils import TestServer

from netra_relay.answers import answers

POLICY = "default-src 'none'; frame-ancestors 'none'"


async def fails(request: web.Request) -> web.Response:
    raise RuntimeError("the token was tok_secret")


async def socket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.close()
    return ws


def serve(requests):
    async def scenario():
        app = web.Application(middlewares=[answers(POLICY)])
        app.router.add_get("/fails", fails)
        app.router.add_get("/ws", socket)
        server = TestServer(app)
        await server.start_server()
        try:
            async with httpx.AsyncClient(base_url=str(server.make_url(""))) as client:
                return await requests(client)
        finally:
            await server.close()

    return asyncio.run(scenario())


def test_a_failing_handler_is_a_json_500_with_the_headers_and_no_detail(caplog):
    async def requests(client):
        return await client.get("/fails")

    with caplog.at_level(logging.ERROR, logger="netra.relay"):
        response = serve(requests)
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal", "message": "the request could not be completed"}}
    assert response.headers["Content-Security-Policy"] == POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "tok_secret" not in response.text
    assert [record.message for record in caplog.records] == ["request failed"]  # logged, once


def test_a_socket_handshake_gets_no_page_headers_after_it_was_sent():
    async def requests(client):
        headers = {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        }
        return await client.get("/ws", headers=headers)

    response = serve(requests)
    assert response.status_code == 101 and "Content-Security-Policy" not in response.headers
