""" "Accepted means stored", on a real ClickHouse engine (embedded chDB): the validator's
limits are the columns' types, a row the warehouse refuses fails alone, and an event id is
stored once in every view — redelivered, delivered concurrently, or re-sent changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from decimal import Decimal

import pytest

from shared_lib.clients.clickhouse import clickhouse_client
from shared_lib.config import load_settings
from shared_lib.contracts import usage_events
from shared_lib.envelope import PubSubMessage
from shared_lib.usage import COLUMNS, COST_COLUMN, MAX_COST_USD, parse_batch

from netra_analytics import warehouse
from netra_analytics.profile import workload_profile
from netra_analytics.service import AnalyticsService

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
START, END = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc), dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
LATER = dt.timedelta(seconds=1)


@pytest.fixture
def client(tmp_path):
    client = clickhouse_client(load_settings({"CLICKHOUSE_DSN": f"chdb://{tmp_path}"}))
    warehouse.migrate(client)
    yield client
    client.close()  # chDB opens one data path per process at a time


def events(org: str, *rows: dict):
    accepted, rejected = parse_batch(
        [
            {
                "timestamp": "2026-11-20T10:00:00Z",
                "provider": "openai",
                "model": "gpt-4o",
                "input_tokens": 1000,
                "output_tokens": 500,
                **r,
            }
            for r in rows
        ],
        org,
        NOW,
    )
    assert rejected == []
    return accepted


def views(client, org: str) -> dict:
    """What every read says about an org: calls per view, and the days the rollup sees."""
    summary = warehouse.summary(client, org, START, END, "model")["totals"]
    daily = warehouse.timeseries(client, org, START, END, "day", None)["series"]
    return {
        "summary": summary["calls"],
        "summary_cost": summary["cost_usd"],
        "days": [(p["bucket"], p["calls"]) for s in daily for p in s["points"]],
        "hourly": sum(
            p["calls"]
            for s in warehouse.timeseries(client, org, START, END, "hour", None)["series"]
            for p in s["points"]
        ),
        "profile": sum(w["calls"] for w in workload_profile(client, org, START, END)["workloads"]),
        "unpriced": warehouse.unpriced(client, org, START, END)["calls"],
        "prompts": [
            (p["prompt_hash"], p["calls"])
            for p in warehouse.repeated_prompts(client, org, START, END)["duplicate_prompts"]
        ],
    }


def test_the_validators_limits_are_the_warehouse_column_types(client):
    stored = dict(
        client.query(
            "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'usage_events'"
        ).result_rows
    )
    for field, (column_type, limit) in COLUMNS.items():
        assert stored[field] == column_type, field
        assert limit <= {"UInt32": 2**32 - 1, "UInt64": 2**64 - 1}[column_type.removeprefix("Nullable(").rstrip(")")]
    for field in ("provided_cost_usd", "computed_cost_usd", "cost_usd"):
        assert stored[field] == f"Nullable({COST_COLUMN})"
    assert stored["finish_reason"] == "LowCardinality(Nullable(String))"
    assert MAX_COST_USD == Decimal(10**9) - Decimal("1e-9")  # the largest Decimal(18, 9)


def test_a_row_the_warehouse_refuses_fails_alone(client):
    good = events("org-i", *({"event_id": f"i{n}", "prompt_hash": f"h{n}"} for n in range(7)))
    # Forged past the validator: the insert itself refuses a latency beyond UInt32.
    bad = dataclasses.replace(good[3], event_id="i-bad", latency_ms=5_000_000_000)
    stored = warehouse.insert(client, good[:3] + [bad] + good[3:])
    assert stored.rows == 7 and [r["event_id"] for r in stored.refused] == ["i-bad"]
    assert views(client, "org-i")["summary"] == 7
    with pytest.raises(Exception):  # noqa: B017 - whatever the warehouse raises; alone in its batch: retried (then dead-lettered) as the batch it is
        warehouse.insert(client, [bad])


def test_an_event_resent_changed_replaces_it_in_every_view(client):
    base = {"prompt_hash": "same", "model": "gpt-99-turbo"}
    first = events("org-x", {**base, "event_id": "x1"}, {**base, "event_id": "x2"})
    warehouse.insert(client, first, accepted_at=NOW)
    assert views(client, "org-x")["days"] == [("2026-11-20", 2)]
    # x1 again, a day later, priced model, other prompt: it moves, it is not added.
    resent = events("org-x", {"event_id": "x1", "timestamp": "2026-11-21T09:00:00Z", "prompt_hash": "other"})
    warehouse.insert(client, resent, accepted_at=NOW + LATER)
    expected = {
        "summary": 2,
        "summary_cost": "0.0075",
        "days": [("2026-11-20", 1), ("2026-11-21", 1)],
        "hourly": 2,
        "profile": 2,
        "unpriced": 1,
        "prompts": [],
    }
    assert views(client, "org-x") == expected
    # A late redelivery of the first version (accepted earlier) does not undo the re-send.
    warehouse.insert(client, first, accepted_at=NOW)
    assert views(client, "org-x") == expected
    # Another org's x1 is another event.
    warehouse.insert(client, events("org-y", {"event_id": "x1"}), accepted_at=NOW)
    assert views(client, "org-x") == expected and views(client, "org-y")["summary"] == 1


def test_concurrent_duplicate_deliveries_count_once(client):
    batch = events("org-c", *({"event_id": f"c{n}", "latency_ms": n} for n in range(200)))
    threads = [threading.Thread(target=warehouse.insert, args=(client, batch)) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    seen = views(client, "org-c")
    # 200 x (1000 * 2.5/M + 500 * 10/M) = 200 x 0.0075
    assert (seen["summary"], seen["days"], seen["hourly"], seen["profile"], seen["summary_cost"]) == (
        200,
        [("2026-11-20", 200)],
        200,
        200,
        "1.5",
    )


def test_deliveries_written_together_keep_the_version_accepted_last(client):
    # The consumer writes deliveries that arrive together in one insert (group commit).
    first = warehouse.Delivery(events("org-g", {"event_id": "g1"}, {"event_id": "g2"}), NOW)
    resent = warehouse.Delivery(
        events("org-g", {"event_id": "g2", "timestamp": "2026-11-21T10:00:00Z"}, {"event_id": "g3"}), NOW + LATER
    )
    late = warehouse.Delivery(events("org-g", {"event_id": "g1", "timestamp": "2026-11-22T10:00:00Z"}), NOW - LATER)
    bad = dataclasses.replace(resent.events[1], event_id="g-bad", latency_ms=5_000_000_000)
    also = warehouse.Delivery([bad, *events("org-g", {"event_id": "g4"})], NOW)
    stored = warehouse.insert_deliveries(client, [first, resent, late, also], NOW)
    assert [(s.rows, [r["event_id"] for r in s.refused]) for s in stored] == [
        (2, []),
        (2, []),
        (1, []),  # g1 here was accepted before `first` took it: `first`'s version stays
        (1, ["g-bad"]),
    ]
    # g1 as first sent (the late one was accepted before it), g2 as re-sent, g3, g4.
    assert views(client, "org-g")["days"] == [("2026-11-20", 3), ("2026-11-21", 1)]
    warehouse.insert(client, first.events, accepted_at=NOW)  # a redelivery changes nothing
    assert views(client, "org-g")["days"] == [("2026-11-20", 3), ("2026-11-21", 1)]


def test_the_consumer_answers_each_of_many_concurrent_deliveries_for_its_own_rows(client):
    # Pushes that arrive while an org's write runs share the next write (group commit):
    # each is answered for its own rows, once they are stored; a redelivery and a re-send
    # among them count once, the version accepted last wins.
    service = AnalyticsService(authenticator=None, publisher=None, project_id="p", warehouse_client=client)

    def push(n: int, rows: list[dict], accepted_at: dt.datetime) -> PubSubMessage:
        events_json = [e.to_json() for e in events("org-k", *rows)]
        [body] = usage_events.messages("org-k", events_json, accepted_at)
        return PubSubMessage(f"m{n}", body, {"org_id": "org-k"}, NOW.isoformat())

    batches = [[{"event_id": f"k{n}-{i}"} for i in range(300)] for n in range(8)]
    resent = [{"event_id": "k0-0", "timestamp": "2026-11-21T10:00:00Z"}]  # k0-0 moved a day, accepted later
    deliveries = [push(n, rows, NOW) for n, rows in enumerate(batches)]
    deliveries += [push(8, batches[3], NOW), push(9, resent, NOW + LATER)]  # a redelivery, a re-send
    answers: dict[int, dict] = {}
    threads = [
        threading.Thread(target=lambda n=n, m=m: answers.__setitem__(n, service.store_usage(m)))
        for n, m in enumerate(deliveries)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [answers[n] for n in range(10)] == [{"stored": 300, "refused": []}] * 9 + [{"stored": 1, "refused": []}]
    assert views(client, "org-k")["days"] == [("2026-11-20", 2399), ("2026-11-21", 1)]


@pytest.fixture
def unmigrated(tmp_path):
    client = clickhouse_client(load_settings({"CLICKHOUSE_DSN": f"chdb://{tmp_path}"}))
    yield client
    client.close()


def test_migrating_a_warehouse_of_the_old_layout_keeps_its_calls(unmigrated):
    client = unmigrated
    client.command(
        "CREATE TABLE schema_migrations (version UInt32, applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version"
    )
    for version, path in enumerate(sorted(warehouse.MIGRATIONS.glob("000[123]_*.sql")), start=1):
        client.command(path.read_text())
        client.insert("schema_migrations", [[version]], column_names=["version"])
    old = events("org-m", {"event_id": "m1"}, {"event_id": "m2", "timestamp": "2026-11-21T10:00:00Z"})
    # The old layout has neither accepted_at (0004), finish_reason (0006) nor the prefix chain (0009).
    kept = [
        i
        for i, name in enumerate(warehouse.COLUMNS[:-1])
        if name != "finish_reason" and not name.startswith("prefix_chain")
    ]
    rows = [[row[i] for i in kept] for row in (warehouse.priced_row(e, NOW) for e in old)]
    client.insert(
        "usage_events", rows + rows[:1], column_names=[warehouse.COLUMNS[i] for i in kept]
    )  # m1 stored twice by the old race
    assert warehouse.migrate(client) == [4, 5, 6, 7, 8, 9]
    assert views(client, "org-m")["days"] == [("2026-11-20", 1), ("2026-11-21", 1)]
    warehouse.insert(client, old[:1])  # redelivered after the migration
    assert views(client, "org-m")["summary"] == 2


def test_instances_starting_together_apply_each_migration_once(unmigrated):
    applied = []
    threads = [threading.Thread(target=lambda: applied.append(warehouse.migrate(unmigrated))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(v for versions in applied for v in versions) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert sorted(r[0] for r in unmigrated.query("SELECT version FROM schema_migrations").result_rows) == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
    ]
    warehouse.insert(unmigrated, events("org-s", {"event_id": "s1"}))
    assert views(unmigrated, "org-s")["days"] == [("2026-11-20", 1)]


def test_a_migration_claimed_but_never_applied_stops_start_up_by_name(unmigrated):
    unmigrated.command("CREATE TABLE schema_migration_claim_0001 (at DateTime) ENGINE = MergeTree ORDER BY tuple()")
    with pytest.raises(RuntimeError, match="schema_migration_claim_0001"):
        warehouse.migrate(unmigrated, wait_seconds=0.5)


def test_a_prompts_first_call_resent_later_moves_which_calls_are_repeats(client):
    """Repeats subtract each prompt's first call; when that call is re-sent (moved or given
    another prompt) the next one becomes the first, whatever the rollups held before."""
    base = {"prompt_hash": "p", "input_tokens": 0}

    def repeats():
        [workload] = workload_profile(client, "org-r", START, END)["workloads"]
        return workload["repeats"]["calls"], workload["repeats"]["tokens"]["output_tokens"]

    warehouse.insert(
        client,
        events(
            "org-r",
            *(
                {**base, "event_id": f"r{n}", "timestamp": f"2026-11-20T10:{n * 5:02d}:00Z", "output_tokens": 100 * n}
                for n in (1, 2, 3)
            ),
        ),
        accepted_at=NOW,
    )
    assert repeats() == (2, 500)  # r2 and r3 after r1
    warehouse.insert(
        client,
        events("org-r", {**base, "event_id": "r1", "timestamp": "2026-11-20T10:20:00Z", "output_tokens": 100}),
        accepted_at=NOW + LATER,
    )
    assert repeats() == (2, 400)  # r2 is first now: r3 and r1 repeat it
    warehouse.insert(
        client,
        events(
            "org-r",
            {**base, "event_id": "r1", "timestamp": "2026-11-20T10:20:00Z", "output_tokens": 100, "prompt_hash": "q"},
        ),
        accepted_at=NOW + 2 * LATER,
    )
    assert repeats() == (1, 300)  # r1 asks another prompt, the first of its own


def test_a_prompts_and_a_slots_rows_stored_by_separate_inserts_are_merged_by_the_read(client):
    """The prompt and prefix rollups hold a row per insert until their parts merge, which a
    server does in the background, never on cue: the profile merges them as it reads."""
    for table in ("usage_prompt_firsts", "usage_prefix_slots"):
        client.command(f"SYSTEM STOP MERGES {table}")
    base = {"prompt_hash": "q", "prefix_hash": "P", "input_tokens": 2000}
    for event_id, at, output in (("m1", "10:02:00", 100), ("m2", "10:01:00", 200), ("m3", "10:20:00", 300)):
        warehouse.insert(
            client,
            events("org-m", {**base, "event_id": event_id, "timestamp": f"2026-11-20T{at}Z", "output_tokens": output}),
        )
    for table in ("usage_prompt_firsts", "usage_prefix_slots"):  # one row per insert: nothing merged them
        assert client.query(f"SELECT count() FROM {table} WHERE org_id = 'org-m'").result_rows == [(3,)]
    [workload] = workload_profile(client, "org-m", START, END)["workloads"]
    # m2 (10:01), stored second, is the prompt's first call: m1 (2000 x 2.5/M + 100 x 10/M = 0.006)
    # and m3 (0.005 + 300 x 10/M = 0.008) repeat it.
    assert (workload["repeats"]["calls"], workload["repeats"]["cost_usd"]) == (2, "0.014")
    assert workload["repeats"]["tokens"]["output_tokens"] == 400
    # Slot 10:00 holds m2 and m1 (a 1-minute gap), slot 10:20 m3, 18 minutes after m1. A 5-minute
    # cache is written by the first call and after the 18-minute gap; gaps [60, 1080] s, nearest rank: 1080.
    [prefix] = workload["prefixes"]
    assert (prefix["calls"], prefix["cache_writes"], prefix["median_gap_seconds"]) == (
        3,
        {"300": 2, "3600": 1, "86400": 1},
        1080.0,
    )


def test_a_prefix_call_resent_at_another_time_moves_its_cache_gaps(client):
    """Prefix gaps come from a per-minute rollup whose minima cannot be undone: a prefix with
    a re-sent call is read from the calls, so its gaps follow the call's latest time."""
    base = {"prefix_hash": "P", "input_tokens": 2000}

    def writes():
        [prefix] = [p for w in workload_profile(client, "org-p", START, END)["workloads"] for p in w["prefixes"]]
        return prefix["calls"], prefix["cache_writes"], prefix["median_gap_seconds"]

    warehouse.insert(
        client,
        events(
            "org-p", *({**base, "event_id": f"p{n}", "timestamp": f"2026-11-20T10:{n * 10:02d}:00Z"} for n in (0, 1, 2))
        ),
        accepted_at=NOW,
    )
    assert writes() == (3, {"300": 3, "3600": 1, "86400": 1}, 600.0)  # gaps 10 and 10 minutes
    warehouse.insert(
        client,
        events("org-p", {**base, "event_id": "p1", "timestamp": "2026-11-20T10:02:00Z"}),
        accepted_at=NOW + LATER,
    )
    assert writes() == (3, {"300": 2, "3600": 1, "86400": 1}, 1080.0)  # gaps 2 and 18 minutes


