"""Importers: usage from the export formats teams already have, as usage-event rows.

Each importer turns one record into the row `shared_lib.usage` validates; a record it
cannot read becomes a row error naming what was missing, so an import of mixed quality
keeps its good records.

- `openai`: chat-completion responses (`usage` with prompt/completion token details).
- `openai_batch`: OpenAI Batch API output files (a chat completion per line, batch-priced).
- `litellm`: LiteLLM spend logs (`/spend/logs`, or the `LiteLLM_SpendLogs` table as JSON or CSV).
- `langfuse`: Langfuse observation exports (GENERATION observations with usageDetails, or the
  older promptTokens / completionTokens), as JSON or CSV.
- `anthropic`: Anthropic Messages API responses, bare (filed at the time the caller gives) or
  as logging tools write them, `{"timestamp" | "created_at", "response": {...}}`.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import difflib
import functools
import io
import re
import zoneinfo
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from shared_lib import safejson
from shared_lib.pricing import UNPRICED, PriceBook, provider_id
from shared_lib.usage import InvalidRow, finish_reason_of

# Model name prefixes that tell the provider when an export does not.
_PROVIDER_BY_PREFIX = (
    ("gpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("chatgpt", "openai"),
    ("claude", "anthropic"),
    ("gemini", "google"),
    ("mistral", "mistral"),
    ("deepseek", "deepseek"),
)
_LITELLM_PROVIDERS = {
    "vertex_ai": "vertex",
    "vertex_ai_beta": "vertex",
    "gemini": "google",
    "azure_ai": "azure",
    "bedrock_converse": "bedrock",
}
FORMATS: dict[str, tuple[str, ...]] = {
    "openai": ("id", "created", "model", "usage.prompt_tokens", "usage.completion_tokens"),
    "litellm": ("request_id", "startTime", "model", "prompt_tokens", "completion_tokens"),
    "langfuse": ("id", "startTime", "model", "usageDetails (or usage, or promptTokens)"),
    "openai_batch": ("custom_id", "response.body (a chat completion: id, created, model, usage)"),
    "anthropic": (
        'type "message"',
        "id",
        "model",
        "usage.input_tokens",
        'usage.output_tokens (bare, or under "response" next to "timestamp" or "created_at")',
    ),
}


# The tools that store times in UTC and export them without a zone (LiteLLM's spend logs are
# Prisma DateTime columns: SQL and CSV exports give `2026-12-06 09:00:00.000`): a zone-less
# time from them is read as UTC unless the caller names the zone. Anthropic records are
# written by the caller's own logging, whose zone nothing tells.
STORED_IN_UTC = {
    "litellm": "LiteLLM stores UTC",
    "langfuse": "Langfuse stores UTC",
    "openai": "OpenAI's exports are in UTC",
    "openai_batch": "OpenAI's exports are in UTC",
}
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
# The feature `shared_lib.usage` files a call under when it names none.
DEFAULT_FEATURE = "default"


class ImportFormatError(ValueError):
    """The file is not in the format asked for; the message names the expected fields."""


@dataclasses.dataclass(frozen=True)
class Converted:
    """The rows of an import, and what reading them assumed."""

    rows: list[Any]
    featureless: frozenset[int] = frozenset()  # indexes of the rows that name no feature
    zoneless: int = 0  # records whose time had no zone, read in `zone`
    zone: str | None = None  # the zone those were read in (its IANA name, UTC or UTC+02:00)
    zone_reason: str | None = None  # why that zone: the tool stores UTC, or the caller said so


def time_zone(text: str) -> dt.tzinfo:
    """The zone a caller names for zone-less times: an IANA name (Europe/Berlin, UTC) or a
    UTC offset (+02:00, -0530, Z)."""
    name = text.strip()
    if name.upper() in ("Z", "UTC"):
        return dt.timezone.utc
    offset = _OFFSET.match(name)
    if offset and int(offset[2]) <= 14 and int(offset[3]) < 60:
        sign = -1 if offset[1] == "-" else 1
        return dt.timezone(sign * dt.timedelta(hours=int(offset[2]), minutes=int(offset[3])))
    if not offset and 0 < len(name) <= 64:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # unknown, a path, a folder of zones
            pass
    raise ImportFormatError(
        f"timezone must be an IANA time zone name (e.g. Europe/Berlin, UTC) or a UTC offset (e.g. +02:00), "
        f"not {text[:40]!r}"
    )


def records(raw: bytes) -> list[Any]:
    """A JSON array, a JSON object with a list under data/items/observations, JSON lines, or
    CSV with a header row (what LiteLLM's and Langfuse's UIs export). A line of JSON lines
    that is not JSON is an InvalidRow in its place."""
    text = raw.decode("utf-8-sig", errors="replace").strip()
    if not text:
        raise ImportFormatError("the file is empty: there is nothing to import")
    if text[0] not in "[{":
        return _csv(text)
    try:
        document = safejson.loads(text)
    except safejson.JsonRefused:
        return [_line(line) for line in text.splitlines() if line.strip()]
    if isinstance(document, list):
        return document
    if isinstance(document, Mapping):
        for key in ("data", "items", "observations"):
            if isinstance(document.get(key), list):
                return document[key]
        return [document]
    raise ImportFormatError("expected JSON records")


def _csv(text: str) -> list[dict]:
    """CSV rows under their header's names: the JSON exports' field names, with JSON columns
    (LiteLLM's metadata and request_tags, Langfuse's usageDetails) as JSON text and token
    counts as numbers. Empty cells are absent fields."""
    csv.field_size_limit(8 * 1024 * 1024)  # a LiteLLM row can carry whole messages
    reader = csv.DictReader(io.StringIO(text), strict=True)
    try:
        rows = [
            {key: _cell(key, value) for key, value in row.items() if key and value not in (None, "")} for row in reader
        ]
    except csv.Error as exc:
        raise ImportFormatError(f"malformed CSV in the record after line {reader.line_num}: {exc}") from None
    if not reader.fieldnames or len(reader.fieldnames) < 2:
        raise ImportFormatError("the file is neither JSON, JSON lines nor CSV with a header row")
    if not rows:
        raise ImportFormatError("the CSV has a header but no rows: there is nothing to import")
    return rows


def _cell(key: str, value):
    if not isinstance(value, str):  # a row longer than its header: the extra cells, as a list
        return value
    text = value.strip()
    if text[:1] in ("{", "[") or text in ("true", "false", "null"):
        try:
            return safejson.loads(text)
        except safejson.JsonRefused:
            return text
    if "tokens" in key.lower() and text.isascii() and text.isdigit():
        return int(text)
    return text


# Where in its line json's message says the error is: left out, so that lines broken the
# same way are one error (the record's index says which line).
_AT = re.compile(r": line \d+ column \d+ \(char \d+\)$")


def _line(line: str) -> Any:
    """A JSON-lines record, or the InvalidRow saying it is not JSON."""
    try:
        return safejson.loads(line)
    except safejson.JsonRefused as exc:
        return InvalidRow(f"not valid JSON: {_AT.sub('', str(exc))}"[:200])


def detect(items: list[Any]) -> str:
    """The format most of the records are in (the first such, on a tie)."""
    readable = [item for item in items if isinstance(item, Mapping)]
    if not readable:
        raise ImportFormatError("the file is not JSON or JSON lines: no record in it could be read as a JSON object")
    matches = {name: sum(_looks_like(name, item) for item in readable) for name in FORMATS}
    best = max(matches, key=matches.get)
    if not matches[best]:
        raise ImportFormatError(
            "could not tell the format; records of each need: "
            + "; ".join(f"{name}: {', '.join(fields)}" for name, fields in FORMATS.items())
        )
    return best


def convert(
    format_name: str | None,
    items: list[Any],
    feature: str | None = None,
    timestamp: str | None = None,
    zone: dt.tzinfo | None = None,
) -> Converted:
    """Rows for `shared_lib.usage.parse_batch` (a record that cannot be read stays as an error row).
    Without a format name, the records' shape tells it. `timestamp` (ISO 8601) files records
    that carry no time of their own (bare Anthropic responses) under that time. A time without
    a zone is read in `zone`, else in UTC from a tool that stores UTC (`STORED_IN_UTC`); the
    usage event itself still takes only times with a zone."""
    if timestamp is not None:
        _check_timestamp(timestamp)
    format_name = format_name or detect(items)
    if format_name not in FORMATS:
        raise ImportFormatError(f"unknown format {format_name!r}; one of {', '.join(FORMATS)}")
    converter: Callable[[Mapping], dict] = {
        "openai": _openai,
        "litellm": _litellm,
        "langfuse": _langfuse,
        "openai_batch": _openai_batch,
        "anthropic": lambda item: _anthropic(item, timestamp),
    }[format_name]
    readable = [item for item in items if isinstance(item, Mapping)]
    if not readable:
        raise ImportFormatError("the file is not JSON or JSON lines: no record in it could be read as a JSON object")
    if not any(_looks_like(format_name, item) for item in readable):
        others = [name for name in FORMATS if name != format_name and any(_looks_like(name, item) for item in readable)]
        hint = f" (it looks like a {others[0]} export)" if others else ""
        raise ImportFormatError(
            f"this is not a {format_name} export: records need {', '.join(FORMATS[format_name])}{hint}"
        )
    if format_name == "anthropic" and timestamp is None and not any(_anthropic_time(item) for item in readable):
        raise ImportFormatError(_UNTIMED)
    times = _ZonelessTimes(zone, format_name)
    rows, featureless = [], set()
    for item in items:
        if isinstance(item, InvalidRow):  # a line that is not JSON
            rows.append(item)
            continue
        if not isinstance(item, Mapping):
            rows.append(None)  # rejected by validation as "not an object"
            continue
        try:
            row = converter(item)
        except InvalidRow as exc:  # the record says why it holds no usage
            rows.append(exc)
            continue
        except (AttributeError, TypeError, ValueError, KeyError) as exc:
            # A field of an unexpected type (a string where an object belongs, ...): this
            # record fails alone, reported with its index like any invalid row.
            rows.append(InvalidRow(f"not a readable {format_name} record: {_reason(exc)}"))
            continue
        if feature and "feature" not in row:
            row["feature"] = feature
        if "feature" not in row:
            featureless.add(len(rows))
        rows.append(times.zoned(row))
    zoned = times.count > 0
    return Converted(
        rows, frozenset(featureless), times.count, times.name if zoned else None, times.reason if zoned else None
    )


def error_groups(rejected: list[dict], limit: int) -> list[dict]:
    """The rejections of one error each, most common first (the first met, on a tie): the
    error, how many records had it and the indexes of the first five. At most `limit`."""
    counts = Counter(rejection["error"] for rejection in rejected)
    first: dict[str, list[int]] = {}
    for rejection in rejected:
        indexes = first.setdefault(rejection["error"], [])
        if len(indexes) < 5:
            indexes.append(rejection["index"])
    return [{"error": error, "count": n, "first_records": first[error]} for error, n in counts.most_common(limit)]


MAX_UNKNOWN_MODELS = 20  # an answer names this many; a file of thousands of junk names stays readable


def unknown_models(events, aliases: Mapping[str, str], limit: int = MAX_UNKNOWN_MODELS) -> list[dict]:
    """The models of accepted calls the price catalog does not know (after the org's own
    names, `aliases`), most calls first, the first `limit`: each with its calls and the
    catalog's closest name."""
    calls = Counter((event.provider, event.model) for event in events)
    book = PriceBook()
    unknown = []
    for (provider, model), n in calls.most_common():
        if book.price(provider, aliases.get(model, model), 0, 0).status == UNPRICED:
            unknown.append(
                {"model": model, "provider": provider, "calls": n, "closest": closest_model(provider, model)}
            )
            if len(unknown) == limit:
                break
    return unknown


