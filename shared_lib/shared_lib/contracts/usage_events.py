"""A batch of usage events on the `usage-events` topic. Analytics' intake publishes the
batches it accepted, the agents' LLM gateway meters Netra's own calls the same way, and
analytics' consumer stores them.

Body: `{"org_id", "accepted_at"?, "events": [row, ...]}`, each row a usage event as
`shared_lib.usage` reads it; the message carries the attribute `org_id`. `accepted_at`
(when intake accepted the batch) says which of two versions of an event is the later
one; a producer without it leaves the consumer Pub/Sub's publish time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

# Few, large messages: the consumer writes a delivery (or several that arrive together)
# in one insert, whose cost is mostly fixed (ADR 0008). Bounded well under Pub/Sub's
# 10 MB and so that one consumer write stays short; one event is at most ~0.3 MB of UTF-8.
EVENTS_PER_MESSAGE = 10_000
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


# One encoder for every row: json.dumps with any option builds a new one per call, which
# cost more than encoding a small row.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


class InvalidBatch(ValueError):
    """The message is not a usage batch: no row of it can be read."""


@dataclasses.dataclass(frozen=True)
class UsageBatch:
    org_id: str
    rows: list[Any]  # each row validated by the consumer, one at a time
    accepted_at: dt.datetime | None


def messages(org_id: str, rows: Iterable[Mapping[str, Any]], accepted_at: dt.datetime | None = None) -> list[bytes]:
    """The Pub/Sub message bodies of these rows: at most EVENTS_PER_MESSAGE rows and about
    MAX_MESSAGE_BYTES each."""
    header = {"org_id": org_id} if accepted_at is None else {"org_id": org_id, "accepted_at": accepted_at.isoformat()}
    head = json.dumps(header)[:-1].encode() + b', "events": ['
    bodies, chunk, size = [], [], len(head)
    for row in rows:
        encoded = _ENCODER.encode(row).encode()
        if chunk and (len(chunk) == EVENTS_PER_MESSAGE or size + len(encoded) + 1 > MAX_MESSAGE_BYTES):
            bodies.append(head + b",".join(chunk) + b"]}")
            chunk, size = [], len(head)
        chunk.append(encoded)
        size += len(encoded) + 1
    if chunk:
        bodies.append(head + b",".join(chunk) + b"]}")
    return bodies


def parse(body: Any, published_at: str | None = None) -> UsageBatch:
    """A decoded message body as a batch; `published_at`: Pub/Sub's publish time, when the
    producer said nothing of acceptance."""
    if (
        not isinstance(body, Mapping)
        or not isinstance(body.get("org_id"), str)
        or not isinstance(body.get("events"), list)
    ):
        raise InvalidBatch("a usage batch is {org_id, events: [...]}")
    return UsageBatch(body["org_id"], body["events"], _moment(body.get("accepted_at")) or _moment(published_at))


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
