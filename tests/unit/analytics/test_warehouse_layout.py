"""The migrations as each warehouse layout runs them (ADR 0013), against hand-written DDL."""

import re

import pytest

from netra_analytics import schema
from netra_analytics.layout import SINGLE_NODE, Layout

CLUSTER = Layout("netra")
PATH = "'/clickhouse/tables/{uuid}/{shard}', '{replica}'"


def _migration(prefix: str) -> list[str]:
    (path,) = schema.MIGRATIONS.glob(f"{prefix}_*.sql")
    return schema._statements(path.read_text())


def _every_statement() -> list[str]:
    return [schema.BOOKKEEPING] + [
        s for p in sorted(schema.MIGRATIONS.glob("*.sql")) for s in schema._statements(p.read_text())
    ]


def test_one_node_runs_every_statement_as_written():
    # chDB, one server and ClickHouse Cloud keep exactly the schema they have today.
    assert all(SINGLE_NODE.render(statement) == statement for statement in _every_statement())
    assert schema.BOOKKEEPING == (
        "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, applied_at DateTime DEFAULT now()) "
        "ENGINE = MergeTree ORDER BY version"
    )


def test_the_bookkeeping_on_a_cluster_is_replicated_and_created_on_every_replica():
    assert CLUSTER.render(schema.BOOKKEEPING) == (
        "CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER 'netra' (version UInt32, applied_at DateTime "
        f"DEFAULT now()) ENGINE = ReplicatedMergeTree({PATH}) ORDER BY version"
    )
    claim = "CREATE TABLE schema_migration_claim_0008 (at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY tuple()"
    assert CLUSTER.render(claim) == (
        "CREATE TABLE schema_migration_claim_0008 ON CLUSTER 'netra' (at DateTime DEFAULT now()) "
        f"ENGINE = ReplicatedMergeTree({PATH}) ORDER BY tuple()"
    )


def test_a_table_on_a_cluster_keeps_its_engine_arguments_after_the_replica_path():
    (aliases,) = _migration("0007")
    assert CLUSTER.render(aliases).endswith(
        "CREATE TABLE IF NOT EXISTS model_aliases ON CLUSTER 'netra'\n"
        "(\n"
        "    org_id     String,\n"
        "    aliases    Map(String, String),\n"
        "    updated_at DateTime64(6, 'UTC')\n"
        ")\n"
        f"ENGINE = ReplicatedReplacingMergeTree({PATH}, updated_at)\n"
        "ORDER BY org_id"
    )
    calls = _migration("0008")[2]
    assert f"ENGINE = ReplicatedCollapsingMergeTree({PATH}, sign)\nPARTITION BY" in CLUSTER.render(calls)
    daily = _migration("0002")[0]
    assert f"ENGINE = ReplicatedSummingMergeTree({PATH})\nPARTITION BY toYYYYMM(day)" in CLUSTER.render(daily)


def test_renames_exchanges_drops_and_alters_run_on_every_replica_and_inserts_on_one():
    _, insert, drop_view, drop_table, exchange, drop_copy = _migration("0004")
    assert CLUSTER.render(exchange) == "EXCHANGE TABLES usage_events AND usage_events_by_id ON CLUSTER 'netra'"
    assert CLUSTER.render(drop_copy) == "DROP TABLE IF EXISTS usage_events_by_id ON CLUSTER 'netra'"
    assert CLUSTER.render(drop_table) == "DROP TABLE IF EXISTS usage_daily ON CLUSTER 'netra'"
    assert CLUSTER.render(insert) == insert  # replication carries the copied rows to the other replicas
    (alter,) = _migration("0006")
    assert CLUSTER.render(alter).endswith(
        "ALTER TABLE usage_events ON CLUSTER 'netra' ADD COLUMN IF NOT EXISTS finish_reason "
        "LowCardinality(Nullable(String)) AFTER max_tokens"
    )
    hourly = _migration("0008")
    assert CLUSTER.render(hourly[0]).endswith("DROP VIEW IF EXISTS usage_daily ON CLUSTER 'netra'")
    assert CLUSTER.render(hourly[1]) == "RENAME TABLE usage_events TO usage_events_0007 ON CLUSTER 'netra'"
    assert CLUSTER.render(hourly[-1]) == "DROP TABLE usage_events_0007 ON CLUSTER 'netra'"


