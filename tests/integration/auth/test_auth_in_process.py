"""The auth service built by its own bootstrap, in-process, on the real PostgreSQL, Redis
and Secret Manager emulator: rate limits, dev-login gating, migrations, refresh races."""

from __future__ import annotations

import dataclasses
import json
import threading

import flask
import pytest

from netra_auth import bootstrap, routes
from netra_auth.migrate import migrate
from shared_lib.clients.postgres import connection_factory
from shared_lib.config import load_settings
from tests.conftest import APP_CALLBACK


@pytest.fixture
def service(platform, unique):
    environ = {
        **platform.child_env,
        "NETRA_ENV": "test",
        "AUTH_URL": "http://auth.invalid",
        "AUTH_RATE_LIMIT_PER_MINUTE": "3",
        "AUTH_REDIRECT_ALLOWLIST": APP_CALLBACK,
    }
    service = bootstrap.build(environ)
    yield service
    service.close()


def call(service, path, method="GET", ip="203.0.113.7", **kwargs):
    app = flask.Flask("auth-test")
    with app.test_request_context(path, method=method, environ_base={"REMOTE_ADDR": ip}, **kwargs):
        body, status, headers = routes.dispatch(flask.request, lambda: service)
    return status, (json.loads(body) if body else None), headers


def test_login_is_rate_limited_per_client_ip(service, unique):
    ip = f"198.51.100.{int(unique[:2], 16) % 250}"
    statuses = [call(service, "/auth/dev/login", "POST", ip=ip, json={"email": f"rl-{unique}@example.com"})[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    status, body, headers = call(service, "/auth/dev/login", "POST", ip=ip, json={})
    assert status == 429 and body["error"]["code"] == "rate_limited" and 0 < int(headers["Retry-After"]) <= 60
    assert call(service, "/auth/dev/login", "POST", ip=ip + "1", json={"email": f"rl2-{unique}@example.com"})[0] == 200


def test_the_client_ip_is_the_one_googles_front_end_appended(service, unique):
    # A client cannot dodge the limit by sending its own X-Forwarded-For entries.
    spoofs = [{"X-Forwarded-For": f"10.0.0.{n}, 192.0.2.{int(unique[:2], 16) % 250}"} for n in range(4)]
    statuses = [call(service, "/auth/dev/login", "POST", headers=h, json={"email": f"xff-{unique}@example.com"})[0] for h in spoofs]
    assert statuses == [200, 200, 200, 429]


def test_dev_login_is_404_outside_local_and_test(service):
    production = dataclasses.replace(service, settings=dataclasses.replace(service.settings, dev_login=False))
    status, body, _ = call(production, "/auth/dev/login", "POST", json={"email": "a@example.com"})
    assert status == 404 and body["error"]["code"] == "not_found"


def test_migrations_are_applied_once(settings):
    connect = connection_factory(load_settings({"DATABASE_URL": settings.database_url}))
    migrate(connect)
    assert migrate(connect) == []
    connection = connect()
    cursor = connection.cursor()
    cursor.execute("SELECT count(*) FROM auth.schema_migrations")
    assert cursor.fetchone()[0] >= 1
    connection.close()


def test_concurrent_use_of_one_refresh_token_leaves_one_winner_and_revokes_the_family(service, unique):
    status, tokens, _ = call(service, "/auth/dev/login", "POST", ip=f"race-{unique}", json={"email": f"race-{unique}@example.com"})
    assert status == 200
    results, barrier = [], threading.Barrier(2)

    def use():
        barrier.wait()
        results.append(call(service, "/auth/refresh", "POST", ip=f"race-{unique}-{threading.get_ident()}",
                            json={"refresh_token": tokens["refresh_token"]}))

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    outcomes = sorted((status, body.get("error", {}).get("code")) for status, body, _ in results)
    assert outcomes == [(200, None), (401, "refresh_token_reused")]


def test_the_audit_log_records_sign_ins_refreshes_and_reuse(service, settings, unique):
    _, tokens, _ = call(service, "/auth/dev/login", "POST", ip=f"audit-{unique}", json={"email": f"audit-{unique}@example.com"})
    call(service, "/auth/refresh", "POST", ip=f"audit-{unique}", json={"refresh_token": tokens["refresh_token"]})
    call(service, "/auth/refresh", "POST", ip=f"audit-{unique}", json={"refresh_token": tokens["refresh_token"]})
    connection = connection_factory(load_settings({"DATABASE_URL": settings.database_url}))()
    cursor = connection.cursor()
    cursor.execute("SELECT event FROM auth.audit_log WHERE user_id = %s ORDER BY id", (tokens["user"]["user_id"],))
    assert [row[0] for row in cursor.fetchall()] == ["sign_in", "refresh", "refresh_reuse"]
    connection.close()
