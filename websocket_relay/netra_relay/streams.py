"""Each user's events: a bounded Redis stream (resume buffer) and a channel (fan-out).

The stream id Redis assigns (`<ms>-<seq>`) is the event's `event_id`: it increases per
user, and `XRANGE (last +` replays exactly what came after a given one.
"""

from __future__ import annotations

import re

from shared_lib.events import ClientEvent

CHANNEL_PREFIX = "relay:user:"
MAX_ID_PART = 2**64 - 1  # each part of a Redis stream id is an unsigned 64-bit integer
_EVENT_ID = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")  # ASCII digits: `\d` would take "१२"


def stream_key(user_id: str) -> str:
    return f"relay:stream:{user_id}"


def parse_event_id(event_id: str) -> tuple[int, int]:
    """`<ms>-<seq>` as Redis would accept it, else ValueError: an id Redis refuses must
    never reach XRANGE."""
    if not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id):
        raise ValueError(
            f"not an event id: {event_id[:60]!r}" if isinstance(event_id, str) else "an event id is a string"
        )
    ms, seq = (int(part) for part in event_id.split("-"))
    if ms > MAX_ID_PART or seq > MAX_ID_PART:
        raise ValueError("an event id part is beyond 64 bits")
    return ms, seq


class UserStreams:
    def __init__(self, redis, max_length: int):
        self._redis = redis  # redis.asyncio client
        self._max_length = max_length

    async def append(self, event: ClientEvent) -> dict:
        """Store the event in the user's stream, then tell every instance; returns the wire message."""
        body = event.to_message()
        event_id = await self._redis.xadd(
            stream_key(event.user_id), {"e": body}, maxlen=self._max_length, approximate=True
        )
        event_id = event_id.decode() if isinstance(event_id, bytes) else event_id
        # The channel only wakes up the instances holding this user's sockets; they read
        # the event from the stream, so a lost notification cannot lose the event.
        await self._redis.publish(CHANNEL_PREFIX + event.user_id, event_id)
        return event.wire(event_id)

    async def latest_id(self, user_id: str) -> str:
        """The newest event id of the user's stream ("0-0" when empty)."""
        entries = await self._redis.xrevrange(stream_key(user_id), max="+", min="-", count=1)
        if not entries:
            return "0-0"
        event_id = entries[0][0]
        return event_id.decode() if isinstance(event_id, bytes) else event_id

    async def after(self, user_id: str, last_event_id: str, count: int | None = None) -> list[dict]:
        """Stored events after `last_event_id`, oldest first (at most `count`)."""
        if parse_event_id(last_event_id) == (MAX_ID_PART, MAX_ID_PART):
            return []  # nothing can follow the last id, and Redis refuses "(" before it
        entries = await self._redis.xrange(stream_key(user_id), min=f"({last_event_id}", max="+", count=count)
        messages = []
        for event_id, fields in entries:
            event_id = event_id.decode() if isinstance(event_id, bytes) else event_id
            messages.append(ClientEvent.from_message(fields[b"e"] if b"e" in fields else fields["e"]).wire(event_id))
        return messages
