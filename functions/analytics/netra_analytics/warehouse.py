"""The usage warehouse: inserts priced at ingest, org-scoped summaries (its schema: `schema`).

Every read takes the org id and filters on it first; there is no query without one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
import threading
from collections.abc import Iterable, Mapping
from decimal import Decimal

from clickhouse_connect.driver.exceptions import OperationalError

from shared_lib.pricing import PRICED, UNPRICED, PriceBook, canonical_model
from shared_lib.usage import UsageEvent

from netra_analytics.schema import MIGRATIONS, migrate  # noqa: F401 (callers migrate through the warehouse)

# Metadata key of a model name as the call sent it, when stored under the catalog's name.
MODEL_AS_SENT = "model_as_sent"
GROUPS = {
    "model": "model",
    "provider": "provider",
    "feature": "feature",
    "user": "user_id",
    "day": "toString(toDate(timestamp))",
}
SERIES_INTERVALS = ("day", "hour")
SERIES_GROUPS = ("model", "provider", "feature")
# Filters a read may take: dimension -> column (several names of one dimension match any).
FILTERS = {"feature": "feature", "model": "model", "provider": "provider", "user": "user_id"}
COLUMNS = [
    "event_id",
    "org_id",
    "timestamp",
    "user_id",
    "feature",
    "provider",
    "model",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "latency_ms",
    "ttft_ms",
    "status",
    "provided_cost_usd",
    "computed_cost_usd",
    "cost_usd",
    "cost_status",
    "price_version",
    "prompt_hash",
    "prefix_hash",
    "prefix_chain_hashes",
    "prefix_chain_tokens",
    "prefix_chain_at",
    "max_tokens",
    "finish_reason",
    "interactive",
    "batch",
    "metadata",
    "ingested_at",
    "accepted_at",
]


def priced_row(event: UsageEvent, now: dt.datetime, aliases: Mapping[str, str] | None = None) -> list:
    """The warehouse row of an event: the provided cost and the catalog's, side by side."""
    return priced_rows([event], now, aliases)[0]


def priced_rows(events: Iterable[UsageEvent], now: dt.datetime, aliases: Mapping[str, str] | None = None) -> list[list]:
    """The warehouse rows of a batch of events, each as `priced_row` makes it. A call is
    priced on the prices of its own day (UTC), not the day it is stored: an export of last
    month imported today costs what it cost then (the catalog dates price changes). The
    stored name and the prices of each provider and model are looked up once per batch and
    day, not per event. `aliases`: the org's own model names (name as sent -> model)."""
    books: dict[dt.date, PriceBook] = {}
    names: dict[tuple[str, str], str] = {}
    rows = []
    for event in events:
        model = names.get((event.provider, event.model))
        if model is None:
            model = names[(event.provider, event.model)] = _stored_model(event.provider, event.model, aliases)
        day = event.timestamp.date()  # validated timestamps are UTC
        book = books.get(day)
        if book is None:
            book = books[day] = PriceBook(day.isoformat())
        computed = book.cost(
            event.provider,
            model,
            event.input_tokens,
            event.output_tokens,
            event.cached_input_tokens,
            event.cache_write_tokens,
            event.batch,
        )
        rows.append(_row(event, model, computed, book.version, now))
    return rows


def _stored_model(provider: str, model: str, aliases: Mapping[str, str] | None) -> str:
    # Stored under the catalog's name of its model (one group for gpt-4o-mini and
    # gpt-4o-mini-2024-07-18, and for an org's own name of it: `aliases`), the name as
    # sent kept in metadata.
    return canonical_model(provider, (aliases or {}).get(model, model))


