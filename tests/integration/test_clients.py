"""The client factories against real servers: PostgreSQL, Redis, ClickHouse (chDB)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from shared_lib.clients.clickhouse import clickhouse_client
from shared_lib.clients.postgres import connection_factory
from shared_lib.config import ConfigError, load_settings
from shared_lib.idempotency import EventInFlight, IdempotencyGuard
from tests.conftest import TEST_DATABASE_URL

SOCKET_DIR = Path("/var/run/postgresql")


def _select_one(dsn: str) -> int:
    connection = connection_factory(load_settings({"DATABASE_URL": dsn}))()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT 40 + 2")
        return cursor.fetchone()[0]
    finally:
        connection.close()


def test_postgres_over_tcp():
    assert _select_one(TEST_DATABASE_URL) == 42


@pytest.mark.skipif(not (SOCKET_DIR / ".s.PGSQL.5432").exists(), reason="no PostgreSQL socket in /var/run/postgresql")
def test_postgres_over_a_unix_socket_ignores_ssl_parameters():
    assert _select_one(f"postgresql://postgres@/test?host={SOCKET_DIR}&sslmode=require") == 42


def test_clickhouse_embedded_chdb(tmp_path):
    client = clickhouse_client(load_settings({"CLICKHOUSE_DSN": f"chdb://{tmp_path / 'ch'}"}))
    client.command("CREATE TABLE calls (id String, cost Decimal(18, 9)) ENGINE = MergeTree ORDER BY id")
    client.insert("calls", [["a", "0.0075"], ["b", "0.0025"]], column_names=["id", "cost"])
    assert str(client.query("SELECT sum(cost) FROM calls").result_rows[0][0]) == "0.010000000"


@pytest.mark.parametrize("dsn", ["clickhouse://x", "chdb://relative/path"])
def test_clickhouse_dsn_is_checked_before_connecting(dsn):
    with pytest.raises(ConfigError):
        clickhouse_client(load_settings({"CLICKHOUSE_DSN": dsn}))


class TestIdempotencyGuard:
    def test_first_delivery_works_later_ones_are_no_ops(self, redis, unique):
        guard = IdempotencyGuard(redis, f"t-{unique}")
        runs = []
        for _ in range(3):
            with guard.once("evt-1") as first:
                if first:
                    runs.append(1)
        assert runs == [1]
        assert guard.is_done("evt-1")

    def test_a_failed_delivery_releases_its_claim_for_the_retry(self, redis, unique):
        guard = IdempotencyGuard(redis, f"t-{unique}")
        with pytest.raises(RuntimeError), guard.once("evt-2") as first:
            assert first
            raise RuntimeError("handler failed")
        assert not guard.is_done("evt-2")
        with guard.once("evt-2") as first:
            assert first

    def test_a_concurrent_delivery_is_told_to_retry_later(self, redis, unique):
        guard = IdempotencyGuard(redis, f"t-{unique}")
        inside, release = threading.Event(), threading.Event()
        outcome = {}

        def slow_delivery():
            with guard.once("evt-3") as first:
                outcome["first"] = first
                inside.set()
                release.wait(5)

        worker = threading.Thread(target=slow_delivery)
        worker.start()
        assert inside.wait(5)
        with pytest.raises(EventInFlight):
            with guard.once("evt-3"):
                pass
        release.set()
        worker.join(5)
        assert outcome == {"first": True} and guard.is_done("evt-3")

    def test_a_crashed_delivery_frees_the_event_when_its_lease_expires(self, redis, unique):
        guard = IdempotencyGuard(redis, f"t-{unique}", lease_seconds=1)
        redis.set(f"idem:t-{unique}:evt-4", "claim:crashed", ex=1)  # a holder that never finished
        with pytest.raises(EventInFlight):
            with guard.once("evt-4"):
                pass
        import time

        time.sleep(1.2)
        with guard.once("evt-4") as first:
            assert first
