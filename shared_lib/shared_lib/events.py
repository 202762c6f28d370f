"""Client events: what agents and chat tell a user's browser, through `client-events`.

A producer publishes one `ClientEvent` per fact; the relay gives it the user's next
stream id (`event_id`) and delivers `{"type", "event_id", "ts", "thread_id"?, "run_id"?,
"payload"}` to every socket of that user, and again on resume. Each type's payload:
`shared_lib.contracts.client_events`, with its JSON Schema.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

from shared_lib.contracts import topics
from shared_lib.safejson import loads

TOPIC = topics.CLIENT_EVENTS
TYPES = (
    "connection_established",
    "message_created",
    "agent_started",
    "agent_thinking",
    "tool_executing",
    "tool_completed",
    "agent_completed",
    "agent_error",
    "final_report",
    "thread_updated",
    "heartbeat",
    "error",
)


class InvalidEvent(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class ClientEvent:
    user_id: str
    type: str
    payload: dict[str, Any]
    thread_id: str | None = None
    run_id: str | None = None
    ts: float = dataclasses.field(default_factory=time.time)
    # The producer's name for this fact: the relay appends each key once per user, so a
    # step that is redone after a crash does not show its progress twice.
    key: str | None = None

    def __post_init__(self):
        if self.type not in TYPES:
            raise InvalidEvent(f"unknown client event type {self.type!r}")
        if not self.user_id:
            raise InvalidEvent("a client event needs a user_id")
        if not isinstance(self.payload, dict):
            raise InvalidEvent("a client event payload must be an object")

    def to_message(self) -> bytes:
        return json.dumps(dataclasses.asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_message(cls, data: bytes) -> ClientEvent:
        try:
            fields = loads(data)
            return cls(**fields)
        except (ValueError, TypeError) as exc:
            raise InvalidEvent(f"not a client event: {exc}") from None

    def wire(self, event_id: str | None) -> dict[str, Any]:
        """The server message a socket receives."""
        message: dict[str, Any] = {"type": self.type, "event_id": event_id, "ts": self.ts, "payload": self.payload}
        if self.thread_id:
            message["thread_id"] = self.thread_id
        if self.run_id:
            message["run_id"] = self.run_id
        return message


def publish_client_event(publisher, project_id: str, event: ClientEvent):
    """Publish to `client-events`; returns the publish future. `user_id` is also an
    attribute so the relay (or a filter) can route without parsing the body."""
    return publisher.publish(f"projects/{project_id}/topics/{TOPIC}", event.to_message(), user_id=event.user_id)


def dedupe_key(event: ClientEvent, delivery_key: str) -> str:
    """What the relay appends once: the producer's key (per user), else the Pub/Sub delivery."""
    return f"key:{event.user_id}:{event.key}" if event.key else delivery_key
