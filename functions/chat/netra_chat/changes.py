"""A change an org makes on Netra's advice, as a durable object with a lifecycle, free of I/O:
what a new change must say, and which status may follow which (ADR 0018, issue 24).

The document keeps what the realised-savings read (analytics, GET /api/usage/realised) needs:
the lever, the scope (feature, model, provider), the recommendation's `change` (from_model and
to_model for a model change) and when it was applied.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from decimal import Decimal

from shared_lib.errors import Conflict, Invalid

# The optimizer's levers (netra_agents.optimizer.LEVERS); a test keeps the two equal.
LEVERS = (
    "model_rightsizing",
    "response_caching",
    "prompt_caching",
    "batching",
    "output_caps",
    "error_waste",
    "reasoning_effort",
)
CREATED_AS = ("proposed", "accepted")
# The one table of the lifecycle. rolled_back -> applied is a re-apply; verified and rejected end it.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("accepted", "rejected"),
    "accepted": ("applied", "rejected"),
    "applied": ("verified", "rolled_back"),
    "rolled_back": ("applied",),
    "verified": (),
    "rejected": (),
}
STATUSES = tuple(TRANSITIONS)
# A clock a few minutes fast, or a form filled in just now, is not "the future".
FUTURE_SLACK = dt.timedelta(minutes=5)

MAX_TITLE = 200
MAX_NAME = 200  # a feature, model or provider name
MAX_NOTE = 1000
MAX_CHANGE_KEYS = 50
MAX_CHANGE_TEXT = 1000
_CHANGE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_INT64 = 2**63
# USD, exact, to the micro-dollar (as analytics prices): "412.50", "0.000125".
_USD = re.compile(r"^\d{1,12}(\.\d{1,6})?$")
_RECOMMENDATION_ID = re.compile(r"^[\x21-\x7e]{1,128}$")


@dataclasses.dataclass(frozen=True)
class NewChange:
    lever: str
    title: str
    scope: dict
    change: dict
    status: str
    recommendation_id: str | None
    projected_saving_usd: str | None
    share_of_traffic: float | None

    def fingerprint(self) -> dict:
        """What an Idempotency-Key replay must repeat to be the same request."""
        return dataclasses.asdict(self)


def new_change(body: dict) -> NewChange:
    """A create body (fields and their JSON types already checked at the edge) made a change, or Invalid."""
    lever = body.get("lever")
    if lever not in LEVERS:
        raise Invalid("invalid_lever", f"lever must be one of {', '.join(LEVERS)}")
    status = body.get("status") or "proposed"
    if status not in CREATED_AS:
        raise Invalid("invalid_status", "a change is created proposed or accepted; later statuses come by PATCH")
    change = _change(body.get("change") or {})
    if lever == "model_rightsizing" and not all(isinstance(change.get(k), str) for k in ("from_model", "to_model")):
        raise Invalid(
            "invalid_change", "a model_rightsizing change names change.from_model and change.to_model (strings)"
        )
    return NewChange(
        lever=lever,
        title=_text(body.get("title"), "title", MAX_TITLE),
        scope=_scope(body.get("scope")),
        change=change,
        status=status,
        recommendation_id=_recommendation_id(body.get("recommendation_id")),
        projected_saving_usd=_usd(body.get("projected_saving_usd")),
        share_of_traffic=_share(body.get("share_of_traffic")),
    )


@dataclasses.dataclass(frozen=True)
class Transition:
    status: str
    at: dt.datetime
    by: str
    note: str | None
    applied_at: dt.datetime | None  # set when the change moves to applied


def transition(current: str, status, applied_at, note, by: str, now: dt.datetime) -> Transition:
    """The move from `current` to `status` as the PATCH asked it, or Invalid (malformed) / Conflict (refused)."""
    if status not in STATUSES:
        raise Invalid("invalid_status", f"status must be one of {', '.join(STATUSES)}")
    if status not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(TRANSITIONS.get(current, ())) or "nothing (it is final)"
        raise Conflict("invalid_transition", f"a change that is {current} may become {allowed}, not {status}")
    if applied_at is not None and status != "applied":
        raise Invalid("invalid_field", "applied_at is given only when the change becomes applied")
    when = (_instant(applied_at, now) if applied_at is not None else now) if status == "applied" else None
    return Transition(status, now, by, _note(note), when)


def _instant(value: str, now: dt.datetime) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("no offset")
        instant = parsed.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        raise Invalid(
            "invalid_applied_at", "applied_at must be an ISO 8601 instant with an offset, e.g. 2026-11-20T09:00:00Z"
        ) from None
    if instant > now + FUTURE_SLACK:
        raise Invalid(
            "invalid_applied_at", "applied_at must not be in the future (it records when the change was made)"
        )
    return instant


def _text(value, field: str, limit: int) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        raise Invalid("invalid_field", f"field {field!r} must be a non-blank string")
    if len(text) > limit:
        raise Invalid("invalid_field", f"field {field!r} exceeds {limit} characters")
    return text


def _scope(value) -> dict:
    if not isinstance(value, dict):
        raise Invalid("invalid_scope", "scope must be an object {feature, model?, provider?}")
    unknown = sorted(set(value) - {"feature", "model", "provider"})
    if unknown:
        raise Invalid("invalid_scope", f"scope takes feature, model and provider, not {', '.join(unknown)}")
    scope = {"feature": _name(value.get("feature"), "scope.feature")}
    for name in ("model", "provider"):
        if value.get(name) is not None:
            scope[name] = _name(value[name], f"scope.{name}")
    return scope


def _name(value, field: str) -> str:
    """A name as the usage events carry it, kept exactly: the realised read matches it to their calls."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid("invalid_field", f"field {field!r} must be a non-blank string")
    if len(value) > MAX_NAME:
        raise Invalid("invalid_field", f"field {field!r} exceeds {MAX_NAME} characters")
    return value


