"""Sockets held by this instance, one bounded send queue each, fed from Redis.

Every instance listens on the users' Redis channels and hands each event to the sockets
it holds for that user. A socket whose queue is full (a slow client) is closed with
`RESUME_CODE` so it reconnects and resumes, instead of stalling everyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

from netra_relay.streams import CHANNEL_PREFIX, parse_event_id

RESUME_CODE = 4001  # "you fell behind: reconnect and resume"
log = logging.getLogger("netra.relay")


class Connection:
    def __init__(self, socket, user_id: str, queue_size: int):
        self.socket = socket
        self.user_id = user_id
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=queue_size)
        self.last_sent: tuple[int, int] = (0, 0)
        # Live events are held until the client says where it stands (a `resume`, or any
        # other first message, or a short grace period), so a replay is never overtaken.
        self.resuming = True
        self.held: list[dict] = []
        self.closing = False
        self.sender: asyncio.Task | None = None

    def offer(self, message: dict) -> None:
        """Queue a server message; stream events are deduplicated by event_id."""
        if self.closing:
            return
        if message.get("event_id") and self.resuming:
            self.held.append(message)
            return
        if message.get("event_id"):
            position = parse_event_id(message["event_id"])
            if position <= self.last_sent:
                return
            self.last_sent = position
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.closing = True
            asyncio.get_running_loop().create_task(self.socket.close(code=RESUME_CODE, message=b"send queue overflow: resume"))

    async def resume(self, replay: list[dict]) -> None:
        """Send the replayed events, then whatever arrived live meanwhile, each once, in order."""
        for message in replay:
            self._offer_ordered(message)
        held, self.held, self.resuming = self.held, [], False
        for message in held:
            self._offer_ordered(message)

    def release(self) -> None:
        """Start live delivery without a replay (a fresh client)."""
        if self.resuming:
            held, self.held, self.resuming = self.held, [], False
            for message in held:
                self.offer(message)

    def _offer_ordered(self, message: dict) -> None:
        self.resuming = False
        self.offer(message)

    async def send_loop(self) -> None:
        while True:
            message = await self.queue.get()
            await self.socket.send_str(json.dumps(message))


class Hub:
    def __init__(self, redis):
        self._redis = redis
        self._by_user: dict[str, set[Connection]] = {}
        self._listener: asyncio.Task | None = None

    def add(self, connection: Connection) -> None:
        self._by_user.setdefault(connection.user_id, set()).add(connection)

    def remove(self, connection: Connection) -> None:
        held = self._by_user.get(connection.user_id)
        if held is not None:
            held.discard(connection)
            if not held:
                del self._by_user[connection.user_id]

    def connections(self) -> list[Connection]:
        return [c for held in self._by_user.values() for c in held]

    def deliver(self, user_id: str, message: dict) -> int:
        held = self._by_user.get(user_id, ())
        for connection in list(held):
            connection.offer(message)
        return len(held)

    async def start(self) -> None:
        self._listener = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        if self._listener:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener

    async def _listen(self) -> None:
        # One pattern subscription per instance: every instance sees every user's events
        # and keeps those of the sockets it holds.
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(CHANNEL_PREFIX + "*")
                async for item in pubsub.listen():
                    if item.get("type") != "pmessage":
                        continue
                    envelope = json.loads(item["data"])
                    self.deliver(envelope["user_id"], envelope["message"])
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception:  # noqa: BLE001 - a Redis hiccup must not end delivery for good
                log.warning("redis subscription lost; resubscribing", exc_info=True)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                await asyncio.sleep(0.5)


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
