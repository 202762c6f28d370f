"""JSON from strangers: bounded nesting and number size, so a hostile body is a clear
error instead of a RecursionError or a minutes-long integer conversion.

Every component that parses JSON it did not write (HTTP bodies, WebSocket frames, export
files) goes through `loads`; `JsonRefused` is a `ValueError`, so callers that already turn
`ValueError` into a 400 need nothing more.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40  # far beyond any count, token total or amount we store


class JsonRefused(ValueError):
    """Not JSON, or JSON beyond the limits."""


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonRefused(f"not UTF-8: {exc}") from None
    try:
        value = json.loads(raw, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise JsonRefused(f"nested deeper than {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise JsonRefused(str(exc)) from None
    if _depth_over(value, max_depth):
        raise JsonRefused(f"nested deeper than {max_depth} levels")
    return value


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonRefused(f"a number longer than {MAX_NUMBER_CHARS} characters")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonRefused(f"a number longer than {MAX_NUMBER_CHARS} characters")
    return float(text)


def _constant(name: str):
    raise JsonRefused(f"{name} is not JSON")


def _depth_over(value: Any, limit: int) -> bool:
    """Walks iteratively: the check itself must not recurse."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        # Only containers can nest: scalars (most of a usage body) are not queued.
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