def _row(event: UsageEvent, model: str, computed: Decimal | None, catalog_version: str, now: dt.datetime) -> list:
    """`computed`: the catalog's cost of the event, None when it has no price for it."""
    metadata = dict(event.metadata)
    if model != event.model:
        metadata.setdefault(MODEL_AS_SENT, event.model)
    if event.cost_usd is not None:
        cost, status, version = event.cost_usd, "provided", event.price_version or catalog_version
    else:
        cost, status, version = computed, PRICED if computed is not None else UNPRICED, catalog_version
    return [
        event.event_id,
        event.org_id,
        event.timestamp,
        event.user_id,
        event.feature,
        event.provider,
        model,
        event.input_tokens,
        event.output_tokens,
        event.cached_input_tokens,
        event.cache_write_tokens,
        event.reasoning_tokens,
        event.latency_ms,
        event.ttft_ms,
        event.status,
        event.cost_usd,
        computed,
        cost,
        status,
        version,
        event.prompt_hash or "",
        event.prefix_hash or "",
        [h for h, _, _ in event.prefix_chain],
        [n for _, n, _ in event.prefix_chain],
        [at for _, _, at in event.prefix_chain],
        event.max_tokens,
        event.finish_reason,
        event.interactive,
        event.batch,
        metadata,
        now,
    ]


@dataclasses.dataclass(frozen=True)
class Delivery:
    """Events accepted together (one Pub/Sub message): `accepted_at` is when intake accepted
    them (a redelivery carries its original one, so it never undoes a later re-send)."""

    events: list[UsageEvent]
    accepted_at: dt.datetime


def insert(
    client,
    events: list[UsageEvent],
    accepted_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    aliases: Mapping[str, Mapping[str, str]] | None = None,
    lock=None,
) -> Stored:
    """Store events accepted together: `insert_deliveries` of one delivery."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return insert_deliveries(client, [Delivery(events, accepted_at or now)], now, aliases, lock)[0]


def insert_deliveries(
    client,
    deliveries: list[Delivery],
    now: dt.datetime | None = None,
    aliases: Mapping[str, Mapping[str, str]] | None = None,
    lock=None,
) -> list[Stored]:
    """Store deliveries so that each event id counts once in every view (ADR 0008); one
    `Stored` per delivery.

    Under the org's lock (`lock(org_id)`, a context manager; by default one per process:
    the consumer locally is one process, in GCP a Redis lock is passed) the event ids are
    looked up by key, and only what changes is written: a new event as a +1 row, a re-send
    accepted later than the stored version as the old row cancelled (-1) and the new one
    (+1), an identical or older redelivery not at all. Among the deliveries, the version
    accepted last wins (within one, the later row). The rollups are fed from the same
    insert (materialized views summing by sign). One insert per org is one part, so the
    deliveries are stored whole or not at all; when the warehouse refuses it, the rows it
    refuses alone are set aside, each reported by the delivery that carried it. `aliases`:
    each org's own model names (org id -> name as sent -> model).
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    latest: dict[tuple[str, str], tuple[UsageEvent, dt.datetime, int]] = {}
    for index, delivery in enumerate(deliveries):
        for event in delivery.events:
            key = (event.org_id, event.event_id)
            kept = latest.get(key)
            if kept is None or _instant(kept[1]) <= _instant(delivery.accepted_at):
                latest[key] = (event, delivery.accepted_at, index)
    by_org: dict[str, list[tuple[UsageEvent, dt.datetime]]] = {}
    for event, accepted_at, _ in latest.values():
        by_org.setdefault(event.org_id, []).append((event, accepted_at))
    refused: list[dict] = []
    for org_id, versions in by_org.items():
        with (lock or _process_lock)(org_id):
            refused += _insert_org(client, org_id, versions, now, (aliases or {}).get(org_id))
    # A refused row is reported by the delivery whose version was written; an event id
    # counts once per delivery.
    refused_by: list[list[dict]] = [[] for _ in deliveries]
    for row in refused:
        refused_by[latest[(row["org_id"], row["event_id"])][2]].append(
            {"event_id": row["event_id"], "error": row["error"]}
        )
    return [
        Stored(len({(e.org_id, e.event_id) for e in delivery.events}) - len(own), own)
        for delivery, own in zip(deliveries, refused_by, strict=True)
    ]


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def _process_lock(org_id: str):
    with _LOCKS_GUARD:
        org_lock = _LOCKS.setdefault(org_id, threading.Lock())
    with org_lock:
        yield


