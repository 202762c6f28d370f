"""The relay's HTTP and WebSocket endpoints (aiohttp).

GET /ws?ticket=…[&last_event_id=…]  a user's socket (Origin allow-listed, single-use ticket)
POST /pubsub/push                   client events from Pub/Sub (authenticated)
GET /health, GET /config.json       liveness; what the web app needs to find auth, chat and analytics
GET /                               the web app (static files)

Every answer but a socket's carries a Content-Security-Policy (no inline script, no framing)
and nosniff; every error, aiohttp's own included, is `{"error": {"code", "message"}}`
(netra_relay.answers).

Close codes: 1008 bad origin, ticket or session at open, or a message flood; 1009 a frame
over the size limit; 1011 a relay error (reconnect); 1012 relay restarting (reconnect);
4001 fell behind (reconnect and resume); 4003 session ended (logout: sign in again);
4008 too many connections (the user's cap, RELAY_MAX_SOCKETS_PER_USER, is reached).
A frame that is not a JSON object with a `type` (bad JSON, too deep, numbers too long)
gets an `error` message and the socket stays.

A client says where it stands as soon as its socket opens: `resume` with the last event it
has (or `last_event_id` in the URL), or any other message such as `ping` when it has none.
Until then live events are held, so that a replay is never overtaken; a socket that stays
silent gets them only after RELAY_RESUME_GRACE_SECONDS (2 s). Once released, an event is
sent on the Redis wake-up that follows its append; the sweep only covers a lost wake-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, WSMsgType, web

from shared_lib import safejson
from shared_lib.contracts import tickets
from shared_lib.envelope import EnvelopeError, from_push
from shared_lib.events import ClientEvent, InvalidEvent, dedupe_key
from shared_lib.idempotency import EventInFlight
from shared_lib.push_auth import PushAuthenticator, PushRefused

from netra_relay.answers import answers, error_response
from netra_relay.connections import (
    SESSION_ENDED_CODE,
    TOO_MANY_SOCKETS_CODE,
    Connection,
    Hub,
    Outgoing,
    TokenBucket,
    outgoing,
)
from netra_relay.leases import SocketLeases
from netra_relay.sessions import RevocationWatch
from netra_relay.settings import RelaySettings
from netra_relay.streams import UserStreams, parse_event_id

STATIC = Path(__file__).resolve().parents[1] / "static"
MAX_PUSH_BYTES = 1024 * 1024
log = logging.getLogger("netra.relay")

SETTINGS = web.AppKey("settings", RelaySettings)
HUB = web.AppKey("hub", Hub)
STREAMS = web.AppKey("streams", UserStreams)
REDIS = web.AppKey("redis", object)
PUSH = web.AppKey("push", PushAuthenticator)
GUARD = web.AppKey("guard", object)
PUBLIC = web.AppKey("public", dict)
REVOCATIONS = web.AppKey("revocations", object)
LEASES = web.AppKey("leases", SocketLeases)
WATCH = web.AppKey("watch", RevocationWatch)
FILES = web.AppKey("files", dict)
LEASE_HEARTBEATS = 3  # a socket's lease outlives this many missed renewals


def build_app(
    settings: RelaySettings, redis, push: PushAuthenticator, guard, revocations, public_config: dict
) -> web.Application:
    """`redis` is an asyncio client; `guard` (IdempotencyGuard) and `revocations`
    (shared_lib.auth.Revocations) are blocking, called in threads."""
    app = web.Application(client_max_size=MAX_PUSH_BYTES, middlewares=[answers(content_security_policy(public_config))])
    app[SETTINGS], app[REDIS], app[PUSH], app[GUARD], app[PUBLIC] = settings, redis, push, guard, public_config
    app[REVOCATIONS] = revocations
    app[STREAMS] = UserStreams(redis, settings.stream_length)
    app[HUB] = Hub(redis, app[STREAMS], settings.sweep_seconds)
    app[LEASES] = SocketLeases(redis, settings.max_sockets_per_user, LEASE_HEARTBEATS * settings.heartbeat_seconds)
    app[WATCH] = RevocationWatch(
        redis,
        lambda session_id: asyncio.to_thread(revocations.is_revoked, session_id),
        lambda: {c.session_id for c in app[HUB].connections() if c.session_id},
        lambda session_id: _end_session(app, session_id),
    )
    app.router.add_get("/ws", socket)
    app.router.add_post("/pubsub/push", pubsub_push)
    app.router.add_get("/health", health)
    app.router.add_get("/config.json", config)
    app.router.add_get("/", index)
    app[FILES] = _static_files(STATIC)
    app.router.add_get("/static/{name:.+}", static_file)
    app.on_startup.append(_start)
    app.on_shutdown.append(_close_sockets)
    app.on_cleanup.append(_stop)
    return app


def content_security_policy(public_config: dict) -> str:
    """What the web app may load and call: its own files (no inline script or style), and
    requests only to this origin (the socket included) and the APIs /config.json names."""
    apis = sorted({_origin(public_config.get(name)) for name in ("auth_url", "chat_url", "analytics_url")} - {None})
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src " + " ".join(["'self'", *apis]),
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _origin(url) -> str | None:
    if not isinstance(url, str) or not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


async def _start(app: web.Application) -> None:
    await app[HUB].start()
    await app[WATCH].start()
    app["heartbeat"] = asyncio.get_running_loop().create_task(_heartbeats(app))


async def _stop(app: web.Application) -> None:
    app["heartbeat"].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await app["heartbeat"]
    await app[WATCH].stop()
    await app[HUB].stop()


async def _close_sockets(app: web.Application) -> None:
    # SIGTERM: tell every client to reconnect elsewhere (1012 = service restart).
    await asyncio.gather(
        *(
            c.socket.close(code=WSCloseCode.SERVICE_RESTART, message=b"relay restarting")
            for c in app[HUB].connections()
        ),
        return_exceptions=True,
    )


async def _heartbeats(app: web.Application) -> None:
    while True:
        await asyncio.sleep(app[SETTINGS].heartbeat_seconds)
        held = app[HUB].connections()
        for connection in held:
            connection.offer(_control("heartbeat", {}))
        try:
            await app[LEASES].renew([(c.user_id, c.socket_id) for c in held if not c.closing])
        except Exception:  # noqa: BLE001 - the next beat renews; a lease outlives a few misses
            log.warning("socket leases not renewed", exc_info=True)


def _control(kind: str, payload: dict) -> Outgoing:
    """A server message outside the user's stream: it has no event_id."""
    return outgoing({"type": kind, "event_id": None, "ts": time.time(), "payload": payload})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "sockets": len(request.app[HUB].connections())})