def closest_model(provider: str, model: str) -> str | None:
    """The catalog's model of this provider whose name is nearest to `model` (a typo's), if any is near."""
    name = model.rsplit("/", 1)[-1].lower()
    closest = difflib.get_close_matches(name, _catalog_models(provider_id(provider)), n=1, cutoff=0.6)
    return closest[0] if closest else None


@functools.lru_cache(maxsize=64)
def _catalog_models(provider: str) -> tuple[str, ...]:
    from genai_prices import data_snapshot

    try:
        models = data_snapshot.get_snapshot().find_provider(None, provider, None).models
    except LookupError:  # a provider the catalog has no prices of
        return ()
    return tuple(m.id for m in models if not m.id.endswith("-"))  # "ft:gpt-4o-mini-…" ids are name prefixes


def notes(converted: Converted, rejected: list[dict], unknown: list[dict]) -> list[str]:
    """What an import assumed about its records, and what it could not price, in sentences."""
    said = []
    if converted.zoneless:
        said.append(
            f"{_records(converted.zoneless)} had times without a zone; read as {converted.zone} "
            f"({converted.zone_reason})"
        )
    untagged = len(converted.featureless - {rejection["index"] for rejection in rejected})
    if untagged:
        said.append(
            f"{_records(untagged)} had no feature; filed under {DEFAULT_FEATURE!r} (feature=, or netra import --feature, names one)"
        )
    for model in unknown:
        calls = f"{model['calls']} call{'s' if model['calls'] != 1 else ''}"
        said.append(
            f"`{model['model']}` ({calls}): not in the price catalog — "
            + (
                f"did you mean {model['closest']}?"
                if model["closest"]
                else "if it is your own name of a model, map it under Settings → Model names"
            )
        )
    return said


