"""The warehouse's schema: versioned migrations, applied once however many instances start.

Every statement, the bookkeeping's included, is rendered for the warehouse's layout
(`layout.Layout`: one node, or the replicas of a named cluster), so one set of migration
files serves chDB, a server, ClickHouse Cloud and a self-managed cluster.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from clickhouse_connect.driver.exceptions import DatabaseError

from netra_analytics.layout import Layout

MIGRATIONS = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BOOKKEEPING = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, applied_at DateTime DEFAULT now()) "
    "ENGINE = MergeTree ORDER BY version"
)


def migrate(client, wait_seconds: float = 120.0, cluster: str | None = None) -> list[int]:
    """Apply pending migrations in order; returns the versions applied now.

    Several instances start at once in GCP (the API and the consumer, each scaled out):
    each migration is claimed first by creating its claim table, which only one of them
    can do (on a cluster the DDL queue orders the claims, so every replica agrees on the
    winner); the others wait until it is recorded as applied. A claim without its version
    recorded after `wait_seconds` (an instance died mid-migration) stops start-up with
    its name, for a person to look at. `cluster`: the cluster whose replicas hold the
    warehouse (CLICKHOUSE_CLUSTER), None on one node.
    """
    layout = Layout(cluster)
    if not _check_layout(client, layout):
        # Only while it is missing: on a cluster every DDL waits for every replica, and an
        # instance must start while one is down.
        client.command(layout.render(BOOKKEEPING))
    applied = _applied(client)  # read once: a version applied stays applied
    done = []
    for path in sorted(MIGRATIONS.iterdir()):
        found = _NAME.match(path.name)
        if not found or int(found.group(1)) in applied:
            continue
        version = int(found.group(1))
        if not _claim(client, version, layout):
            _wait_applied(client, version, wait_seconds)
            continue
        if version in _applied(client):  # applied between our first look and the claim
            continue
        for statement in _statements(path.read_text()):
            client.command(layout.render(statement))
        client.insert("schema_migrations", [[version]], column_names=["version"])
        done.append(version)
    return done


def _check_layout(client, layout: Layout) -> bool:
    """Stop before any DDL where the layout cannot be the warehouse's; whether the warehouse
    has its bookkeeping table yet.

    The bookkeeping table's engine records the layout a warehouse was created with: tables
    made on one node are not replicated, and naming a cluster later would only add replicas
    of the tables to come. A Replicated database (ClickHouse Cloud's) replicates DDL itself
    and takes no `ON CLUSTER`.
    """
    if layout.cluster is not None and _engine(client, "databases", "name = currentDatabase()") == "Replicated":
        raise RuntimeError(
            f"the warehouse database replicates its DDL itself (ENGINE = Replicated, as on ClickHouse Cloud): "
            f"leave CLICKHOUSE_CLUSTER unset instead of {layout.cluster!r}"
        )
    bookkeeping = _engine(client, "tables", "database = currentDatabase() AND name = 'schema_migrations'")
    if bookkeeping and layout.cluster is not None and not bookkeeping.startswith("Replicated"):
        raise RuntimeError(
            f"the warehouse was created on one node (schema_migrations is {bookkeeping}), its tables are not "
            f"replicated: cluster {layout.cluster!r} needs a warehouse created on it (ADR 0013)"
        )
    if bookkeeping.startswith("Replicated") and layout.cluster is None:
        raise RuntimeError(
            f"the warehouse was created on a cluster (schema_migrations is {bookkeeping}): set CLICKHOUSE_CLUSTER"
        )
    return bool(bookkeeping)


def _engine(client, system_table: str, where: str) -> str:
    """The engine of a system.databases or system.tables row ('' when there is none)."""
    rows = client.query(f"SELECT engine FROM system.{system_table} WHERE {where}").result_rows
    return rows[0][0] if rows else ""


def _applied(client) -> set[int]:
    return {row[0] for row in client.query("SELECT version FROM schema_migrations").result_rows}


def _claim(client, version: int, layout: Layout) -> bool:
    try:
        client.command(
            layout.render(
                f"CREATE TABLE schema_migration_claim_{version:04d} (at DateTime DEFAULT now()) "
                "ENGINE = MergeTree ORDER BY tuple()"
            )
        )
    except DatabaseError as exc:
        # On a cluster the error comes back from the replicas, its code named in the text.
        if "TABLE_ALREADY_EXISTS" in str(exc) or getattr(exc, "code", None) == 57:
            return False
        raise
    return True


def _wait_applied(client, version: int, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while version not in _applied(client):
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"warehouse migration {version} was claimed (schema_migration_claim_{version:04d}) "
                f"but not recorded as applied within {wait_seconds:.0f} s"
            )
        time.sleep(0.5)


def _statements(sql: str) -> list[str]:
    """The statements of a migration file: separated by a ';' that ends a line."""
    parts = re.split(r";[ \t]*$", sql, flags=re.MULTILINE)
    code = (re.sub(r"--[^\n]*", "", part).strip() for part in parts)
    return [part.strip() for part, text in zip(parts, code, strict=False) if text]
