"""The usage warehouse: versioned migrations, inserts priced at ingest, org-scoped summaries.

Every read takes the org id and filters on it first; there is no query without one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from shared_lib.pricing import PRICED, CallUsage, canonical_model, price
from shared_lib.usage import UsageEvent

MIGRATIONS = Path(__file__).with_name("migrations")
# Metadata key of a model name as the call sent it, when stored under the catalog's name.
MODEL_AS_SENT = "model_as_sent"
GROUPS = {"model": "model", "provider": "provider", "feature": "feature", "user": "user_id", "day": "toString(toDate(timestamp))"}
SERIES_INTERVALS = ("day", "hour")
SERIES_GROUPS = ("model", "provider", "feature")
# Filters a read may take: dimension -> column (several names of one dimension match any).
FILTERS = {"feature": "feature", "model": "model", "provider": "provider", "user": "user_id"}
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
COLUMNS = [
    "event_id", "org_id", "timestamp", "user_id", "feature", "provider", "model", "input_tokens", "output_tokens",
    "cached_input_tokens", "cache_write_tokens", "reasoning_tokens", "latency_ms", "ttft_ms", "status",
    "provided_cost_usd", "computed_cost_usd", "cost_usd", "cost_status", "price_version", "prompt_hash", "prefix_hash",
    "max_tokens", "finish_reason", "interactive", "batch", "metadata", "ingested_at", "accepted_at",
]


def migrate(client, wait_seconds: float = 120.0) -> list[int]:
    """Apply pending migrations in order; returns the versions applied now.

    Several instances start at once in GCP (the API and the consumer, each scaled out):
    each migration is claimed first by creating its claim table, which only one of them
    can do; the others wait until it is recorded as applied. A claim without its version
    recorded after `wait_seconds` (an instance died mid-migration) stops start-up with
    its name, for a person to look at.
    """
    client.command("CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, applied_at DateTime DEFAULT now()) "
                   "ENGINE = MergeTree ORDER BY version")
    done = []
    for path in sorted(MIGRATIONS.iterdir()):
        found = _NAME.match(path.name)
        if not found or int(found.group(1)) in _applied(client):
            continue
        version = int(found.group(1))
        if not _claim(client, version):
            _wait_applied(client, version, wait_seconds)
            continue
        if version in _applied(client):  # applied between our first look and the claim
            continue
        for statement in _statements(path.read_text()):
            client.command(statement)
        client.insert("schema_migrations", [[version]], column_names=["version"])
        done.append(version)
    return done


def _applied(client) -> set[int]:
    return {row[0] for row in client.query("SELECT version FROM schema_migrations").result_rows}


def _claim(client, version: int) -> bool:
    from clickhouse_connect.driver.exceptions import DatabaseError

    try:
        client.command(f"CREATE TABLE schema_migration_claim_{version:04d} (at DateTime DEFAULT now()) "
                       "ENGINE = MergeTree ORDER BY tuple()")
    except DatabaseError as exc:
        if "TABLE_ALREADY_EXISTS" in str(exc) or getattr(exc, "code", None) == 57:
            return False
        raise
    return True


def _wait_applied(client, version: int, wait_seconds: float) -> None:
    import time

    deadline = time.monotonic() + wait_seconds
    while version not in _applied(client):
        if time.monotonic() > deadline:
            raise RuntimeError(f"warehouse migration {version} was claimed (schema_migration_claim_{version:04d}) "
                               f"but not recorded as applied within {wait_seconds:.0f} s")
        time.sleep(0.5)


def _statements(sql: str) -> list[str]:
    """The statements of a migration file: separated by a ';' that ends a line."""
    parts = re.split(r";[ \t]*$", sql, flags=re.MULTILINE)
    code = (re.sub(r"--[^\n]*", "", part).strip() for part in parts)
    return [part.strip() for part, text in zip(parts, code) if text]


def priced_row(event: UsageEvent, now: dt.datetime, aliases: Mapping[str, str] | None = None) -> list:
    """The warehouse row of an event: the provided cost and the catalog's, side by side."""
    # Stored under the catalog's name of its model (one group for gpt-4o-mini and
    # gpt-4o-mini-2024-07-18, and for an org's own name of it: `aliases`), the name as
    # sent kept in metadata.
    named = (aliases or {}).get(event.model, event.model)
    model, metadata = canonical_model(event.provider, named), dict(event.metadata)
    if model != event.model:
        metadata.setdefault(MODEL_AS_SENT, event.model)
    catalog = price(CallUsage(event.provider, model, event.input_tokens, event.output_tokens,
                              event.cached_input_tokens, event.cache_write_tokens, event.reasoning_tokens, event.batch))
    computed = catalog.cost_usd if catalog.status == PRICED else None
    if event.cost_usd is not None:
        cost, status, version = event.cost_usd, "provided", event.price_version or catalog.price_version
    else:
        cost, status, version = computed, catalog.status, catalog.price_version
    return [
        event.event_id, event.org_id, event.timestamp, event.user_id, event.feature, event.provider, model,
        event.input_tokens, event.output_tokens, event.cached_input_tokens, event.cache_write_tokens, event.reasoning_tokens,
        event.latency_ms, event.ttft_ms, event.status, event.cost_usd, computed, cost, status, version,
        event.prompt_hash or "", event.prefix_hash or "", event.max_tokens, event.finish_reason, event.interactive, event.batch,
        metadata, now,
    ]


