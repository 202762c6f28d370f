"""Sockets held by this instance, one bounded send queue each, fed from Redis.

A socket whose queue is full (a slow client) is closed with `RESUME_CODE` so it
reconnects and resumes, instead of stalling everyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from typing import NamedTuple

from netra_relay.streams import CHANNEL_PREFIX, parse_event_id

# Close codes of our own (4000-4999), besides 1008 (bad origin, ticket or session at open,
# or a message flood), 1009 (frame too big), 1011 (relay error) and 1012 (relay restarting).
RESUME_CODE = 4001  # "you fell behind: reconnect and resume"
SESSION_ENDED_CODE = 4003  # the session was revoked (logout): sign in again, do not reconnect
TOO_MANY_SOCKETS_CODE = 4008  # the user holds the maximum number of sockets: close one first
log = logging.getLogger("netra.relay")


class Outgoing(NamedTuple):
    """A server message serialised once for every socket it goes to; `position` orders
    stream events (None for control messages, which are not in the stream)."""

    position: tuple[int, int] | None
    text: str


def outgoing(message: dict) -> Outgoing:
    event_id = message.get("event_id")
    return Outgoing(parse_event_id(event_id) if event_id else None, json.dumps(message, separators=(",", ":")))


class Connection:
    def __init__(self, socket, user_id: str, queue_size: int, session_id: str | None = None):
        self.socket = socket
        self.user_id = user_id
        self.session_id = session_id  # None: not bound to a sign-in session
        self.socket_id = uuid.uuid4().hex
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=queue_size)
        self.last_sent: tuple[int, int] = (0, 0)
        # Live events are held until the client says where it stands (a `resume`, or any
        # other first message, or a short grace period), so a replay is never overtaken.
        self.resuming = True
        self.held: list[Outgoing] = []
        self.closing = False
        self.sender: asyncio.Task | None = None

    def offer(self, message: Outgoing) -> None:
        """Queue a server message; stream events are sent once each, in order."""
        if self.closing:
            return
        if message.position is not None:
            if self.resuming:
                self.held.append(message)
                return
            if message.position <= self.last_sent:
                return
            self.last_sent = message.position
        try:
            self.queue.put_nowait(message.text)
        except asyncio.QueueFull:
            self.closing = True
            asyncio.get_running_loop().create_task(
                self.socket.close(code=RESUME_CODE, message=b"send queue overflow: resume")
            )

    async def resume(self, replay: list[Outgoing]) -> None:
        """Send the replayed events, then whatever arrived live meanwhile, each once, in order."""
        held, self.held, self.resuming = self.held, [], False
        for message in [*replay, *held]:
            self.offer(message)

    def release(self) -> None:
        """Start live delivery without a replay (a fresh client)."""
        if self.resuming:
            held, self.held, self.resuming = self.held, [], False
            for message in held:
                self.offer(message)

    async def end(self, code: int, reason: bytes) -> None:
        """Close the socket from outside its handler; nothing more is queued."""
        self.closing = True
        await self.socket.close(code=code, message=reason)

    async def send_loop(self) -> None:
        while True:
            await self.socket.send_str(await self.queue.get())


class Hub:
    """The sockets this instance holds, fed from the users' Redis streams.

    A Redis channel message only wakes the hub up for a user; what is delivered is read
    from the user's stream after the last id this instance delivered. So a notification
    lost by pub/sub (a reconnect, a slow subscriber) loses no event: the next wake-up or
    the periodic sweep reads it from the stream.
    """

    BATCH = 500

    def __init__(self, redis, streams, sweep_seconds: float = 5.0):
        self._redis = redis
        self._streams = streams
        self._sweep_seconds = sweep_seconds
        self._by_user: dict[str, set[Connection]] = {}
        self._cursor: dict[str, str] = {}  # user -> last stream id this instance delivered
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    async def add(self, connection: Connection) -> None:
        user = connection.user_id
        if user not in self._by_user:
            self._by_user[user] = set()
            # A new socket gets what happens from now on; older events come by resume.
            self._cursor[user] = await self._streams.latest_id(user)
        self._by_user[user].add(connection)

    def remove(self, connection: Connection) -> None:
        held = self._by_user.get(connection.user_id)
        if held is not None:
            held.discard(connection)
            if not held:
                del self._by_user[connection.user_id]
                self._cursor.pop(connection.user_id, None)

    def connections(self) -> list[Connection]:
        return [c for held in self._by_user.values() for c in held]

    def notify(self, user_id: str) -> None:
        if user_id in self._by_user:
            self._dirty.add(user_id)
            self._wake.set()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._listen()),
            loop.create_task(self._deliver()),
            loop.create_task(self._sweep()),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            users, self._dirty = self._dirty, set()
            for user in users:
                try:
                    await self._catch_up(user)
                except Exception:  # noqa: BLE001 - retried on the next wake-up or sweep
                    log.warning("delivery for a user failed; will retry", exc_info=True)
                    self._dirty.add(user)

    async def _catch_up(self, user: str) -> None:
        while user in self._by_user:
            messages = await self._streams.after(user, self._cursor[user], count=self.BATCH)
            if not messages:
                return
            for message in messages:
                wire = outgoing(message)
                for connection in list(self._by_user.get(user, ())):
                    connection.offer(wire)
            if user in self._cursor:
                self._cursor[user] = messages[-1]["event_id"]
            if len(messages) < self.BATCH:
                return

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_seconds)
            for user in list(self._by_user):
                self.notify(user)

    async def _listen(self) -> None:
        # One pattern subscription per instance: a message names the user to wake up.
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(CHANNEL_PREFIX + "*")
                async for item in pubsub.listen():
                    if item.get("type") == "pmessage":
                        channel = item["channel"].decode() if isinstance(item["channel"], bytes) else item["channel"]
                        self.notify(channel[len(CHANNEL_PREFIX) :])
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception:  # noqa: BLE001 - a Redis hiccup must not end delivery for good
                log.warning("redis subscription lost; resubscribing", exc_info=True)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                await asyncio.sleep(0.5)
                for user in list(self._by_user):  # catch up on whatever the gap hid
                    self.notify(user)


class TokenBucket:
    """Client message rate: `rate` messages per `per` seconds, bursts up to `rate`."""

    def __init__(self, rate: int, per: float, clock=time.monotonic):
        self._capacity = float(rate)
        self._tokens = float(rate)
        self._refill = rate / per
        self._clock = clock
        self._at = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._at) * self._refill)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
