"""When no server answers on the default port, the platform starts embedded ones from wheels."""

from __future__ import annotations

import redis as redis_lib

from emulators.platform.datastores import LOCAL_DATABASE, resolve_postgres, resolve_redis
from emulators.platform.processes import free_port, pid_alive
from emulators.platform.workspace import Workspace
from shared_lib.clients.postgres import connection_factory
from shared_lib.config import load_settings


def test_embedded_postgres_starts_serves_the_netra_database_and_stops(tmp_path):
    ws = Workspace(tmp_path)
    store = resolve_postgres(ws, {}, default_port=free_port())
    try:
        assert store.origin == "embedded"
        connection = connection_factory(load_settings({"DATABASE_URL": store.url}))()
        cursor = connection.cursor()
        cursor.execute("SELECT current_database()")
        assert cursor.fetchone()[0] == LOCAL_DATABASE
        connection.close()
        postmaster = store.process.detached_pids[0]
        assert pid_alive(postmaster)
    finally:
        store.process.stop()
    assert not pid_alive(postmaster) and not pid_alive(store.process.pid)


def test_embedded_redis_starts_and_stops(tmp_path):
    ws = Workspace(tmp_path)
    store = resolve_redis(ws, {}, default_port=free_port())
    try:
        assert store.origin == "embedded"
        assert redis_lib.Redis.from_url(store.url).ping()
    finally:
        store.process.stop()
    assert not pid_alive(store.process.pid)


def test_a_configured_url_wins_and_starts_nothing(tmp_path):
    store = resolve_redis(Workspace(tmp_path), {"REDIS_URL": "redis://example.invalid:6379/0"})
    assert (store.origin, store.url, store.process) == ("configured", "redis://example.invalid:6379/0", None)