def _insert_org(
    client,
    org_id: str,
    versions: list[tuple[UsageEvent, dt.datetime]],
    now: dt.datetime,
    aliases: Mapping[str, str] | None,
) -> list[dict]:
    """Write what changes for these versions (one per event id) of one org; returns the rows
    the warehouse refused alone: [{"org_id", "event_id", "error"}]."""
    current = _current_rows(client, org_id, [event.event_id for event, _ in versions])
    units = []  # per event, the rows that must go in together: [+new] or [-old, +new]
    priced = priced_rows((event for event, _ in versions), now, aliases)
    for (event, accepted_at), row in zip(versions, priced, strict=True):
        row += [accepted_at, 1]
        old = current.get(event.event_id)
        if old is None:
            units.append((event, [row]))
        elif _instant(old[_ACCEPTED]) < _instant(accepted_at):
            units.append((event, [old[:_SIGN] + [-1], row]))
        # else: this version or a later one is stored already
    if not units:
        return []
    try:
        _write(client, [row for _, rows in units for row in rows])
        return []
    except Exception as exc:
        if _unavailable(exc) or len(units) == 1:
            raise  # the warehouse, not a row: retried as a whole
        middle = len(units) // 2
        (stored, refused), (more, also) = _isolate(client, units[:middle]), _isolate(client, units[middle:])
        if not stored + more:
            raise  # nothing went in: more likely the warehouse than every row
        return [{"org_id": org_id, **row} for row in refused + also]


_ACCEPTED, _SIGN = len(COLUMNS) - 1, len(COLUMNS)


# A chunk of event ids as one space-separated string: an event id is printable ASCII
# without a space (shared_lib.usage), and one String parameter costs a fraction of an
# Array(String) of thousands of elements to pass and parse.
_IDS = "(SELECT arrayJoin(splitByChar(' ', {ids:String})))"
# A query costs mostly per granule, so as many ids as fit go in one. Over HTTP the parameter
# travels in the URL, which a server takes up to 1 MiB of (`http_max_uri_size`): 256 KiB of
# ids stays under it even with every character percent-encoded. ~7,000 UUIDs, or a whole
# bench message.
MAX_IDS_BYTES = 256 * 1024


def _id_chunks(event_ids: list[str], max_bytes: int = MAX_IDS_BYTES):
    """The `{ids:String}` parameter of each chunk of event ids, at most `max_bytes` each
    (an id is at most 128 characters, so every chunk holds at least one)."""
    start, size = 0, 0
    for i, event_id in enumerate(event_ids):
        if size + len(event_id) + 1 > max_bytes and i > start:
            yield " ".join(event_ids[start:i])
            start, size = i, 0
        size += len(event_id) + 1
    if start < len(event_ids):
        yield " ".join(event_ids[start:])


# On replicas (a cluster, ClickHouse Cloud) the lookup must see the org's previous write
# wherever it lands, or a re-send within the replication lag would count twice (ADR 0013):
# writes are acknowledged by a majority of replicas, and the lookup reads only from a
# replica that has every quorum write. A single node ignores both.
_QUORUM = {"insert_quorum": "auto"}
_READ_YOUR_WRITES = {"select_sequential_consistency": 1}


def _current_rows(client, org_id: str, event_ids: list[str]) -> dict[str, list]:
    """The stored row of each of these event ids (those the org has). Most of a batch is
    new: which ids are stored at all is asked first, without FINAL (a quarter of the cost,
    and one query for a whole message), and the rows of those alone are read with FINAL
    over the granules the event-id index keeps, not over the org's history."""
    present = sorted(stored_event_ids(client, org_id, event_ids))
    found = {}
    for ids in _id_chunks(present):
        for row in client.query(
            f"SELECT {', '.join(COLUMNS)}, sign FROM usage_events FINAL "
            f"WHERE org_id = {{org:String}} AND event_id IN {_IDS}",
            parameters={"org": org_id, "ids": ids},
            settings=_READ_YOUR_WRITES,
        ).result_rows:
            if row[_SIGN] == 1:  # not filtered in SQL: a condition on sign must not act before FINAL
                found[row[0]] = list(row)
    return found