def test_views_and_copies_of_a_table_take_on_cluster_after_their_name():
    hourly = _migration("0008")
    # The copy takes usage_hourly's engine, replica path by UUID included: its own path.
    assert CLUSTER.render(hourly[5]).endswith("CREATE TABLE usage_daily_rollup ON CLUSTER 'netra' AS usage_hourly")
    assert CLUSTER.render(hourly[4]).startswith(
        "CREATE MATERIALIZED VIEW usage_hourly_mv ON CLUSTER 'netra' TO usage_hourly AS\n"
    )
    (view,) = _migration("0005")
    assert "CREATE VIEW IF NOT EXISTS usage_daily ON CLUSTER 'netra' AS\nSELECT" in CLUSTER.render(view)


def test_every_schema_statement_on_a_cluster_names_it_and_every_table_is_replicated():
    for statement in _every_statement():
        rendered = CLUSTER.render(statement)
        if "INSERT INTO" in statement:
            assert "ON CLUSTER" not in rendered
            continue
        assert rendered.count("ON CLUSTER 'netra'") == 1, statement[:80]
        if "CREATE TABLE" in statement and " AS usage_hourly" not in statement:
            assert "ENGINE = Replicated" in rendered and f"({PATH}" in rendered, statement[:80]


def test_a_cluster_named_by_its_macro():
    assert Layout("{cluster}").render("DROP TABLE t") == "DROP TABLE t ON CLUSTER '{cluster}'"


@pytest.mark.parametrize(
    "statement",
    [
        "OPTIMIZE TABLE usage_events FINAL",  # no rule for it: refused, not guessed
        "CREATE TABLE t (x UInt8) ENGINE = Memory",  # would not be replicated
        "CREATE TABLE t (x UInt8) ENGINE = ReplicatedMergeTree('/p', 'r') ORDER BY x",  # written for one layout only
    ],
)
def test_statements_a_cluster_cannot_take_are_refused(statement):
    with pytest.raises(ValueError):
        CLUSTER.render(statement)


@pytest.mark.parametrize("name", ["", "a b", "x'; DROP", "{cluster"])
def test_a_cluster_name_is_checked(name):
    with pytest.raises(ValueError):
        Layout(name)


class RecordingWarehouse:
    """Answers the runner's two questions (the database's and bookkeeping's engines; the
    versions applied) and records every statement it is sent."""

    def __init__(self, database_engine: str, bookkeeping_engine: str, applied: set[int]):
        self.engines, self.applied, self.commands = (database_engine, bookkeeping_engine), applied, []

    def query(self, sql):
        if "FROM system." in sql:
            engine = self.engines[0 if "system.databases" in sql else 1]
            rows = [(engine,)] if engine else []
        else:
            rows = [(v,) for v in sorted(self.applied)]
        return type("Result", (), {"result_rows": rows})()

    def command(self, sql):
        self.commands.append(sql)

    def insert(self, table, rows, column_names):
        self.applied.add(rows[0][0])


def test_a_new_warehouse_on_a_cluster_gets_every_schema_statement_on_every_replica():
    warehouse = RecordingWarehouse("Atomic", "", set())
    assert schema.migrate(warehouse, cluster="netra") == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert warehouse.commands[0] == CLUSTER.render(schema.BOOKKEEPING)
    assert warehouse.commands[1].startswith("CREATE TABLE schema_migration_claim_0001 ON CLUSTER 'netra' (")
    migrations = _every_statement()[1:]
    claims = [c for c in warehouse.commands if "schema_migration_claim_" in c]
    assert len(claims) == 9 and len(warehouse.commands) == 1 + len(claims) + len(migrations)
    inserts = [c for c in warehouse.commands if "ON CLUSTER" not in c]
    assert [re.search(r"INSERT INTO \w+", c).group() for c in inserts] == [
        "INSERT INTO usage_events_by_id",
        "INSERT INTO usage_events",
    ]


def test_a_migrated_warehouse_starts_without_any_ddl():
    # On a cluster every DDL waits for every replica: an instance starts with one of them down.
    warehouse = RecordingWarehouse("Atomic", "ReplicatedMergeTree", set(range(1, 10)))
    assert schema.migrate(warehouse, cluster="netra") == []
    assert warehouse.commands == []


@pytest.mark.parametrize(
    ("engines", "cluster", "problem"),
    [
        (("Replicated", ""), "netra", "leave CLICKHOUSE_CLUSTER unset"),  # ClickHouse Cloud
        (("Atomic", "MergeTree"), "netra", "created on one node"),
        (("Atomic", "ReplicatedMergeTree"), None, "set CLICKHOUSE_CLUSTER"),
    ],
)
def test_a_layout_the_warehouse_was_not_created_with_stops_before_any_ddl(engines, cluster, problem):
    warehouse = RecordingWarehouse(*engines, set())
    with pytest.raises(RuntimeError, match=problem):
        schema.migrate(warehouse, cluster=cluster)
    assert warehouse.commands == []