def test_a_range_cut_inside_hours_and_minutes_counts_exactly_its_calls(client):
    """Whole hours come from the rollup, the partial ones at either edge from the calls."""
    warehouse.insert(
        client,
        events(
            "org-e",
            *(
                {
                    "event_id": f"e{n}",
                    "timestamp": f"2026-11-20T{9 + n // 60:02d}:{n % 60:02d}:30Z",
                    "prefix_hash": "E",
                    "output_tokens": n + 1,
                }
                for n in range(180)
            ),
        ),
    )
    start, end = (
        dt.datetime(2026, 11, 20, 9, 30, 15, tzinfo=dt.timezone.utc),
        dt.datetime(2026, 11, 20, 11, 10, tzinfo=dt.timezone.utc),
    )
    # 09:30:30 .. 11:09:30: 30 calls in the first hour, 60 in the second, 10 in the third
    assert warehouse.summary(client, "org-e", start, end, "model")["totals"]["calls"] == 100
    assert [
        p["calls"]
        for s in warehouse.timeseries(client, "org-e", start, end, "hour", None)["series"]
        for p in s["points"]
    ] == [30, 60, 10]
    [workload] = workload_profile(client, "org-e", start, end)["workloads"]
    assert workload["calls"] == 100 and workload["prefixes"][0]["calls"] == 100
    assert (
        workload["prefixes"][0]["cache_writes"] == {"300": 1, "3600": 1, "86400": 1}
        and workload["prefixes"][0]["median_gap_seconds"] == 60.0
    )
    assert workload["output"]["p50"] == 81.0  # outputs 31..130, nearest rank: the 51st
    # No output beyond 4 x 81: the tail is known from the rollup's longest output alone.
    assert workload["output_tail"] == {
        "cap_tokens": 324,
        "calls": 0,
        "excess_tokens": 0,
        "truncated_calls": 0,
        "body_max_tokens": 130,
        "tail_min_tokens": None,
    }