def _instant(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


@dataclasses.dataclass(frozen=True)
class Stored:
    rows: int
    refused: list[dict]  # [{"event_id", "error"}]: rows the warehouse would not take alone


def _write(client, rows: list[list]) -> None:
    client.insert("usage_events", rows, column_names=[*COLUMNS, "sign"], settings=_QUORUM)


def _isolate(client, units: list[tuple[UsageEvent, list[list]]]) -> tuple[int, list[dict]]:
    """Halve until each refused event stands alone: k bad rows cost about k * log2(n) inserts."""
    try:
        _write(client, [row for _, rows in units for row in rows])
        return len(units), []
    except Exception as exc:
        if _unavailable(exc):
            raise
        if len(units) == 1:
            return 0, [{"event_id": units[0][0].event_id, "error": f"{type(exc).__name__}: {exc}"[:500]}]
    middle = len(units) // 2
    first, second = _isolate(client, units[:middle]), _isolate(client, units[middle:])
    return first[0] + second[0], first[1] + second[1]


def _unavailable(exc: Exception) -> bool:
    """The warehouse could not be reached: no row is to blame."""
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


def stored_event_ids(client, org_id: str, event_ids: list[str]) -> set[str]:
    """Which of these event ids the org has any row of: the event-id index keeps only the
    granules that can hold them."""
    found = set()
    for ids in _id_chunks(event_ids):
        found.update(
            row[0]
            for row in client.query(
                f"SELECT DISTINCT event_id FROM usage_events WHERE org_id = {{org:String}} AND event_id IN {_IDS}",
                parameters={"org": org_id, "ids": ids},
                settings=_READ_YOUR_WRITES,
            ).result_rows
        )
    return found


def stored_since(client, org_id: str, event_ids: list[str], accepted_at: dt.datetime) -> int:
    """How many of these event ids have a version accepted at or after `accepted_at` stored:
    a re-send's older version does not count as the one just sent."""
    found = 0
    for ids in _id_chunks(event_ids):
        [(count,)] = client.query(
            f"SELECT uniqExact(event_id) FROM usage_events WHERE org_id = {{org:String}} AND event_id IN {_IDS} "
            "AND sign = 1 AND accepted_at >= {since:DateTime64(6)}",
            parameters={"org": org_id, "ids": ids, "since": accepted_at},
            settings=_READ_YOUR_WRITES,
        ).result_rows
        found += int(count)
    return found


# The calls as they are, read without FINAL: +1 rows whose version has not been cancelled
# since (a cancellation, the -1 row, carries the event id and accepted_at of the version it
# cancels, ADR 0008). Exact because the consumer writes each version once; cancellations
# are few (re-sends) and vanish with their pairs when parts merge.
LIVE = (
    "sign = 1 AND (event_id, accepted_at) NOT IN (SELECT event_id, accepted_at FROM usage_events "
    "WHERE org_id = {org:String} AND sign = -1)"
)


def rollup_select(view: str) -> str:
    """A rollup's select list, read from the migration that defines its view (one place):
    the edges of a range are computed from the calls with the very same expressions."""
    sql = (MIGRATIONS / "0008_hourly_rollup.sql").read_text()
    return re.search(
        rf"CREATE MATERIALIZED VIEW {view} TO \w+ AS\s+SELECT(.*?)\s+FROM usage_events AS e", sql, re.S
    ).group(1)


ROLLUP = rollup_select("usage_hourly_mv")
_DIMENSIONS = ["org_id", "hour", "feature", "provider", "model", "interactive", "batch"]
ROLLUP_COLUMNS = _DIMENSIONS + [name for name in re.findall(r"\bAS (\w+)\s*(?:,|$)", ROLLUP) if name != "hour"]
HOUR = dt.timedelta(hours=1)


def rollup_source(
    start: dt.datetime, end: dt.datetime, parameters: dict, where: str = "", by_user: bool = False, hourly: bool = False
) -> str:
    """A subquery of rollup rows (plus `user_id`) covering exactly [start, end) of the org
    `{org:String}`: whole days from usage_daily_rollup (unless `hourly` buckets are wanted),
    whole hours from usage_hourly, the partial hours at either edge (or the whole range when
    reads need the user, which the rollups do not keep) from the calls themselves.
    `where`: extra conditions on columns all share (feature, model, ...)."""
    first, last = _ceil_hour(start), end.replace(minute=0, second=0, microsecond=0)
    parameters.update(r_start=start, r_end=end, r_first=first, r_last=last)
    calls = (
        f"SELECT {ROLLUP}, user_id FROM usage_events AS e WHERE org_id = {{org:String}} AND {LIVE}{where} AND "
        "{range} GROUP BY " + ", ".join([*_DIMENSIONS, "user_id"])
    )
    if by_user or first >= last:
        return calls.replace("{range}", "timestamp >= {r_start:DateTime64(3)} AND timestamp < {r_end:DateTime64(3)}")
    rows = f"SELECT {', '.join(ROLLUP_COLUMNS)}, '' AS user_id FROM <table> WHERE org_id = {{org:String}}{where} AND <range>"
    day_first, day_last = _ceil_day(first), last.replace(hour=0)
    parts = []
    if hourly or day_first >= day_last:
        parts.append(
            rows.replace("<table>", "usage_hourly").replace(
                "<range>", "hour >= {r_first:DateTime} AND hour < {r_last:DateTime}"
            )
        )
    else:
        parameters.update(r_day_first=day_first, r_day_last=day_last)
        parts.append(
            rows.replace("<table>", "usage_daily_rollup").replace(
                "<range>", "hour >= {r_day_first:DateTime} AND hour < {r_day_last:DateTime}"
            )
        )
        hours = [
            edge
            for edge, wanted in (
                ("(hour >= {r_first:DateTime} AND hour < {r_day_first:DateTime})", first < day_first),
                ("(hour >= {r_day_last:DateTime} AND hour < {r_last:DateTime})", day_last < last),
            )
            if wanted
        ]
        if hours:
            parts.append(rows.replace("<table>", "usage_hourly").replace("<range>", "(" + " OR ".join(hours) + ")"))
    edges = [
        edge
        for edge, wanted in (
            ("(timestamp >= {r_start:DateTime64(3)} AND timestamp < {r_first:DateTime64(3)})", start < first),
            ("(timestamp >= {r_last:DateTime64(3)} AND timestamp < {r_end:DateTime64(3)})", last < end),
        )
        if wanted
    ]
    if edges:
        parts.append(calls.replace("{range}", "(" + " OR ".join(edges) + ")"))
    return " UNION ALL ".join(parts)


def _ceil_day(moment: dt.datetime) -> dt.datetime:
    floor = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + dt.timedelta(days=1)


def _ceil_hour(moment: dt.datetime) -> dt.datetime:
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + HOUR


def percentile(counts: Mapping[int, int], sums: Mapping[int, int], level: float) -> float | None:
    """Nearest-rank percentile (the value at position floor(level * n) of the sorted values,
    as quantileExact) from a log histogram: the mean of the values in the bucket holding
    that position. Within 1% of the exact value; exact when that bucket holds one value."""
    buckets = sorted((bucket, n) for bucket, n in counts.items() if n > 0)
    total = sum(n for _, n in buckets)
    if not total:
        return None
    rank, seen = min(int(level * total), total - 1), 0
    for bucket, n in buckets:
        seen += n
        if seen > rank:
            return sums[bucket] / n
    return None  # unreachable: rank < total


def summary(
    client,
    org_id: str,
    start: dt.datetime,
    end: dt.datetime,
    group_by: str,
    filters: dict[str, list[str]] | None = None,
) -> dict:
    """Calls, tokens, cost, latency percentiles and error rate per group and in total, of the
    calls matching `filters` (dimension -> names; any name of a dimension matches).

    Read from the hourly rollup (the edges of the range, and reads by user, from the calls).
    Counts, tokens and cost are exact. Percentiles are nearest-rank (the value at position
    floor(p * n) of the sorted values) read from log histograms: within 1% of the exact value,
    exact when no other value shares its bucket (1% wide). Missing is not zero: a call sent
    without a latency (stored as 0: no call takes 0 ms) or a TTFT (NULL) is left out, and a
    group with none has no percentile (None).
    """
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}")
    # Aliases end in "_" so that they never shadow the columns inside another aggregate.
    measures = """
        sum(calls) AS calls_,
        sum(input_tokens) AS input_tokens_,
        sum(output_tokens) AS output_tokens_,
        sum(cached_input_tokens) AS cached_input_tokens_,
        sum(cost_usd) AS cost_usd_,
        sumMap(latency_n) AS latency_n_, sumMap(latency_s) AS latency_s_,
        sumMap(ttft_n) AS ttft_n_, sumMap(ttft_s) AS ttft_s_,
        sum(failed_calls) AS failed_calls_,
        sum(unpriced_calls) AS unpriced_calls_,
        sum(unpriced_tokens) AS unpriced_tokens_
    """
    parameters = {"org": org_id}
    by_user = group_by == "user" or "user" in (filters or {})
    source = rollup_source(start, end, parameters, _filtered(filters, parameters), by_user)
    key = "toString(toDate(hour))" if group_by == "day" else GROUPS[group_by]
    # Groups and total in one query, so both read the same rows: as two queries, a batch
    # stored between them gave totals with calls and no group holding them.
    rows = list(
        client.query(
            f"SELECT {key} AS key, grouping(key) AS is_total, {measures} FROM ({source}) "
            "GROUP BY GROUPING SETS ((key), ()) ORDER BY is_total, cost_usd_ DESC, key",
            parameters=parameters,
        ).named_results()
    )
    groups = [row for row in rows if not row["is_total"] and row["calls_"]]
    totals = next(row for row in rows if row["is_total"])  # present even when no call matches
    total = _shape(totals)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        # A group's unpriced calls are counted in it too: its cost is never a silent $0.
        "groups": [{**_shape(row), "unpriced_calls": int(row["unpriced_calls_"] or 0)} for row in groups],
        "totals": {k: v for k, v in total.items() if k != "key"},
        "unpriced": {"calls": int(totals["unpriced_calls_"] or 0), "tokens": int(totals["unpriced_tokens_"] or 0)},
    }


