"""When an insert fails, only rows the warehouse refuses alone are set aside; a warehouse
that is down, or refuses everything, fails the batch (Pub/Sub delivers it again)."""

import datetime as dt

import pytest
from clickhouse_connect.driver.exceptions import DataError, OperationalError

from shared_lib.usage import parse_batch

from netra_analytics import warehouse

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


class Warehouse:
    """Takes inserts like a table, refusing the rows `refuse` picks (or failing like `down`);
    holds none of the events yet (the consumer's lookup by event id finds nothing)."""

    def __init__(self, refuse=lambda row: False, down=False):
        self.rows, self.refuse, self.down, self.inserts = [], refuse, down, 0
        self.settings = []  # (what, settings) of each call

    def query(self, sql, parameters=None, settings=None):
        self.settings.append(("lookup", settings))
        return type("Result", (), {"result_rows": []})()

    def insert(self, table, rows, column_names, settings=None):
        self.settings.append(("insert", settings))
        self.inserts += 1
        if self.down:
            raise OperationalError("connection refused")
        if any(self.refuse(row) for row in rows):
            raise DataError("Unable to create native array")
        self.rows += rows


def batch(n: int):
    events, _ = parse_batch(
        [
            {
                "event_id": f"e{i}",
                "timestamp": "2026-11-25T11:00:00Z",
                "provider": "openai",
                "model": "gpt-4o",
                "input_tokens": 1,
                "output_tokens": 1,
            }
            for i in range(n)
        ],
        "org",
        NOW,
    )
    return events


def test_rows_refused_alone_are_set_aside_and_the_rest_stored():
    store = Warehouse(refuse=lambda row: row[0] in ("e3", "e12"))
    stored = warehouse.insert(store, batch(16), NOW)
    assert stored.rows == 14 and [r["event_id"] for r in stored.refused] == ["e3", "e12"]
    assert sorted(r[0] for r in store.rows) == sorted(f"e{i}" for i in range(16) if i not in (3, 12))
    assert store.inserts <= 1 + 2 * 2 * 4  # the batch, then about log2(16) halvings per bad row


def test_a_warehouse_that_is_down_or_refuses_everything_fails_the_batch():
    with pytest.raises(OperationalError):
        warehouse.insert(Warehouse(down=True), batch(8), NOW)
    everything = Warehouse(refuse=lambda row: True)
    with pytest.raises(DataError):
        warehouse.insert(everything, batch(8), NOW)
    assert everything.rows == []


def test_on_replicas_the_lookup_sees_every_acknowledged_write():
    # ADR 0013: quorum inserts, and a lookup served only by a replica that has them all.
    store = Warehouse()
    warehouse.insert(store, batch(3), NOW)
    assert store.settings == [
        ("lookup", {"select_sequential_consistency": 1}),
        ("insert", {"insert_quorum": "auto"}),
    ]