def _records(n: int) -> str:
    return f"{n} record" if n == 1 else f"{n} records"


class _ZonelessTimes:
    """Gives a row's zone-less time the zone it was recorded in, and counts those rows."""

    def __init__(self, zone: dt.tzinfo | None, format_name: str):
        self.zone = zone if zone is not None else (dt.timezone.utc if format_name in STORED_IN_UTC else None)
        self.name = str(self.zone) if self.zone is not None else None
        self.reason = "as asked" if zone is not None else STORED_IN_UTC.get(format_name)
        self.count = 0
        self._naive: dict[str, dt.datetime | None] = {}  # an export's rows often share a time

    def zoned(self, row: dict) -> dict | InvalidRow:
        value = row.get("timestamp")
        naive = self._naive_moment(value) if type(value) is str else None
        if naive is None:
            return row  # has a zone, or is no time at all: the usage event's own check says which
        if self.zone is None:
            return InvalidRow(
                "the time has no zone and this format does not say which: pass timezone= "
                "(e.g. UTC, Europe/Berlin or +02:00)"
            )
        self.count += 1
        # A wall time that occurs twice (a clock set back) is read as the first of the two.
        return {**row, "timestamp": naive.replace(tzinfo=self.zone).isoformat()}

    def _naive_moment(self, value: str) -> dt.datetime | None:
        if value not in self._naive:
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                moment = None
            self._naive[value] = moment if moment is not None and moment.tzinfo is None else None
        return self._naive[value]


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def _looks_like(format_name: str, item: Mapping) -> bool:
    if format_name == "openai":
        return "usage" in item and "created" in item
    if format_name == "litellm":
        return "request_id" in item and ("startTime" in item or "start_time" in item)
    if format_name == "openai_batch":
        return "custom_id" in item and ("response" in item or "error" in item)
    if format_name == "anthropic":
        return _anthropic_message(item) is not None
    return "startTime" in item and any(key in item for key in ("usageDetails", "usage", "promptTokens"))


