"""An org's own model names (Azure deployment names, a proxy's aliases) mapped to the
catalog model each call is priced and grouped as.

Stored in the warehouse (one row per org, the latest wins), so every instance of the API
and of the consumer reads the same mapping. The consumer reads it at most once a minute
per org and instance (`for_org`), not per event; a change applies to calls stored after
it: calls already stored keep their model.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Mapping

from shared_lib.pricing import known_model

MAX_NAMES = 200
MAX_NAME_LENGTH = 200
CACHE_SECONDS = 60.0

_cache: dict[str, tuple[float, dict[str, str]]] = {}
_lock = threading.Lock()


class InvalidAliases(ValueError):
    pass


def validated(body) -> dict[str, str]:
    """The mapping of a PUT body `{"aliases": {"<name as sent>": "<catalog model id>"}}`."""
    if not isinstance(body, Mapping) or set(body) != {"aliases"} or not isinstance(body["aliases"], Mapping):
        raise InvalidAliases('send {"aliases": {"<model name as sent>": "<catalog model id>", ...}}')
    aliases = body["aliases"]
    if len(aliases) > MAX_NAMES:
        raise InvalidAliases(f"at most {MAX_NAMES} model names, got {len(aliases)}")
    mapping = {}
    for name, target in aliases.items():
        if not isinstance(target, str):
            raise InvalidAliases(f"the model of {name!r} must be a string")
        name, target = name.strip(), target.strip()
        for text in (name, target):
            if not text or len(text) > MAX_NAME_LENGTH:
                raise InvalidAliases(f"model names are 1 to {MAX_NAME_LENGTH} characters, got {text[:40]!r}")
        if name == target:
            raise InvalidAliases(f"{name!r} is mapped to itself")
        if not known_model(target):
            raise InvalidAliases(f"{target!r} (for {name!r}) is not a model the price catalog knows")
        mapping[name] = target
    return mapping


def stored(client, org_id: str) -> dict[str, str]:
    rows = client.query(
        "SELECT aliases FROM model_aliases FINAL WHERE org_id = {org:String}", parameters={"org": org_id}
    ).result_rows
    return dict(rows[0][0]) if rows else {}


def store(client, org_id: str, aliases: dict[str, str], now: dt.datetime) -> None:
    client.insert("model_aliases", [[org_id, aliases, now]], column_names=["org_id", "aliases", "updated_at"])
    with _lock:
        _cache.pop(org_id, None)  # this instance applies it at once; others within CACHE_SECONDS


def for_org(client, org_id: str) -> dict[str, str]:
    """The org's mapping as ingest applies it, read from the warehouse at most once per
    CACHE_SECONDS on this instance."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(org_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    aliases = stored(client, org_id)
    with _lock:
        _cache[org_id] = (now + CACHE_SECONDS, aliases)
    return aliases