async def config(request: web.Request) -> web.Response:
    return web.json_response(request.app[PUBLIC], headers={"Cache-Control": "no-store"})


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def _static_files(root: Path) -> dict[str, Path]:
    """The web app's files by their path under /static/, listed when the relay starts: only
    these are served (no directory, nothing outside), and anything else is a JSON 404, where
    aiohttp's static route would answer a missing file with an empty octet-stream."""
    return {path.relative_to(root).as_posix(): path for path in sorted(root.rglob("*")) if path.is_file()}


async def static_file(request: web.Request) -> web.FileResponse:
    path = request.app[FILES].get(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(path)


# --- Pub/Sub push ----------------------------------------------------------------------


async def pubsub_push(request: web.Request) -> web.Response:
    try:
        request.app[PUSH].check(request.headers, request.query)
    except PushRefused as exc:
        return _error(401, "unauthenticated", str(exc))
    body = await request.read()
    try:
        message = from_push(_json_object(body, "push envelope"))
        _json_object(message.data, "client event")  # bounded, before from_message's own parse
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


def _json_object(raw: bytes, what: str) -> dict:
    try:
        value = safejson.loads(raw)
    except ValueError as exc:
        raise EnvelopeError(f"{what} is not acceptable JSON: {exc}") from None
    if not isinstance(value, dict):
        raise EnvelopeError(f"{what} must be a JSON object")
    return value


def _error(status: int, code: str, message: str) -> web.Response:
    return error_response(status, code, message)


# --- sockets ---------------------------------------------------------------------------


class Holder(NamedTuple):
    """Whom a ticket was issued to: the user, and the sign-in session it belongs to."""

    user_id: str
    session_id: str | None  # None: a ticket not bound to a session


async def socket(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    settings = app[SETTINGS]
    ws = web.WebSocketResponse(max_msg_size=settings.max_frame_bytes, heartbeat=settings.heartbeat_seconds * 2)
    await ws.prepare(request)
    if request.headers.get("Origin") not in settings.allowed_origins:
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"origin not allowed")
        return ws
    try:
        holder = await _redeem(app, request.query.get("ticket", ""))
    except Exception:  # noqa: BLE001 - Redis unavailable: say so, the client retries
        log.warning("ticket check failed", exc_info=True)
        await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=b"try again")
        return ws
    if holder is None:
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"invalid or used ticket")
        return ws
    connection = Connection(ws, holder.user_id, settings.send_queue, holder.session_id)
    try:
        admitted = await app[LEASES].take(holder.user_id, connection.socket_id)
    except Exception:  # noqa: BLE001 - as above
        log.warning("socket cap check failed", exc_info=True)
        await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=b"try again")
        return ws
    if not admitted:
        await ws.close(code=TOO_MANY_SOCKETS_CODE, message=b"too many connections")
        return ws
    # From here on the socket is counted: whatever happens, `finally` un-counts it.
    try:
        await app[HUB].add(connection)
        # Checked once the socket is held, so a logout racing this open is seen either
        # here or by the revocation watch.
        if holder.session_id and await asyncio.to_thread(app[REVOCATIONS].is_revoked, holder.session_id):
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"session ended")
            return ws
        await _serve(app, connection, request.query.get("last_event_id"))
    except Exception:  # noqa: BLE001 - one socket's failure is logged and closed, never leaked
        log.warning("socket handler failed", exc_info=True)
        with contextlib.suppress(Exception):
            await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=b"relay error: reconnect")
    finally:
        app[HUB].remove(connection)
        connection.closing = True
        if connection.sender:
            connection.sender.cancel()
        with contextlib.suppress(Exception):  # else the lease lapses by itself
            await app[LEASES].drop(holder.user_id, connection.socket_id)
    return ws


