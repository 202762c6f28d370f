"""Decode a Pub/Sub message from whatever carried it to a handler.

Three carriers reach our functions: the wrapped push envelope Pub/Sub POSTs
(`{"message": {...}, "subscription"}`), a CloudEvent built by functions-framework from
that envelope, and a CloudEvent sent over HTTP in binary (`ce-*` headers) or structured
(`application/cloudevents+json`) mode, as Eventarc does. All become one `PubSubMessage`;
anything else raises `EnvelopeError` with a message that says what was wrong.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Mapping
from typing import Any

from shared_lib.safejson import JsonRefused, loads

CLOUDEVENT_PUBSUB_TYPE = "google.cloud.pubsub.topic.v1.messagePublished"
_CE_REQUIRED = ("id", "source", "type", "specversion")
PAYLOAD_MAX_DEPTH = 128


class EnvelopeError(ValueError):
    """The request does not carry a well-formed Pub/Sub message."""


@dataclasses.dataclass(frozen=True)
class PubSubMessage:
    message_id: str
    data: bytes
    attributes: Mapping[str, str]
    publish_time: str | None = None
    subscription: str | None = None
    delivery_attempt: int | None = None

    @property
    def delivery_key(self) -> str:
        """Identity of this message across redeliveries, for idempotency guards.

        Pub/Sub keeps `messageId` and `publishTime` on every redelivery. The id alone is
        unique in Google's service, but the emulator numbers messages from 1 after every
        restart, while the guard's records in Redis outlive it; the publish time tells
        those apart.
        """
        return f"{self.message_id}@{self.publish_time}" if self.publish_time else self.message_id

    def json(self) -> Any:
        """The payload decoded as UTF-8 JSON."""
        try:
            # A push endpoint takes this from whoever can reach it: bounded, so a hostile
            # payload is refused instead of raising RecursionError. Ours are far shallower.
            return loads(self.data, max_depth=PAYLOAD_MAX_DEPTH)
        except JsonRefused as exc:
            raise EnvelopeError(f"message {self.message_id}: data is not UTF-8 JSON ({exc})") from None


def from_push(body: bytes | str | Mapping[str, Any]) -> PubSubMessage:
    """Decode the wrapped envelope of a Pub/Sub push request."""
    envelope = _as_object(body, "push envelope")
    message = envelope.get("message")
    if not isinstance(message, Mapping):
        raise EnvelopeError("push envelope has no 'message' object")
    attempt = envelope.get("deliveryAttempt")
    return _message(message, envelope.get("subscription"), attempt if isinstance(attempt, int) else None)


def from_cloudevent(event: Any) -> PubSubMessage:
    """Decode a CloudEvent (functions-framework / `cloudevents` object) carrying a Pub/Sub message."""
    try:
        event_type = event["type"]
        event_id = event["id"]
    except (KeyError, TypeError):
        raise EnvelopeError("CloudEvent lacks 'type' or 'id'") from None
    if event_type != CLOUDEVENT_PUBSUB_TYPE:
        raise EnvelopeError(f"CloudEvent type {event_type!r} is not {CLOUDEVENT_PUBSUB_TYPE}")
    data = getattr(event, "data", None)
    if isinstance(data, (bytes, str)):
        data = _as_object(data, "CloudEvent data")
    if not isinstance(data, Mapping) or not isinstance(data.get("message"), Mapping):
        raise EnvelopeError("CloudEvent data has no 'message' object")
    message = dict(data["message"])
    message.setdefault("messageId", event_id)
    return _message(message, data.get("subscription"), None)


def from_http(headers: Mapping[str, str], body: bytes) -> PubSubMessage:
    """Decode any of the three HTTP carriers from raw request headers and body."""
    lowered = {k.lower(): v for k, v in headers.items()}
    content_type = lowered.get("content-type", "").split(";", 1)[0].strip().lower()
    if "ce-id" in lowered:  # binary mode: attributes in headers, data in the body
        missing = [name for name in _CE_REQUIRED if f"ce-{name}" not in lowered]
        if missing:
            raise EnvelopeError("binary-mode CloudEvent lacks headers: " + ", ".join(f"ce-{m}" for m in missing))
        return from_cloudevent(
            _Event({n: lowered[f"ce-{n}"] for n in _CE_REQUIRED}, _as_object(body, "CloudEvent data"))
        )
    if content_type == "application/cloudevents+json":
        document = _as_object(body, "structured CloudEvent")
        missing = [name for name in _CE_REQUIRED if name not in document]
        if missing:
            raise EnvelopeError("structured CloudEvent lacks attributes: " + ", ".join(missing))
        return from_cloudevent(_Event({n: document[n] for n in _CE_REQUIRED}, document.get("data")))
    if content_type and content_type != "application/json":
        raise EnvelopeError(f"unsupported content type {content_type!r}")
    return from_push(body)


class _Event(dict):
    """Minimal CloudEvent shape (`event["id"]`, `event.data`) for the HTTP modes."""

    def __init__(self, attributes: Mapping[str, Any], data: Any):
        super().__init__(attributes)
        self.data = data


def _as_object(raw: bytes | str | Mapping[str, Any], what: str) -> Mapping[str, Any]:
    if isinstance(raw, Mapping):
        return raw
    try:
        value = loads(raw)
    except (JsonRefused, TypeError):
        raise EnvelopeError(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise EnvelopeError(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


def _message(message: Mapping[str, Any], subscription: Any, attempt: int | None) -> PubSubMessage:
    message_id = message.get("messageId") or message.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise EnvelopeError("message has no 'messageId'")
    raw = message.get("data", "")
    if not isinstance(raw, str):
        raise EnvelopeError(f"message {message_id}: 'data' must be a base64 string")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeError(f"message {message_id}: 'data' is not valid base64") from None
    attributes = message.get("attributes") or {}
    if not isinstance(attributes, Mapping) or not all(isinstance(v, str) for v in attributes.values()):
        raise EnvelopeError(f"message {message_id}: 'attributes' must map strings to strings")
    return PubSubMessage(
        message_id=message_id,
        data=data,
        attributes=dict(attributes),
        publish_time=message.get("publishTime") or message.get("publish_time"),
        subscription=subscription if isinstance(subscription, str) else None,
        delivery_attempt=attempt,
    )