def _provider(model: str | None) -> str:
    name = (model or "").lower().split("/")[-1]
    return next((provider for prefix, provider in _PROVIDER_BY_PREFIX if name.startswith(prefix)), "other")


def _millis(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    try:
        a = _aware(dt.datetime.fromisoformat(start.replace("Z", "+00:00")))
        b = _aware(dt.datetime.fromisoformat(end.replace("Z", "+00:00")))
    except ValueError:
        return None
    return max(0, round((b - a).total_seconds() * 1000))


def _aware(moment: dt.datetime) -> dt.datetime:
    # Two zone-less times of one record are in one zone: their difference is the same in any.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)


def _openai(item: Mapping) -> dict:
    """A chat completion object as the API returns it (openai-python's
    `types/chat/chat_completion.py` and `types/completion_usage.py`: id, created, model,
    choices[].finish_reason, usage.prompt_tokens / completion_tokens,
    prompt_tokens_details.cached_tokens, completion_tokens_details.reasoning_tokens)."""
    usage = item.get("usage") or {}
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    return _without_none(
        {
            "event_id": item.get("id"),
            "timestamp": item.get("created"),
            "provider": "openai",
            "model": item.get("model"),
            "input_tokens": usage.get("prompt_tokens"),
            "output_tokens": usage.get("completion_tokens"),
            "cached_input_tokens": prompt_details.get("cached_tokens"),
            "reasoning_tokens": completion_details.get("reasoning_tokens"),
            "finish_reason": finish_reason_of(_first_choice(item).get("finish_reason")),
            "user_id": (item.get("metadata") or {}).get("user_id"),
            "feature": (item.get("metadata") or {}).get("feature"),
        }
    )


def _first_choice(item: Mapping) -> Mapping:
    choices = item.get("choices")
    return choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], Mapping) else {}