async def _redeem(app: web.Application, ticket: str) -> Holder | None:
    """The ticket's holder, or None for a missing, used, expired or malformed ticket."""
    claims = await app[REDIS].getdel(tickets.key(ticket)) if ticket else None
    if not claims:
        return None
    try:
        claims = safejson.loads(claims)
    except ValueError:
        return None
    user_id = claims.get("user_id") if isinstance(claims, dict) else None
    if not isinstance(user_id, str) or not user_id:
        return None
    session_id = claims.get("session_id")
    return Holder(user_id, session_id if isinstance(session_id, str) and session_id else None)


async def _serve(app: web.Application, connection: Connection, last_event_id: str | None) -> None:
    settings = app[SETTINGS]
    ws = connection.socket
    connection.sender = asyncio.get_running_loop().create_task(_send(connection))
    connection.offer(_control("connection_established", {"user_id": connection.user_id}))
    grace = None
    if last_event_id:
        await _resume(app, connection, last_event_id)
    else:
        # A client that never says where it stands gets its live events after the grace.
        grace = asyncio.get_running_loop().call_later(settings.resume_grace_seconds, connection.release)
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


async def _end_session(app: web.Application, session_id: str) -> None:
    """A revoked session: close every socket of it this instance holds."""
    ending = [c.end(SESSION_ENDED_CODE, b"session ended") for c in app[HUB].connections() if c.session_id == session_id]
    await asyncio.gather(*ending, return_exceptions=True)


async def _send(connection: Connection) -> None:
    with contextlib.suppress(ConnectionResetError, asyncio.CancelledError, RuntimeError):
        await connection.send_loop()


async def _client_message(app: web.Application, connection: Connection, text: str) -> None:
    try:
        message = safejson.loads(text)
        kind = message["type"]
    except (ValueError, TypeError, KeyError) as exc:
        reason = f": {exc}" if isinstance(exc, ValueError) else ""
        connection.release()
        connection.offer(
            _control("error", {"code": "not_json", "message": f"messages are JSON objects with a type{reason}"})
        )
        return
    if kind == "resume":
        await _resume(app, connection, message.get("last_event_id"))
        return
    connection.release()
    if kind == "ping":
        connection.offer(_control("pong", {}))
    else:
        connection.offer(
            _control("error", {"code": "unknown_type", "message": f"unknown message type {str(kind)[:60]!r}"})
        )


async def _resume(app: web.Application, connection: Connection, last_event_id) -> None:
    try:
        parse_event_id(last_event_id)
    except ValueError:
        connection.release()
        connection.offer(
            _control("error", {"code": "invalid_event_id", "message": "last_event_id must be an event id we sent"})
        )
        return
    connection.resuming = True
    replay = await app[STREAMS].after(connection.user_id, last_event_id)
    await connection.resume([outgoing(message) for message in replay])
