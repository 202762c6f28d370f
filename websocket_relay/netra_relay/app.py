"""The relay's HTTP and WebSocket endpoints (aiohttp).

GET /ws?ticket=…[&last_event_id=…]  a user's socket (Origin allow-listed, single-use ticket)
POST /pubsub/push                   client events from Pub/Sub (authenticated)
GET /health, GET /config.json       liveness; what the web chat needs to find auth and chat
GET /                               the web chat (static files)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from pathlib import Path

from aiohttp import WSCloseCode, WSMsgType, web

from shared_lib.envelope import EnvelopeError, from_push
from shared_lib.events import ClientEvent, InvalidEvent, dedupe_key
from shared_lib.idempotency import EventInFlight

from netra_relay.connections import Connection, Hub, Outgoing, TokenBucket, outgoing
from netra_relay.push import PushAuthenticator, PushRefused
from netra_relay.settings import RelaySettings
from netra_relay.streams import UserStreams, parse_event_id

STATIC = Path(__file__).resolve().parents[1] / "static"
RESUME_GRACE_SECONDS = 2.0
MAX_PUSH_BYTES = 1024 * 1024
log = logging.getLogger("netra.relay")

SETTINGS = web.AppKey("settings", RelaySettings)
HUB = web.AppKey("hub", Hub)
STREAMS = web.AppKey("streams", UserStreams)
REDIS = web.AppKey("redis", object)
PUSH = web.AppKey("push", PushAuthenticator)
GUARD = web.AppKey("guard", object)
PUBLIC = web.AppKey("public", dict)


def build_app(settings: RelaySettings, redis, push: PushAuthenticator, guard, public_config: dict) -> web.Application:
    app = web.Application(client_max_size=MAX_PUSH_BYTES)
    app[SETTINGS], app[REDIS], app[PUSH], app[GUARD], app[PUBLIC] = settings, redis, push, guard, public_config
    app[STREAMS] = UserStreams(redis, settings.stream_length)
    app[HUB] = Hub(redis, app[STREAMS])
    app.router.add_get("/ws", socket)
    app.router.add_post("/pubsub/push", pubsub_push)
    app.router.add_get("/health", health)
    app.router.add_get("/config.json", config)
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC, show_index=False)
    app.on_startup.append(_start)
    app.on_shutdown.append(_close_sockets)
    app.on_cleanup.append(_stop)
    return app


async def _start(app: web.Application) -> None:
    await app[HUB].start()
    app["heartbeat"] = asyncio.get_running_loop().create_task(_heartbeats(app))


async def _stop(app: web.Application) -> None:
    app["heartbeat"].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await app["heartbeat"]
    await app[HUB].stop()


async def _close_sockets(app: web.Application) -> None:
    # SIGTERM: tell every client to reconnect elsewhere (1012 = service restart).
    await asyncio.gather(
        *(c.socket.close(code=WSCloseCode.SERVICE_RESTART, message=b"relay restarting") for c in app[HUB].connections()),
        return_exceptions=True,
    )


async def _heartbeats(app: web.Application) -> None:
    while True:
        await asyncio.sleep(app[SETTINGS].heartbeat_seconds)
        for connection in app[HUB].connections():
            connection.offer(_control("heartbeat", {}))


def _control(kind: str, payload: dict) -> Outgoing:
    """A server message outside the user's stream: it has no event_id."""
    return outgoing({"type": kind, "event_id": None, "ts": time.time(), "payload": payload})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "sockets": len(request.app[HUB].connections())})


async def config(request: web.Request) -> web.Response:
    return web.json_response(request.app[PUBLIC], headers={"Cache-Control": "no-store"})


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


# --- Pub/Sub push ----------------------------------------------------------------------


