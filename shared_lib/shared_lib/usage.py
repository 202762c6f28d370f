"""The usage event (one LLM call): validation of what callers send, row by row.

A bad row is rejected with its reason and never sinks the good ones. The caller's org
(from its token or API key) is the event's org: a row may repeat it, never change it.

"Accepted" means "will be stored": the limits below are the warehouse's column types
(functions/analytics/netra_analytics/migrations, held to them by a test), so a row that
passes here cannot be refused by the insert.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

STATUSES = ("success", "error", "timeout", "rate_limited", "cancelled")
# Why the model stopped (optional): its own end of answer, the output limit (max_tokens or the
# context), a tool call, the provider's content filter, or an error mid-answer.
FINISH_REASONS = ("stop", "length", "tool_calls", "content_filter", "error")
PROVIDERS = (
    "openai",
    "anthropic",
    "google",
    "gemini",
    "azure",
    "bedrock",
    "vertex",
    "mistral",
    "cohere",
    "groq",
    "together",
    "deepseek",
    "xai",
    "fireworks",
    "openrouter",
    "other",
)
# Finish reasons as providers spell them (OpenAI, Anthropic, Gemini/Vertex, Bedrock, Mistral,
# Cohere), lower-cased -> the usage event's.
PROVIDER_FINISH_REASONS = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "complete": "stop",
    "eos": "stop",
    "length": "length",
    "max_tokens": "length",
    "model_length": "length",
    "max_output_tokens": "length",
    "tool_calls": "tool_calls",
    "tool_use": "tool_calls",
    "function_call": "tool_calls",
    "tool_call": "tool_calls",
    "content_filter": "content_filter",
    "safety": "content_filter",
    "recitation": "content_filter",
    "blocklist": "content_filter",
    "prohibited_content": "content_filter",
    "spii": "content_filter",
    "refusal": "content_filter",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
    "error": "error",
    "malformed_function_call": "error",
}
MAX_FUTURE = dt.timedelta(minutes=5)
MAX_AGE = dt.timedelta(days=400)

UINT32_MAX = 2**32 - 1
# Per call, far beyond any context window, and small enough that a call priced at any
# catalog rate (and a sum over billions of calls) fits the warehouse's columns.
MAX_TOKENS = 10**10
# Each number a caller sends: the warehouse column type it is stored as, and the largest
# value accepted (never above what that type holds).
COLUMNS: dict[str, tuple[str, int]] = {
    "input_tokens": ("UInt64", MAX_TOKENS),
    "output_tokens": ("UInt64", MAX_TOKENS),
    "cached_input_tokens": ("UInt64", MAX_TOKENS),
    "cache_write_tokens": ("UInt64", MAX_TOKENS),
    "reasoning_tokens": ("UInt64", MAX_TOKENS),
    "latency_ms": ("UInt32", UINT32_MAX),
    "ttft_ms": ("Nullable(UInt32)", UINT32_MAX),
    "max_tokens": ("Nullable(UInt32)", UINT32_MAX),
}
COST_COLUMN = "Decimal(18, 9)"
COST_SCALE = Decimal("1e-9")
MAX_COST_USD = Decimal("999999999.999999999")  # the largest Decimal(18, 9)
# DateTime64(3) holds 1900-01-01 to 2299-12-31; the intake window is far inside it, this
# bounds what the consumer re-reads without the window.
STORABLE_TIMES = (dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc), dt.datetime(2300, 1, 1, tzinfo=dt.timezone.utc))
MAX_TEXT = 512
# A prefix chain (ADR 0017): positions at the end of the system prompt, of earlier messages or of
# fixed blocks. 512 covers a 100-turn conversation and a 256K-token prompt in 512-token blocks.
MAX_CHAIN = 512
CHAIN_POSITIONS = ("system", "turn", "block")
MAX_METADATA_ENTRIES, MAX_METADATA_KEY, MAX_METADATA_VALUE = 50, 128, 1024
_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
_HASH = re.compile(r"^[0-9A-Za-z_:+/=-]{1,128}$")
_KNOWN = {
    "event_id",
    "timestamp",
    "org_id",
    "user_id",
    "feature",
    "provider",
    "model",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "reasoning_tokens",
    "cache_write_tokens",
    "latency_ms",
    "ttft_ms",
    "status",
    "cost_usd",
    "price_version",
    "prompt_hash",
    "prefix_hash",
    "max_tokens",
    "interactive",
    "metadata",
    "batch",
    "finish_reason",
    "prefix_chain",
}


class InvalidRow(ValueError):
    """A row refused, with the reason shown to the caller. An instance in a batch (an
    importer's record it could not read) is rejected with its own message."""


# Not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__,
# ~2.5 us for these 24, more than validating the row they come from. Nothing changes an
# event once made.
@dataclasses.dataclass
class UsageEvent:
    event_id: str
    timestamp: dt.datetime
    org_id: str
    user_id: str
    feature: str
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    latency_ms: int
    ttft_ms: int | None
    status: str
    cost_usd: Decimal | None  # as provided by the caller; computed cost is added at ingest
    price_version: str | None
    prompt_hash: str | None
    prefix_hash: str | None
    max_tokens: int | None
    interactive: bool
    batch: bool
    metadata: Mapping[str, str]
    finish_reason: str | None = None
    # (hash, tokens, at) per position, tokens strictly increasing; () when the caller sent none.
    prefix_chain: tuple[tuple[str, int, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        # Every field but these three is a str, int, bool or None: taken as it is, not
        # through dataclasses.asdict, whose deep copy cost ~30 us per event at intake.
        out = {name: getattr(self, name) for name in EVENT_FIELDS}
        out["timestamp"] = self.timestamp.isoformat()
        out["cost_usd"] = None if self.cost_usd is None else str(self.cost_usd)
        out["metadata"] = dict(self.metadata)
        out["prefix_chain"] = _chain_json(self.prefix_chain)
        return out

    def json_values(self) -> list[Any]:
        """`to_json`'s values in the order of EVENT_FIELDS, an absent one as None (a user id
        of "" too): the positional row of a queued batch, built without the dict."""
        return [
            self.event_id,
            self.timestamp.isoformat(),
            self.org_id,
            self.user_id or None,
            self.feature,
            self.provider,
            self.model,
            self.input_tokens,
            self.output_tokens,
            self.cached_input_tokens,
            self.cache_write_tokens,
            self.reasoning_tokens,
            self.latency_ms,
            self.ttft_ms,
            self.status,
            None if self.cost_usd is None else str(self.cost_usd),
            self.price_version,
            self.prompt_hash,
            self.prefix_hash,
            self.max_tokens,
            self.interactive,
            self.batch,
            dict(self.metadata) if self.metadata else None,
            self.finish_reason,
            _chain_json(self.prefix_chain),
        ]


def _chain_json(chain: tuple[tuple[str, int, str], ...]) -> list[dict] | None:
    return [{"hash": h, "tokens": n, "at": at} for h, n, at in chain] if chain else None


EVENT_FIELDS = tuple(field.name for field in dataclasses.fields(UsageEvent))


def finish_reason_of(value: Any) -> str | None:
    """The usage event's finish reason for a provider's (OTLP's, an export's); None for one
    not known, which is left out rather than refusing the call it came with."""
    return PROVIDER_FINISH_REASONS.get(value.strip().lower()) if isinstance(value, str) else None


def parse_batch(rows: Any, org_id: str, now: dt.datetime | None = None) -> tuple[list[UsageEvent], list[dict]]:
    """(accepted events, rejected [{index, error}]) for a list of rows."""
    if not isinstance(rows, list):
        raise InvalidRow("the body must be a usage event, a JSON array of them, or NDJSON (one per line)")
    now = now or dt.datetime.now(dt.timezone.utc)
    accepted, rejected, moments = [], [], {}
    for index, row in enumerate(rows):
        try:
            if isinstance(row, InvalidRow):
                raise row
            accepted.append(parse_row(row, org_id, now, moments=moments))
        except InvalidRow as exc:
            rejected.append({"index": index, "error": str(exc)})
    return accepted, rejected


def parse_row(
    row: Any,
    org_id: str,
    now: dt.datetime,
    check_window: bool = True,
    *,
    moments: dict[str, dt.datetime] | None = None,
) -> UsageEvent:
    """One validated event; `check_window=False` when re-reading an event accepted earlier.
    `moments`: the timestamp strings of a batch read so far, kept by its caller (as
    `parse_batch` does), so that a time the batch repeats is read once.

    The checks run in a fixed order (the first failing one is the row's reason), and the
    common case of each is the first thing tried: this runs twice per event on the ingest
    path (at intake and in the consumer), so it is kept to a few microseconds.
    """
    if type(row) is not dict and not isinstance(row, Mapping):  # JSON's dict skips the ABC's slower check
        raise InvalidRow("a usage event must be a JSON object")
    if not _KNOWN.issuperset(row):
        raise InvalidRow(f"unknown field(s): {', '.join(sorted(set(row) - _KNOWN))}")
    get = row.get
    if get("org_id") not in (None, org_id):
        raise InvalidRow("org_id does not match the caller's organization")
    event_id = _text(row, "event_id", True, None, _is_id)
    provider = _text(row, "provider", True).lower()
    if provider not in _PROVIDER_SET:
        raise InvalidRow(f"provider must be one of {', '.join(PROVIDERS)}, got {provider!r}")
    # Optional fields are validated when present: most rows leave most of them out.
    status = _text(row, "status") if get("status") is not None else "success"
    if status not in _STATUS_SET:
        raise InvalidRow(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    input_tokens, output_tokens = _count(row, "input_tokens", True), _count(row, "output_tokens", True)
    cached_input_tokens = _count(row, "cached_input_tokens")
    cache_write_tokens = _count(row, "cache_write_tokens")
    reasoning_tokens = _count(row, "reasoning_tokens")
    if cached_input_tokens + cache_write_tokens > input_tokens:
        raise InvalidRow("cached_input_tokens + cache_write_tokens cannot exceed input_tokens (they are part of it)")
    if reasoning_tokens > output_tokens:
        raise InvalidRow("reasoning_tokens cannot exceed output_tokens (they are part of it)")
    latency_ms = _count(row, "latency_ms")
    ttft_ms = _count(row, "ttft_ms") if get("ttft_ms") is not None else None
    if ttft_ms is not None and latency_ms and ttft_ms > latency_ms:
        raise InvalidRow("ttft_ms cannot exceed latency_ms")
    max_tokens = _count(row, "max_tokens") if get("max_tokens") is not None else None
    finish_reason = get("finish_reason")
    if finish_reason is not None and finish_reason not in FINISH_REASONS:
        raise InvalidRow(f"finish_reason must be one of {', '.join(FINISH_REASONS)}, got {finish_reason!r}")
    timestamp = _timestamp(get("timestamp"), now, check_window, moments)
    user_id = _text(row, "user_id", False, "") or ""
    feature = _text(row, "feature", False, "default") or "default"
    model = _text(row, "model", True)
    cost = get("cost_usd")
    cost_usd = _money(cost) if cost is not None else None
    price_version = _text(row, "price_version") if get("price_version") is not None else None
    prompt_hash = _text(row, "prompt_hash", allowed=_is_hash) if get("prompt_hash") is not None else None
    prefix_hash = _text(row, "prefix_hash", allowed=_is_hash) if get("prefix_hash") is not None else None
    interactive = _flag(row, "interactive", True) if "interactive" in row else True
    batch = _flag(row, "batch", False) if "batch" in row else False
    metadata = get("metadata")
    metadata = _metadata(metadata) if metadata is not None else {}
    chain = get("prefix_chain")
    chain = _chain(chain, input_tokens) if chain is not None else ()
    # Positionally, each variable named as its field, in the fields' order: matching 24
    # keyword arguments costs ~1 us per event, a quarter of the whole (test_usage_rows
    # checks every value lands in its field).
    return UsageEvent(
        event_id,
        timestamp,
        org_id,
        user_id,
        feature,
        provider,
        model,
        input_tokens,
        output_tokens,
        cached_input_tokens,
        cache_write_tokens,
        reasoning_tokens,
        latency_ms,
        ttft_ms,
        status,
        cost_usd,
        price_version,
        prompt_hash,
        prefix_hash,
        max_tokens,
        interactive,
        batch,
        metadata,
        finish_reason,
        chain,
    )


_PROVIDER_SET, _STATUS_SET = frozenset(PROVIDERS), frozenset(STATUSES)
_LIMITS = {field: limit for field, (_, limit) in COLUMNS.items()}


def _text(row, field, required=False, default=None, allowed=None) -> str | None:
    value = row.get(field)
    if value is None:
        if required:
            raise InvalidRow(f"{field} is required")
        return default
    if not isinstance(value, str) or len(value) > MAX_TEXT or not (stripped := value.strip()):
        raise InvalidRow(f"{field} must be a non-empty string of at most {MAX_TEXT} characters")
    if allowed and not allowed(value):
        raise InvalidRow(f"{field} has characters or a length it may not have")
    # ASCII always has a UTF-8 form: only other text is checked, most text is ASCII.
    return stripped if stripped.isascii() else _storable(stripped, field)


def _is_id(value: str) -> bool:
    """Whether `_ID` matches, the common case first: printable ASCII without a space is
    exactly its range, and str methods check that several times faster than the regex
    (which decides the rest: `$` also takes a final newline)."""
    return (0 < len(value) <= 128 and value.isascii() and value.isprintable() and " " not in value) or bool(
        _ID.match(value)
    )


def _is_hash(value: str) -> bool:
    """Whether `_HASH` matches, the common case (ASCII letters and digits, as hex and
    base64 mostly are) first, as `_is_id`."""
    return (0 < len(value) <= 128 and value.isascii() and value.isalnum()) or bool(_HASH.match(value))


def _storable(value: str, field: str) -> str:
    """Text the warehouse stores as UTF-8: a lone UTF-16 surrogate (which JSON can carry
    as "\\ud800") has no UTF-8 form, so the row is refused rather than its batch failing."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRow(f"{field} contains a lone UTF-16 surrogate, which cannot be stored as text") from None
    return value


def _count(row, field, required=False) -> int:
    value = row.get(field)
    if type(value) is int and 0 <= value <= _LIMITS[field]:  # the common case (not a bool: its type is bool)
        return value
    if value is None:
        if required:
            raise InvalidRow(f"{field} is required")
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRow(f"{field} must be a non-negative integer, got {value!r}")
    column, limit = COLUMNS[field]
    if value > limit:
        raise InvalidRow(f"{field} must be at most {limit} (stored as {column}), got {value!r}")
    return value


def _flag(row, field, default: bool) -> bool:
    value = row.get(field, default)
    if not isinstance(value, bool):
        raise InvalidRow(f"{field} must be true or false")
    return value


def _money(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidRow("cost_usd must be a number or a decimal string")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidRow(f"cost_usd is not a number: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidRow("cost_usd must be a finite, non-negative amount")
    if amount > MAX_COST_USD:
        raise InvalidRow(f"cost_usd must be at most {MAX_COST_USD} (stored as {COST_COLUMN})")
    # Stored with 9 decimals: a finer amount is rounded here, not by the warehouse.
    stored = amount.quantize(COST_SCALE, rounding=ROUND_HALF_EVEN)
    return amount if stored == amount else stored


def _timestamp(value, now: dt.datetime, check_window: bool, moments: dict[str, dt.datetime] | None) -> dt.datetime:
    # A batch's rows often share a time (a report per hour, an import's rounded times):
    # each string is read once per batch. Only what is read is kept, so a refused one
    # is refused in every row that has it.
    if moments is not None and type(value) is str:
        moment = moments.get(value)
        if moment is None:
            moment = moments[value] = _moment(value)
    else:
        moment = _moment(value)
    if not check_window:
        return moment
    if moment > now + MAX_FUTURE:
        raise InvalidRow("timestamp is in the future (beyond the allowed clock skew)")
    if moment < now - MAX_AGE:
        raise InvalidRow("timestamp is older than the retention window")
    return moment


def _moment(value) -> dt.datetime:
    """The UTC moment of a timestamp as sent, one the warehouse can hold."""
    if value is None:
        raise InvalidRow("timestamp is required")
    if isinstance(value, bool):
        raise InvalidRow("timestamp must be ISO 8601 or epoch seconds")
    try:
        if isinstance(value, (int, float)):
            moment = dt.datetime.fromtimestamp(value, dt.timezone.utc)
        elif isinstance(value, str):
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            raise ValueError
    except (ValueError, OverflowError, OSError):
        raise InvalidRow(f"timestamp must be ISO 8601 or epoch seconds, got {value!r}") from None
    if moment.tzinfo is None:
        raise InvalidRow("timestamp needs a time zone (e.g. 2026-11-25T10:00:00Z)")
    moment = moment.astimezone(dt.timezone.utc)
    if not STORABLE_TIMES[0] <= moment < STORABLE_TIMES[1]:
        raise InvalidRow("timestamp must be between the years 1900 and 2299")
    return moment


def _chain(value, input_tokens: int) -> tuple[tuple[str, int, str], ...]:
    """A prefix chain as sent: [{"hash", "tokens", "at"?}], each hash that of the prompt's first
    `tokens` tokens, `tokens` strictly increasing up to `input_tokens`; `at` defaults to "turn"."""
    if not isinstance(value, list) or len(value) > MAX_CHAIN:
        raise InvalidRow(f"prefix_chain must be a list of at most {MAX_CHAIN} positions")
    chain, last = [], 0
    for i, position in enumerate(value):
        if not isinstance(position, Mapping) or not {"hash", "tokens"} <= set(position) <= {"hash", "tokens", "at"}:
            raise InvalidRow(f'prefix_chain[{i}] must be {{"hash", "tokens", "at"?}}')
        digest, tokens, at = position["hash"], position["tokens"], position.get("at", "turn")
        if not isinstance(digest, str) or not _is_hash(digest):
            raise InvalidRow(f"prefix_chain[{i}].hash must be 1-128 letters, digits or _:+/=-")
        if (
            isinstance(tokens, bool)
            or not isinstance(tokens, int)
            or not last < tokens <= min(input_tokens, UINT32_MAX)
        ):
            raise InvalidRow(
                f"prefix_chain[{i}].tokens must be an integer above the previous position's and at most "
                f"input_tokens ({min(input_tokens, UINT32_MAX)}), got {tokens!r}"
            )
        if at not in CHAIN_POSITIONS:
            raise InvalidRow(f"prefix_chain[{i}].at must be one of {', '.join(CHAIN_POSITIONS)}, got {at!r}")
        chain.append((digest, tokens, at))
        last = tokens
    return tuple(chain)


def _metadata(value) -> dict[str, str]:
    if type(value) is dict and not value:  # as most events send it, when they send it
        return {}
    if not isinstance(value, Mapping) or len(value) > MAX_METADATA_ENTRIES:
        raise InvalidRow(f"metadata must be an object of at most {MAX_METADATA_ENTRIES} string values")
    if not all(
        isinstance(k, str) and isinstance(v, str) and len(k) <= MAX_METADATA_KEY and len(v) <= MAX_METADATA_VALUE
        for k, v in value.items()
    ):
        raise InvalidRow(
            f"metadata keys and values must be strings (keys ≤ {MAX_METADATA_KEY}, "
            f"values ≤ {MAX_METADATA_VALUE} characters)"
        )
    return {_storable(k, "metadata"): _storable(v, f"metadata[{k!r}]") for k, v in value.items()}