NAMED = ("feature", "model", "provider", "user")


def names(client, org_id: str, start: dt.datetime, end: dt.datetime, limit: int) -> dict[str, list[str]]:
    """The names of each dimension (feature, model, provider, user) among the org's calls in
    [start, end), the costliest first (then by name), at most `limit` each; "" is no name.

    One query: features, models and providers from the rollups (the edges of the range from
    the calls, as `summary` reads them), users from the calls, which alone keep them. Only
    names of calls that still count: a re-sent call's previous version names nothing."""
    parameters = {"org": org_id, "start": start, "end": end, "limit": limit}
    source = rollup_source(start, end, parameters)
    # The three rollup dimensions unpivoted: each row is counted under each of its names.
    rolled = (
        "SELECT pair.1 AS dimension, pair.2 AS name, sum(cost_usd) AS cost_, sum(calls) AS calls_ "
        f"FROM ({source}) ARRAY JOIN [('feature', toString(feature)), ('model', toString(model)), "
        "('provider', toString(provider))] AS pair GROUP BY dimension, name"
    )
    users = (
        "SELECT 'user' AS dimension, user_id AS name, sum(cost_usd) AS cost_, toInt64(count()) AS calls_ "
        f"FROM usage_events WHERE org_id = {{org:String}} AND {LIVE} "
        "AND timestamp >= {start:DateTime64(3)} AND timestamp < {end:DateTime64(3)} GROUP BY user_id"
    )
    rows = client.query(
        f"SELECT dimension, name FROM ({rolled} UNION ALL {users}) WHERE calls_ != 0 AND name != '' "
        "ORDER BY dimension, cost_ DESC, name LIMIT {limit:UInt32} BY dimension",
        parameters=parameters,
    ).result_rows
    found: dict[str, list[str]] = {dimension: [] for dimension in NAMED}
    for dimension, name in rows:
        found[dimension].append(name)
    return found