def insert(client, events: list[UsageEvent], accepted_at: dt.datetime | None = None,
           now: dt.datetime | None = None, aliases: Mapping[str, Mapping[str, str]] | None = None) -> Stored:
    """Store events: an append, no read before it, so concurrent consumers cannot race.

    The table keeps one row per (org_id, event_id), the latest `accepted_at` (when intake
    accepted the request; a redelivery carries its original one, so it never undoes a
    later re-send), and reads use FINAL: duplicates and replacements collapse whatever the
    order or concurrency of inserts. One insert is one part, so a batch is stored whole or
    not at all; when the warehouse refuses it, the rows it refuses alone are set aside.
    `aliases`: each org's own model names (org id -> name as sent -> catalog model).
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    accepted_at = accepted_at or now
    latest = {}
    for event in events:  # within a batch the later row of an event id wins, as across batches
        latest[(event.org_id, event.event_id)] = event
    rows = [(e, priced_row(e, now, (aliases or {}).get(e.org_id)) + [accepted_at]) for e in latest.values()]
    if not rows:
        return Stored(0, [])
    try:
        _write(client, [row for _, row in rows])
        return Stored(len(rows), [])
    except Exception as exc:
        if _unavailable(exc) or len(rows) == 1:
            raise  # the warehouse, not a row: retried as a whole
        middle = len(rows) // 2
        (stored, refused), (more, also) = _isolate(client, rows[:middle]), _isolate(client, rows[middle:])
        stored, refused = stored + more, refused + also
        if not stored:
            raise  # nothing went in: more likely the warehouse than every row
        return Stored(stored, refused)


@dataclasses.dataclass(frozen=True)
class Stored:
    rows: int
    refused: list[dict]  # [{"event_id", "error"}]: rows the warehouse would not take alone


def _write(client, rows: list[list]) -> None:
    client.insert("usage_events", rows, column_names=COLUMNS)


def _isolate(client, rows: list[tuple[UsageEvent, list]]) -> tuple[int, list[dict]]:
    """Halve until each refused row stands alone: k bad rows cost about k * log2(n) inserts."""
    try:
        _write(client, [row for _, row in rows])
        return len(rows), []
    except Exception as exc:
        if _unavailable(exc):
            raise
        if len(rows) == 1:
            return 0, [{"event_id": rows[0][0].event_id, "error": f"{type(exc).__name__}: {exc}"[:500]}]
    middle = len(rows) // 2
    first, second = _isolate(client, rows[:middle]), _isolate(client, rows[middle:])
    return first[0] + second[0], first[1] + second[1]


def _unavailable(exc: Exception) -> bool:
    """The warehouse could not be reached: no row is to blame."""
    from clickhouse_connect.driver.exceptions import OperationalError

    return isinstance(exc, (OperationalError, ConnectionError, TimeoutError))


def _filtered(filters: dict[str, list[str]] | None, parameters: dict) -> str:
    """` AND column IN {...}` per filtered dimension, the names passed as parameters."""
    clause = ""
    for dimension, names in sorted((filters or {}).items()):
        if dimension not in FILTERS:
            raise ValueError(f"filters are on {', '.join(FILTERS)}")
        if names:
            parameters[f"only_{dimension}"] = list(names)
            clause += f" AND {FILTERS[dimension]} IN {{only_{dimension}:Array(String)}}"
    return clause


def stored_event_ids(client, org_id: str, event_ids: list[str], chunk: int = 2000) -> set[str]:
    """Which of these event ids the org already has: the table is ordered by (org_id,
    event_id), so this reads only the index granules that can hold them."""
    found = set()
    for i in range(0, len(event_ids), chunk):
        found.update(row[0] for row in client.query(
            "SELECT DISTINCT event_id FROM usage_events WHERE org_id = {org:String} AND event_id IN {ids:Array(String)}",
            parameters={"org": org_id, "ids": event_ids[i:i + chunk]}).result_rows)
    return found


def summary(client, org_id: str, start: dt.datetime, end: dt.datetime, group_by: str,
            filters: dict[str, list[str]] | None = None) -> dict:
    """Calls, tokens, cost, latency percentiles and error rate per group and in total, of the
    calls matching `filters` (dimension -> names; any name of a dimension matches).

    Percentiles are exact, nearest-rank: the latency at position floor(p * n) of the sorted
    values (ClickHouse's quantileExact, which chDB's lite build and every server have).
    Missing is not zero: a call sent without a latency (stored as 0: no call takes 0 ms) or
    a TTFT (NULL) is left out, and a group with none has no percentile (None).
    """
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}")
    # Aliases end in "_" so that they never shadow the columns inside another aggregate.
    measures = """
        count() AS calls,
        sum(input_tokens) AS input_tokens_,
        sum(output_tokens) AS output_tokens_,
        sum(cached_input_tokens) AS cached_input_tokens_,
        sum(cost_usd) AS cost_usd_,
        quantileExact(0.5)(nullIf(latency_ms, 0)) AS p50_latency_ms,
        quantileExact(0.95)(nullIf(latency_ms, 0)) AS p95_latency_ms,
        quantileExact(0.99)(nullIf(latency_ms, 0)) AS p99_latency_ms,
        quantileExact(0.5)(ttft_ms) AS p50_ttft_ms,
        quantileExact(0.95)(ttft_ms) AS p95_ttft_ms,
        countIf(status != 'success') / count() AS error_rate,
        countIf(cost_status = 'unpriced') AS unpriced_calls,
        sumIf(input_tokens + output_tokens, cost_status = 'unpriced') AS unpriced_tokens
    """
    parameters = {"org": org_id, "start": start, "end": end}
    where = ("org_id = {org:String} AND timestamp >= {start:DateTime64(3)} AND timestamp < {end:DateTime64(3)}"
             + _filtered(filters, parameters))
    # Groups and total in one query, so both read the same rows: as two queries, a batch
    # stored between them gave totals with calls and no group holding them.
    rows = list(client.query(
        f"SELECT {GROUPS[group_by]} AS key, grouping(key) AS is_total, {measures} FROM usage_events FINAL WHERE {where} "
        "GROUP BY GROUPING SETS ((key), ()) ORDER BY is_total, cost_usd_ DESC, key",
        parameters=parameters,
    ).named_results())
    groups = [row for row in rows if not row["is_total"]]
    totals = next(row for row in rows if row["is_total"])  # present even when no call matches
    total = _shape(totals)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        # A group's unpriced calls are counted in it too: its cost is never a silent $0.
        "groups": [{**_shape(row), "unpriced_calls": int(row["unpriced_calls"] or 0)} for row in groups],
        "totals": {k: v for k, v in total.items() if k != "key"},
        "unpriced": {"calls": int(totals["unpriced_calls"] or 0), "tokens": int(totals["unpriced_tokens"] or 0)},
    }


def repeated_prompts(client, org_id: str, start: dt.datetime, end: dt.datetime, limit: int = 50) -> dict:
    """Prompts sent more than once (same `prompt_hash`) and shared prompt prefixes.

    `repeat_cost_usd` is what the calls after each prompt's first one cost: the most an
    exact-response cache could have saved. For prefixes, `cached_share` is how much of
    their input the provider already served from its prompt cache.
    """
    where = ("org_id = {org:String} AND timestamp >= {start:DateTime64(3)} AND timestamp < {end:DateTime64(3)} "
             "AND status = 'success'")
    parameters = {"org": org_id, "start": start, "end": end, "limit": limit}
    prompts = client.query(
        f"""SELECT prompt_hash, count() AS calls, sum(cost_usd) AS cost_, argMin(cost_usd, timestamp) AS first_cost_,
                   groupUniqArray(model) AS models, groupUniqArray(feature) AS features
            FROM usage_events FINAL WHERE {where} AND prompt_hash != ''
            GROUP BY prompt_hash HAVING calls > 1 ORDER BY cost_ DESC, prompt_hash LIMIT {{limit:UInt32}}""",
        parameters=parameters,
    ).named_results()
    prefixes = client.query(
        f"""SELECT prefix_hash, count() AS calls, sum(input_tokens) AS input_tokens_, sum(cached_input_tokens) AS cached_,
                   groupUniqArray(model) AS models
            FROM usage_events FINAL WHERE {where} AND prefix_hash != ''
            GROUP BY prefix_hash HAVING calls > 1 ORDER BY input_tokens_ DESC, prefix_hash LIMIT {{limit:UInt32}}""",
        parameters=parameters,
    ).named_results()
    duplicates = [
        {"prompt_hash": r["prompt_hash"], "calls": int(r["calls"]), "repeat_calls": int(r["calls"]) - 1,
         "cost_usd": money(r["cost_"]),
         "repeat_cost_usd": money(Decimal(r["cost_"] or 0) - Decimal(r["first_cost_"] or 0)),
         "models": sorted(r["models"]), "features": sorted(r["features"])}
        for r in prompts
    ]
    return {
        "duplicate_prompts": sorted(duplicates, key=lambda p: (-Decimal(p["repeat_cost_usd"]), p["prompt_hash"])),
        "shared_prefixes": [
            {"prefix_hash": r["prefix_hash"], "calls": int(r["calls"]), "input_tokens": int(r["input_tokens_"]),
             "cached_input_tokens": int(r["cached_"]),
             "cached_share": round(int(r["cached_"]) / int(r["input_tokens_"]), 4) if int(r["input_tokens_"]) else 0.0,
             "models": sorted(r["models"])}
            for r in prefixes
        ],
    }


def timeseries(client, org_id: str, start: dt.datetime, end: dt.datetime, interval: str, group_by: str | None,
               filters: dict[str, list[str]] | None = None) -> dict:
    """Calls, errors, tokens and cost per day (from the daily rollup: whole UTC days that
    overlap the range) or per hour (from the calls themselves, exactly the range), of the
    calls matching `filters`. The rollup has no user: days filtered by user are counted
    from the calls, over the same whole days."""
    if interval not in SERIES_INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(SERIES_INTERVALS)}")
    if group_by is not None and group_by not in SERIES_GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(SERIES_GROUPS)}")
    key = group_by or "''"
    parameters = {"org": org_id, "start": start, "end": end}
    only = _filtered(filters, parameters)
    if interval == "day" and "user" not in (filters or {}):
        sql = f"""SELECT toString(day) AS bucket, {key} AS key, sum(calls) AS calls_, sum(errors) AS errors_,
                         sum(input_tokens) AS input_tokens_, sum(output_tokens) AS output_tokens_, sum(cost_usd) AS cost_
                  FROM usage_daily WHERE org_id = {{org:String}} AND day >= toDate({{start:DateTime64(3)}})
                        AND day <= toDate({{end:DateTime64(3)}} - INTERVAL 1 MILLISECOND){only}
                  GROUP BY bucket, key ORDER BY key, bucket"""
    elif interval == "day":
        sql = f"""SELECT toString(toDate(timestamp)) AS bucket, {key} AS key, count() AS calls_,
                         countIf(status != 'success') AS errors_, sum(input_tokens) AS input_tokens_,
                         sum(output_tokens) AS output_tokens_, sum(coalesce(cost_usd, toDecimal64(0, 9))) AS cost_
                  FROM usage_events FINAL WHERE org_id = {{org:String}} AND toDate(timestamp) >= toDate({{start:DateTime64(3)}})
                        AND toDate(timestamp) <= toDate({{end:DateTime64(3)}} - INTERVAL 1 MILLISECOND){only}
                  GROUP BY bucket, key ORDER BY key, bucket"""
    else:
        sql = f"""SELECT formatDateTime(toStartOfHour(timestamp), '%Y-%m-%dT%H:00:00Z') AS bucket, {key} AS key, count() AS calls_,
                         countIf(status != 'success') AS errors_, sum(input_tokens) AS input_tokens_,
                         sum(output_tokens) AS output_tokens_, sum(cost_usd) AS cost_
                  FROM usage_events FINAL WHERE org_id = {{org:String}} AND timestamp >= {{start:DateTime64(3)}}
                        AND timestamp < {{end:DateTime64(3)}}{only}
                  GROUP BY bucket, key ORDER BY key, bucket"""
    series: dict[str, list] = {}
    for row in client.query(sql, parameters=parameters).named_results():
        series.setdefault(row["key"], []).append({
            "bucket": row["bucket"], "calls": int(row["calls_"]), "errors": int(row["errors_"]),
            "input_tokens": int(row["input_tokens_"]), "output_tokens": int(row["output_tokens_"]),
            "cost_usd": money(row["cost_"]),
        })
    return {"from": start.isoformat(), "to": end.isoformat(), "interval": interval, "group_by": group_by,
            "series": [{"key": key if group_by else None, "points": points} for key, points in series.items()]}


def unpriced(client, org_id: str, start: dt.datetime, end: dt.datetime) -> dict:
    """The calls the catalog could not price, per provider and model: never a silent $0."""
    rows = client.query(
        """SELECT provider, model, count() AS calls, sum(input_tokens) AS input_tokens_, sum(output_tokens) AS output_tokens_,
                  min(timestamp) AS first_seen, max(timestamp) AS last_seen, groupUniqArray(feature) AS features
           FROM usage_events FINAL WHERE org_id = {org:String} AND timestamp >= {start:DateTime64(3)}
                AND timestamp < {end:DateTime64(3)} AND cost_status = 'unpriced'
           GROUP BY provider, model ORDER BY calls DESC, provider, model""",
        parameters={"org": org_id, "start": start, "end": end},
    ).named_results()
    models = [
        {"provider": r["provider"], "model": r["model"], "calls": int(r["calls"]), "input_tokens": int(r["input_tokens_"]),
         "output_tokens": int(r["output_tokens_"]), "first_seen": _iso(r["first_seen"]), "last_seen": _iso(r["last_seen"]),
         "features": sorted(r["features"]),
         "reason": "the price catalog does not know this model; send cost_usd with each call or ask us to add it"}
        for r in rows
    ]
    return {"from": start.isoformat(), "to": end.isoformat(), "calls": sum(m["calls"] for m in models),
            "tokens": sum(m["input_tokens"] + m["output_tokens"] for m in models), "models": models}


def _iso(moment: dt.datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return moment.isoformat().replace("+00:00", "Z")


def _shape(row: dict) -> dict:
    out = {k.rstrip("_"): v for k, v in row.items() if not k.startswith("unpriced_") and k != "is_total"}
    out["cost_usd"] = money(out["cost_usd"])
    out["error_rate"] = float(out["error_rate"]) if out.get("calls") else 0.0
    for field in ("p50_latency_ms", "p95_latency_ms", "p99_latency_ms", "p50_ttft_ms", "p95_ttft_ms"):
        # TTFT is optional per call: NULLs are skipped, and a group without any gives None.
        value = out.get(field)
        out[field] = float(value) if out.get("calls") and value is not None else None
    for field in ("calls", "input_tokens", "output_tokens", "cached_input_tokens"):
        out[field] = int(out[field] or 0)
    return out


def money(value) -> str:
    """Exact decimal string, no float in between ("0.025", "0")."""
    if value is None:
        return "0"
    amount = Decimal(value).normalize()
    return format(amount, "f")
