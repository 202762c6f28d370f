"""A batch of usage events on the `usage-events` topic. Analytics' intake publishes the
batches it accepted, the agents' LLM gateway meters Netra's own calls the same way, and
analytics' consumer stores them.

Body: `{"org_id", "accepted_at"?, "fields": [name, ...], "rows": [[value, ...], ...]}`:
each row a usage event as `shared_lib.usage` reads it, its values in the order of
`fields` (null where the event has no such field). Positional rows are a third of the
bytes of one object per event, and encode and decode in about half the time; the consumer
still reads the earlier form, `{"org_id", "accepted_at"?, "events": [{...}, ...]}`, which
batches queued before this one carry. The message carries the attribute `org_id`.
`accepted_at` (when intake accepted the batch) says which of two versions of an event is
the later one; a producer without it leaves the consumer Pub/Sub's publish time.

The message data is that JSON, gzip-compressed where the producer's settings say so
(`Settings.usage_batch_encoding`; level 1: ~0.5 us per event to compress, usage rows shrink
4-10x), so Pub/Sub carries and bills a fraction of the bytes and the push, base64 and all,
is as much smaller. `decode` reads either (gzip's first two bytes can never begin JSON).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shared_lib.safejson import JsonRefused, loads

# Few, large messages: the consumer writes a delivery (or several that arrive together)
# in one insert, whose cost is mostly fixed (ADR 0008). Bounded well under Pub/Sub's
# 10 MB and so that one consumer write stays short; one event is at most ~0.3 MB of UTF-8.
EVENTS_PER_MESSAGE = 10_000
MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # of JSON, before compression
# What `decode` inflates at most: past any batch the encoders make (an event alone over
# MAX_MESSAGE_BYTES is ~0.3 MB), so a message can never make the consumer hold more.
MAX_DECODED_BYTES = 16 * 1024 * 1024
_GZIP = b"\x1f\x8b"


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


def messages(
    org_id: str, rows: Iterable[Mapping[str, Any]], accepted_at: dt.datetime | None = None, *, compress: bool = False
) -> list[bytes]:
    """The Pub/Sub message bodies of these rows: at most EVENTS_PER_MESSAGE rows and
    MAX_MESSAGE_BYTES of JSON each (an event alone over it, which validation rules out, goes
    alone); gzip-compressed when `compress`."""
    rows = list(rows)
    fields = list(dict.fromkeys(name for row in rows for name in row))
    values = [[row.get(name) for name in fields] for row in rows]
    return positional_messages(org_id, fields, values, accepted_at, compress=compress)


def positional_messages(
    org_id: str,
    fields: Sequence[str],
    values: list[list[Any]],
    accepted_at: dt.datetime | None = None,
    *,
    compress: bool = False,
) -> list[bytes]:
    """`messages` of rows given as their values in the order of `fields`: what intake sends,
    each validated event's `UsageEvent.json_values()`, with no dict built per event."""
    fields = list(fields)
    header = {"org_id": org_id} if accepted_at is None else {"org_id": org_id, "accepted_at": accepted_at.isoformat()}
    bodies: list[bytes] = []
    for start in range(0, len(values), EVENTS_PER_MESSAGE):
        bodies += _bodies(header, fields, values[start : start + EVENTS_PER_MESSAGE])
    return [gzip.compress(body, compresslevel=1, mtime=0) for body in bodies] if compress else bodies


def _bodies(header: dict, fields: list[str], values: list[list]) -> list[bytes]:
    # Encoded whole (one call for thousands of rows); halved only when over the bytes.
    body = _ENCODER.encode({**header, "fields": fields, "rows": values}).encode()
    if len(body) <= MAX_MESSAGE_BYTES or len(values) == 1:
        return [body]
    middle = len(values) // 2
    return _bodies(header, fields, values[:middle]) + _bodies(header, fields, values[middle:])


def decode(data: bytes) -> Any:
    """A message's data as the JSON body it carries, compressed or not."""
    if data[:2] == _GZIP:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # the gzip container
        try:
            data = inflater.decompress(data, MAX_DECODED_BYTES)
        except zlib.error as exc:
            raise InvalidBatch(f"a usage batch that does not decompress: {exc}") from None
        if not inflater.eof:
            raise InvalidBatch(f"a usage batch that is cut short or over {MAX_DECODED_BYTES} bytes decompressed")
        if inflater.unused_data:  # a second member or trailing bytes: rows that would go unread
            raise InvalidBatch("a usage batch with data after its compressed body")
    try:
        return loads(data)
    except JsonRefused as exc:
        raise InvalidBatch(f"a usage batch that is not JSON: {exc}") from None


def parse(body: Any, published_at: str | None = None) -> UsageBatch:
    """A decoded message body as a batch, its rows as objects without the fields they leave
    null or empty (as the event never had them: one pass, here); `published_at`: Pub/Sub's
    publish time, when the producer said nothing of acceptance. A row that is not a list of
    one value per field is passed on as it is, for the consumer to refuse alone."""
    if not isinstance(body, Mapping) or not isinstance(body.get("org_id"), str):
        raise InvalidBatch("a usage batch is {org_id, fields: [...], rows: [[...], ...]}")
    fields, rows = body.get("fields"), body.get("rows")
    if isinstance(fields, list) and all(isinstance(name, str) for name in fields) and isinstance(rows, list):
        width = len(fields)
        rows = [
            {name: value for name, value in zip(fields, row, strict=True) if value is not None and value != ""}
            if type(row) is list and len(row) == width
            else row
            for row in rows
        ]
    elif isinstance(body.get("events"), list):  # the earlier form
        rows = [
            {name: value for name, value in row.items() if value is not None and value != ""}
            if isinstance(row, Mapping)
            else row
            for row in body["events"]
        ]
    else:
        raise InvalidBatch("a usage batch is {org_id, fields: [...], rows: [[...], ...]}")
    return UsageBatch(body["org_id"], rows, _moment(body.get("accepted_at")) or _moment(published_at))


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