def repeated_prompts(client, org_id: str, start: dt.datetime, end: dt.datetime, limit: int = 50) -> dict:
    """Prompts sent more than once (same `prompt_hash`) and shared prompt prefixes.

    `repeat_cost_usd` is what the calls after each prompt's first one cost: the most an
    exact-response cache could have saved. For prefixes, `cached_share` is how much of
    their input the provider already served from its prompt cache.
    """
    where = (
        "org_id = {org:String} AND timestamp >= {start:DateTime64(3)} AND timestamp < {end:DateTime64(3)} "
        "AND status = 'success'"
    )
    parameters = {"org": org_id, "start": start, "end": end, "limit": limit}
    prompts = client.query(
        f"""SELECT prompt_hash, count() AS calls, sum(cost_usd) AS cost_, argMin(cost_usd, timestamp) AS first_cost_,
                   groupUniqArray(model) AS models, groupUniqArray(feature) AS features
            FROM usage_events WHERE {where} AND {LIVE} AND prompt_hash != ''
            GROUP BY prompt_hash HAVING calls > 1 ORDER BY cost_ DESC, prompt_hash LIMIT {{limit:UInt32}}""",
        parameters=parameters,
    ).named_results()
    prefixes = client.query(
        f"""SELECT prefix_hash, count() AS calls, sum(input_tokens) AS input_tokens_, sum(cached_input_tokens) AS cached_,
                   groupUniqArray(model) AS models
            FROM usage_events WHERE {where} AND {LIVE} AND prefix_hash != ''
            GROUP BY prefix_hash HAVING calls > 1 ORDER BY input_tokens_ DESC, prefix_hash LIMIT {{limit:UInt32}}""",
        parameters=parameters,
    ).named_results()
    duplicates = [
        {
            "prompt_hash": r["prompt_hash"],
            "calls": int(r["calls"]),
            "repeat_calls": int(r["calls"]) - 1,
            "cost_usd": money(r["cost_"]),
            "repeat_cost_usd": money(Decimal(r["cost_"] or 0) - Decimal(r["first_cost_"] or 0)),
            "models": sorted(r["models"]),
            "features": sorted(r["features"]),
        }
        for r in prompts
    ]
    return {
        "duplicate_prompts": sorted(duplicates, key=lambda p: (-Decimal(p["repeat_cost_usd"]), p["prompt_hash"])),
        "shared_prefixes": [
            {
                "prefix_hash": r["prefix_hash"],
                "calls": int(r["calls"]),
                "input_tokens": int(r["input_tokens_"]),
                "cached_input_tokens": int(r["cached_"]),
                "cached_share": round(int(r["cached_"]) / int(r["input_tokens_"]), 4)
                if int(r["input_tokens_"])
                else 0.0,
                "models": sorted(r["models"]),
            }
            for r in prefixes
        ],
    }