def _openai_batch(item: Mapping) -> dict:
    """A line of a Batch API output file (platform.openai.com/docs/guides/batch: id,
    custom_id, response {status_code, request_id, body}, error): the body is the chat
    completion, billed at the batch rate; a failed request holds no usage and says why."""
    response = item.get("response") or {}
    body = response.get("body")
    if not isinstance(body, Mapping) or not isinstance(body.get("usage"), Mapping):
        error = item.get("error") or (body or {}).get("error") or {}
        raise InvalidRow(
            f"request {item.get('custom_id')!r} failed ({response.get('status_code') or error.get('code')}): "
            f"{error.get('message') or 'no response body'}"[:300]
        )
    row = _openai(body)
    row["batch"] = True
    row.setdefault("event_id", item.get("custom_id"))
    return row


_UNTIMED = (
    "Anthropic Messages responses carry no time of the call: pass timestamp= (ISO 8601, e.g. "
    "2026-11-20T10:00:00Z) to file them under, or import the log records that wrap each response as "
    '{"timestamp": ..., "response": {...}}'
)


def _check_timestamp(value: str) -> None:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ImportFormatError(f"timestamp must be ISO 8601 (e.g. 2026-11-20T10:00:00Z), not {value[:40]!r}") from None


def _anthropic_message(item: Mapping) -> Mapping | None:
    """The Messages API response in a record: the record itself, or its `response` (as
    logging tools wrap it); None when the record is neither."""
    for candidate in (item, item.get("response")):
        if isinstance(candidate, Mapping) and candidate.get("type") == "message" and "usage" in candidate:
            return candidate
    return None


def _anthropic_time(item: Mapping):
    return _first(item.get("timestamp"), item.get("created_at")) if item.get("response") is not None else None


def _anthropic(item: Mapping, timestamp: str | None) -> dict:
    """A Messages API response. Its usage fields are the SDK's `Usage` (anthropic-sdk-python,
    src/anthropic/types/usage.py, generated from Anthropic's OpenAPI spec): input_tokens,
    output_tokens, cache_creation_input_tokens, cache_read_input_tokens, service_tier
    ("batch" for Message Batches) and output_tokens_details.thinking_tokens. Anthropic's
    input_tokens leaves out the cache reads and writes; Netra's counts every prompt token,
    so they are added back."""
    message = _anthropic_message(item)
    if message is None:
        inner = item["response"] if isinstance(item.get("response"), Mapping) else item
        error = inner["error"] if isinstance(inner.get("error"), Mapping) else {}  # an API error logged as the response
        raise InvalidRow(
            f"not an Anthropic message ({error.get('type') or 'no usage'}): "
            f"{error.get('message') or 'records need type message with usage'}"[:300]
        )
    usage = message["usage"]
    when = _anthropic_time(item) or timestamp
    if when is None:
        raise InvalidRow(
            f"response {message.get('id')!r} has no time: pass timestamp= or wrap it as "
            '{"timestamp": ..., "response": {...}}'
        )
    read, written, plain = (
        usage.get("cache_read_input_tokens"),
        usage.get("cache_creation_input_tokens"),
        usage.get("input_tokens"),
    )
    if isinstance(plain, int) and not isinstance(plain, bool):
        plain += sum(n for n in (read, written) if isinstance(n, int) and not isinstance(n, bool))
    return _without_none(
        {
            "event_id": message.get("id"),
            "timestamp": when,
            "provider": "anthropic",
            "model": message.get("model"),
            "input_tokens": plain,
            "output_tokens": usage.get("output_tokens"),
            "cached_input_tokens": read,
            "cache_write_tokens": written,
            "reasoning_tokens": (usage.get("output_tokens_details") or {}).get("thinking_tokens"),
            "batch": True if usage.get("service_tier") == "batch" else None,
            "finish_reason": finish_reason_of(message.get("stop_reason")),
            "latency_ms": item.get("latency_ms"),
            "user_id": item.get("user_id"),
            "feature": item.get("feature"),
        }
    )