async def pubsub_push(request: web.Request) -> web.Response:
    try:
        request.app[PUSH].check(request.headers, request.query)
    except PushRefused as exc:
        return _error(401, "unauthenticated", str(exc))
    body = await request.read()
    try:
        message = from_push(body)
        event = ClientEvent.from_message(message.data)
    except (EnvelopeError, InvalidEvent) as exc:
        # A malformed event will never become valid: acknowledge it (2xx would lose it
        # silently, so answer 400; the subscription's dead-letter policy keeps it).
        return _error(400, "invalid_event", str(exc))
    try:
        claimed = await asyncio.to_thread(request.app[GUARD].claim, dedupe_key(event, message.delivery_key))
    except EventInFlight:
        return _error(503, "in_flight", "this event is being appended by another delivery")
    if claimed is None:
        return web.Response(status=204)  # a redelivery of an event already appended
    try:
        await request.app[STREAMS].append(event)
    except Exception:
        await asyncio.to_thread(claimed.release)
        raise
    await asyncio.to_thread(claimed.finish)
    return web.Response(status=204)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


# --- sockets ---------------------------------------------------------------------------


async def socket(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    settings = app[SETTINGS]
    ws = web.WebSocketResponse(max_msg_size=settings.max_frame_bytes, heartbeat=settings.heartbeat_seconds * 2)
    await ws.prepare(request)
    origin = request.headers.get("Origin")
    if origin not in settings.allowed_origins:
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"origin not allowed")
        return ws
    ticket = request.query.get("ticket", "")
    try:
        claims = await app[REDIS].getdel(f"ws-ticket:{ticket}") if ticket else None
    except Exception:  # noqa: BLE001 - Redis unavailable: say so, the client retries
        log.warning("ticket check failed", exc_info=True)
        await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=b"try again")
        return ws
    if not claims:
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"invalid or used ticket")
        return ws
    user_id = json.loads(claims)["user_id"]
    connection = Connection(ws, user_id, settings.send_queue)
    await app[HUB].add(connection)
    connection.sender = asyncio.get_running_loop().create_task(_send(connection))
    connection.offer(_control("connection_established", {"user_id": user_id}))
    last = request.query.get("last_event_id")
    grace = None
    if last:
        await _resume(app, connection, last)
    else:
        grace = asyncio.get_running_loop().call_later(RESUME_GRACE_SECONDS, connection.release)
    bucket = TokenBucket(settings.messages_per_window, settings.window_seconds)
    try:
        async for frame in ws:
            if grace:
                grace.cancel()
                grace = None
            if frame.type != WSMsgType.TEXT:
                if frame.type == WSMsgType.BINARY:
                    connection.release()
                    connection.offer(_control("error", {"code": "not_json", "message": "frames must be JSON text"}))
                continue
            if not bucket.take():
                await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"too many messages")
                break
            await _client_message(app, connection, frame.data)
    finally:
        if grace:
            grace.cancel()
        app[HUB].remove(connection)
        connection.closing = True
        connection.sender.cancel()
    return ws


async def _send(connection: Connection) -> None:
    with contextlib.suppress(ConnectionResetError, asyncio.CancelledError, RuntimeError):
        await connection.send_loop()


async def _client_message(app: web.Application, connection: Connection, text: str) -> None:
    try:
        message = json.loads(text)
        kind = message["type"]
    except (json.JSONDecodeError, TypeError, KeyError):
        connection.release()
        connection.offer(_control("error", {"code": "not_json", "message": "messages are JSON objects with a type"}))
        return
    if kind == "resume":
        await _resume(app, connection, message.get("last_event_id"))
        return
    connection.release()
    if kind == "ping":
        connection.offer(_control("pong", {}))
    else:
        connection.offer(_control("error", {"code": "unknown_type", "message": f"unknown message type {kind!r}"}))


async def _resume(app: web.Application, connection: Connection, last_event_id) -> None:
    try:
        parse_event_id(last_event_id)
    except ValueError:
        connection.release()
        connection.offer(_control("error", {"code": "invalid_event_id", "message": "last_event_id must be an event id we sent"}))
        return
    connection.resuming = True
    replay = await app[STREAMS].after(connection.user_id, last_event_id)
    await connection.resume([outgoing(message) for message in replay])