def timeseries(
    client,
    org_id: str,
    start: dt.datetime,
    end: dt.datetime,
    interval: str,
    group_by: str | None,
    filters: dict[str, list[str]] | None = None,
) -> dict:
    """Calls, errors, tokens and cost per day (whole UTC days that overlap the range) or per
    hour (exactly the range), of the calls matching `filters`, from the hourly rollup (the
    partial hours at the edges, and reads filtered by user, from the calls)."""
    if interval not in SERIES_INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(SERIES_INTERVALS)}")
    if group_by is not None and group_by not in SERIES_GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(SERIES_GROUPS)}")
    key, asked = group_by or "''", (start, end)
    parameters = {"org": org_id}
    if interval == "day":
        first_day = start.astimezone(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        last_day = (
            (end - dt.timedelta(milliseconds=1))
            .astimezone(dt.timezone.utc)
            .replace(hour=0, minute=0, second=0, microsecond=0)
        )
        start, end, bucket = first_day, last_day + dt.timedelta(days=1), "toString(toDate(hour))"
    else:
        bucket = "formatDateTime(hour, '%Y-%m-%dT%H:00:00Z')"
    source = rollup_source(
        start, end, parameters, _filtered(filters, parameters), "user" in (filters or {}), hourly=interval == "hour"
    )
    sql = f"""SELECT {bucket} AS bucket, {key} AS key, sum(calls) AS calls_, sum(failed_calls) AS errors_,
                     sum(input_tokens) AS input_tokens_, sum(output_tokens) AS output_tokens_, sum(cost_usd) AS cost_
              FROM ({source}) GROUP BY bucket, key HAVING calls_ != 0 ORDER BY key, bucket"""
    series: dict[str, list] = {}
    for row in client.query(sql, parameters=parameters).named_results():
        series.setdefault(row["key"], []).append(
            {
                "bucket": row["bucket"],
                "calls": int(row["calls_"]),
                "errors": int(row["errors_"]),
                "input_tokens": int(row["input_tokens_"]),
                "output_tokens": int(row["output_tokens_"]),
                "cost_usd": money(row["cost_"]),
            }
        )
    return {
        "from": asked[0].isoformat(),
        "to": asked[1].isoformat(),
        "interval": interval,
        "group_by": group_by,
        "series": [{"key": key if group_by else None, "points": points} for key, points in series.items()],
    }


def unpriced(client, org_id: str, start: dt.datetime, end: dt.datetime) -> dict:
    """The calls the catalog could not price, per provider and model: never a silent $0."""
    rows = client.query(
        """SELECT provider, model, count() AS calls, sum(input_tokens) AS input_tokens_, sum(output_tokens) AS output_tokens_,
                  min(timestamp) AS first_seen, max(timestamp) AS last_seen, groupUniqArray(feature) AS features
           FROM usage_events WHERE org_id = {org:String} AND """
        + LIVE
        + """ AND timestamp >= {start:DateTime64(3)}
                AND timestamp < {end:DateTime64(3)} AND cost_status = 'unpriced'
           GROUP BY provider, model ORDER BY calls DESC, provider, model""",
        parameters={"org": org_id, "start": start, "end": end},
    ).named_results()
    models = [
        {
            "provider": r["provider"],
            "model": r["model"],
            "calls": int(r["calls"]),
            "input_tokens": int(r["input_tokens_"]),
            "output_tokens": int(r["output_tokens_"]),
            "first_seen": _iso(r["first_seen"]),
            "last_seen": _iso(r["last_seen"]),
            "features": sorted(r["features"]),
            "reason": "the price catalog does not know this model; send cost_usd with each call or ask us to add it",
        }
        for r in rows
    ]
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "calls": sum(m["calls"] for m in models),
        "tokens": sum(m["input_tokens"] + m["output_tokens"] for m in models),
        "models": models,
    }


def _iso(moment: dt.datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return moment.isoformat().replace("+00:00", "Z")


def _shape(row: dict) -> dict:
    calls = int(row["calls_"] or 0)
    out = {"key": row["key"], "calls": calls}
    for field in ("input_tokens", "output_tokens", "cached_input_tokens"):
        out[field] = int(row[f"{field}_"] or 0)
    out["cost_usd"] = money(row["cost_usd_"])
    # TTFT is optional per call: a group without any gives None.
    for name, levels in (("latency_ms", (0.5, 0.95, 0.99)), ("ttft_ms", (0.5, 0.95))):
        histogram = name.split("_")[0]
        for level in levels:
            out[f"p{round(level * 100)}_{name}"] = percentile(row[f"{histogram}_n_"], row[f"{histogram}_s_"], level)
    out["error_rate"] = int(row["failed_calls_"] or 0) / calls if calls else 0.0
    return out


def money(value) -> str:
    """Exact decimal string, no float in between ("0.025", "0")."""
    if value is None:
        return "0"
    amount = Decimal(value).normalize()
    return format(amount, "f")
