"""Versioned SQL migrations for the auth schema, applied at start, once, under a lock.

Files `migrations/NNNN_name.sql` run in order inside one transaction each; applied
versions are recorded in `auth.schema_migrations`. A PostgreSQL advisory lock makes
concurrent cold starts wait for each other instead of racing.
"""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_ID = 0x6E657472  # "netr": the auth schema's advisory lock
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def pending(applied: set[int]) -> list[tuple[int, Path]]:
    found = []
    for path in sorted(MIGRATIONS.iterdir()):
        match = _NAME.match(path.name)
        if match and int(match.group(1)) not in applied:
            found.append((int(match.group(1)), path))
    return found


def migrate(connect) -> list[int]:
    """Apply every pending migration; returns the versions applied now."""
    connection = connect()
    connection.autocommit = True
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
        try:
            cursor.execute("CREATE SCHEMA IF NOT EXISTS auth")
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS auth.schema_migrations "
                "(version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            cursor.execute("SELECT version FROM auth.schema_migrations")
            applied = {row[0] for row in cursor.fetchall()}
            done = []
            for version, path in pending(applied):
                # One simple-protocol query runs as one implicit transaction: the file and
                # its bookkeeping row commit together or not at all.
                connection.execute_simple(
                    f"{path.read_text()}\n;INSERT INTO auth.schema_migrations (version) VALUES ({version:d});"
                )
                done.append(version)
            return done
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
    finally:
        connection.close()
