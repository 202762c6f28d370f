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
        # Integers are converted by the parser itself (Python refuses more than 4,300
        # digits, so no conversion runs long) and held to the limit in one walk with the
        # depth: a hook called for every integer cost more than the walk.
        value = json.loads(raw, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise JsonRefused(f"nested deeper than {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise JsonRefused(str(exc)) from None
    except JsonRefused:
        raise
    except ValueError as exc:  # an integer past Python's own digit limit
        raise JsonRefused(f"a number longer than {MAX_NUMBER_CHARS} characters") from exc
    problem = _beyond_limits(value, max_depth)
    if problem:
        raise JsonRefused(problem)
    return value


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonRefused(f"a number longer than {MAX_NUMBER_CHARS} characters")
    return float(text)


def _constant(name: str):
    raise JsonRefused(f"{name} is not JSON")


# An integer written in at most MAX_NUMBER_CHARS characters, a minus sign included.
_INT_ABOVE, _INT_BELOW = 10**MAX_NUMBER_CHARS, -(10 ** (MAX_NUMBER_CHARS - 1))


def _beyond_limits(value: Any, limit: int) -> str | None:
    """Nesting deeper than `limit`, or an integer longer than MAX_NUMBER_CHARS; walks
    iteratively: the check itself must not recurse."""
    pending = [([value], 0)]  # the value as the child of a level 0, so a scalar is checked too
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            return f"nested deeper than {limit} levels"
        for child in item.values() if type(item) is dict else item:
            kind = type(child)
            if kind is dict or kind is list:
                pending.append((child, depth + 1))
            elif kind is int and not _INT_BELOW < child < _INT_ABOVE:
                return f"a number longer than {MAX_NUMBER_CHARS} characters"
    return None