def _litellm(item: Mapping) -> dict:
    """A row of LiteLLM's spend logs (the proxy's `LiteLLM_SpendLogs` table in
    `litellm/proxy/schema.prisma`, as `/spend/logs` and the UI's export give it: request_id,
    startTime, endTime, completionStartTime, model, custom_llm_provider, prompt_tokens,
    completion_tokens, spend, user, end_user, request_tags, status, metadata.usage_object)."""
    model = item.get("model") or ""
    provider = item.get("custom_llm_provider") or (model.split("/", 1)[0] if "/" in model else None)
    provider = _LITELLM_PROVIDERS.get(provider, provider) or _provider(model)
    metadata = item.get("metadata") if isinstance(item.get("metadata"), Mapping) else {}
    usage = metadata.get("usage_object") if isinstance(metadata.get("usage_object"), Mapping) else {}
    tags = item.get("request_tags") if isinstance(item.get("request_tags"), list) else []
    start = item.get("startTime") or item.get("start_time")
    # LiteLLM's usage object (litellm.types.utils.Usage) carries Anthropic's cache counts as
    # cache_read_input_tokens / cache_creation_input_tokens, OpenAI's as
    # prompt_tokens_details.cached_tokens; a spend log row may also have them at the top.
    cached = _first(
        usage.get("cache_read_input_tokens"),
        item.get("cache_read_input_tokens"),
        (usage.get("prompt_tokens_details") or {}).get("cached_tokens"),
    )
    written = _first(usage.get("cache_creation_input_tokens"), item.get("cache_creation_input_tokens"))
    prompt = item.get("prompt_tokens")
    if (
        isinstance(prompt, int)
        and isinstance(cached, int)
        and isinstance(written or 0, int)
        and cached + (written or 0) > prompt
    ):
        prompt += cached + (written or 0)  # counted apart from the prompt, as Anthropic's API does
    return _without_none(
        {
            "event_id": item.get("request_id"),
            "timestamp": start,
            "provider": provider,
            "model": model.split("/", 1)[1] if "/" in model else model,
            "input_tokens": prompt,
            "output_tokens": item.get("completion_tokens"),
            "cached_input_tokens": cached,
            "cache_write_tokens": written,
            "cost_usd": str(item["spend"]) if item.get("spend") is not None else None,
            "latency_ms": _millis(start, item.get("endTime") or item.get("end_time")),
            "ttft_ms": _millis(start, item.get("completionStartTime")),
            "user_id": item.get("end_user") or item.get("user") or None,
            "feature": tags[0] if tags else None,
            "status": "error" if str(item.get("status", "success")).lower() in ("failure", "error") else "success",
        }
    )


def _langfuse(item: Mapping) -> dict:
    """A generation from Langfuse's observations (the public API's `ObservationsView`, as
    `GET /api/public/observations` and the UI's export give it: id, name, startTime, endTime,
    completionStartTime, model, usageDetails (or the older usage / promptTokens /
    completionTokens), calculatedTotalCost or costDetails.total, userId, level)."""
    details = (
        item.get("usageDetails")
        or item.get("usage")
        or {"input": item.get("promptTokens"), "output": item.get("completionTokens")}
    )
    details = {k: v for k, v in details.items() if isinstance(v, int)}
    # Langfuse's own rule: every usage type whose name contains "input" is input (cached
    # reads and writes too), every one containing "output" is output (reasoning too).
    input_tokens = sum(v for k, v in details.items() if "input" in k)
    cached = sum(v for k, v in details.items() if "input" in k and ("cache_read" in k or "cached" in k))
    written = sum(v for k, v in details.items() if "input" in k and ("cache_creation" in k or "cache_write" in k))
    output = sum(v for k, v in details.items() if "output" in k)
    reasoning = sum(v for k, v in details.items() if "output" in k and "reasoning" in k)
    model = item.get("model") or item.get("providedModelName")
    start = item.get("startTime")
    cost = (
        item.get("calculatedTotalCost")
        if item.get("calculatedTotalCost") is not None
        else (item.get("costDetails") or {}).get("total")
    )
    return _without_none(
        {
            "event_id": item.get("id"),
            "timestamp": start,
            "provider": _provider(model),
            "model": model,
            "input_tokens": input_tokens if details else None,
            "output_tokens": output if details else None,
            "cached_input_tokens": cached,
            "cache_write_tokens": written,
            "reasoning_tokens": reasoning,
            "cost_usd": str(cost) if cost is not None else None,
            "latency_ms": _millis(start, item.get("endTime")),
            "ttft_ms": _millis(start, item.get("completionStartTime")),
            "user_id": item.get("userId"),
            "feature": item.get("name"),
            "status": "error" if item.get("level") == "ERROR" else "success",
        }
    )


def _first(*values):
    return next((v for v in values if v is not None), None)


def _without_none(row: dict) -> dict:
    return {k: v for k, v in row.items() if v is not None}