def test_days_hours_and_edges_add_up_over_a_filtered_range(client):
    """A range of whole days, whole hours either side and partial hours at its edges reads
    three sources (daily and hourly rollups, the calls): each call counts once."""
    rows = [
        {
            "event_id": f"d{n}",
            "timestamp": f"2026-11-{10 + n // 24:02d}T{n % 24:02d}:20:00Z",
            "feature": "a" if n % 2 else "b",
        }
        for n in range(24 * 5)
    ]  # one call an hour, 10th to 14th
    warehouse.insert(client, events("org-d", *rows))
    start, end = (
        dt.datetime(2026, 11, 10, 21, 30, tzinfo=dt.timezone.utc),
        dt.datetime(2026, 11, 14, 2, 10, tzinfo=dt.timezone.utc),
    )
    # 10th 22:20, 23:20; 11th-13th: 72; 14th 00:20, 01:20 (02:20 is after the end): 76 calls, half of them "a"
    assert warehouse.summary(client, "org-d", start, end, "feature")["totals"]["calls"] == 76
    assert warehouse.summary(client, "org-d", start, end, "feature", {"feature": ["a"]})["totals"]["calls"] == 38
    days = warehouse.timeseries(client, "org-d", start, end, "day", None)["series"][0]["points"]
    assert [(p["bucket"], p["calls"]) for p in days] == [(f"2026-11-{d}", 24) for d in (10, 11, 12, 13, 14)]


def test_concurrent_deliveries_under_the_redis_lock_count_once(client):
    """As consumer instances scaled out would store them: each holding the org's Redis lock."""
    import redis

    from tests.conftest import TEST_REDIS_URL

    from netra_analytics.ingest_lock import RedisOrgLock

    lock = RedisOrgLock(redis.Redis.from_url(TEST_REDIS_URL))
    batch = events("org-rl", *({"event_id": f"rl{n}"} for n in range(100)))
    threads = [threading.Thread(target=warehouse.insert, args=(client, batch), kwargs={"lock": lock}) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    seen = views(client, "org-rl")
    assert (seen["summary"], seen["hourly"], seen["profile"]) == (100, 100, 100)