def _change(value) -> dict:
    """The recommendation's `change`: named settings with scalar values (or lists of them), as the
    optimizer writes it — bounded, so it stores as a Firestore map as given."""
    if not isinstance(value, dict):
        raise Invalid("invalid_change", "change must be an object")
    if len(value) > MAX_CHANGE_KEYS:
        raise Invalid("invalid_change", f"change has more than {MAX_CHANGE_KEYS} fields")
    for key, item in value.items():
        if not _CHANGE_KEY.match(key):
            raise Invalid("invalid_change", f"change field names are identifiers of at most 64 characters, not {key!r}")
        items = item if isinstance(item, list) else [item]
        if len(items) > MAX_CHANGE_KEYS or not all(_scalar(i) for i in items):
            raise Invalid(
                "invalid_change",
                f"change.{key} must be a string (at most {MAX_CHANGE_TEXT} characters), a 64-bit integer, "
                "a finite number, a boolean, null, or a list of at most 50 of them",
            )
    return dict(value)


def _scalar(value) -> bool:
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= MAX_CHANGE_TEXT


def _usd(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _USD.match(value):
        raise Invalid(
            "invalid_projected_saving",
            'projected_saving_usd must be a decimal string in USD such as "412.50" (not negative, at most 6 places)',
        )
    return str(Decimal(value))


def _share(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise Invalid("invalid_share_of_traffic", "share_of_traffic must be a number from 0 to 1")
    return float(value)


def _recommendation_id(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _RECOMMENDATION_ID.match(value):
        raise Invalid("invalid_field", "recommendation_id must be 1-128 printable ASCII characters")
    return value


def _note(value) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split()) if isinstance(value, str) else None
    if text is None or len(text) > MAX_NOTE:
        raise Invalid("invalid_field", f"note must be a string of at most {MAX_NOTE} characters")
    return text or None
