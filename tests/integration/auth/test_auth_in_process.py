"""The auth service built by its own bootstrap, in-process, on the real PostgreSQL, Redis
and Secret Manager emulator: rate limits, dev-login gating, migrations, refresh races."""

from __future__ import annotations

import dataclasses
import json
import threading
from urllib.parse import urlencode

import flask
import pytest

from shared_lib.clients.postgres import connection_factory
from shared_lib.config import load_settings
from tests.conftest import APP_CALLBACK

from netra_auth import bootstrap, routes
from netra_auth.migrate import migrate


@pytest.fixture
def build(platform):
    """`build(**env)`: the auth service from its bootstrap, a login budget of 3 a minute."""
    built = []

    def make(**extra):
        environ = {
            **platform.child_env,
            "NETRA_ENV": "test",
            "AUTH_URL": "http://auth.invalid",
            "AUTH_RATE_LIMIT_PER_MINUTE": "3",
            "AUTH_REDIRECT_ALLOWLIST": APP_CALLBACK,
            **extra,
        }
        built.append(bootstrap.build(environ))
        return built[-1]

    yield make
    for service in built:
        service.close()


@pytest.fixture
def service(build):
    return build()


# A frozen clock makes the window, and so Retry-After, exact: 1_000_000_030 s lies in the
# minute [1_000_000_020, 1_000_000_080), so the next budget opens in 50 s.
FROZEN_AT, RETRY_AFTER = 1_000_000_030, 50


def frozen_limits(service, unique):
    """The service with its real Redis limiter on a frozen clock, in a namespace of its own."""
    from shared_lib.ratelimit import RateLimiter

    limiter = RateLimiter(
        service.redis, f"auth-{unique}", service.settings.rate_limit_per_minute, 60, clock=lambda: FROZEN_AT
    )
    return dataclasses.replace(service, limiter=limiter)


def call(service, path, method="GET", ip="203.0.113.7", **kwargs):
    app = flask.Flask("auth-test")
    with app.test_request_context(path, method=method, environ_base={"REMOTE_ADDR": ip}, **kwargs):
        body, status, headers = routes.dispatch(flask.request, lambda: service)
    return status, (json.loads(body) if body else None), headers


def test_login_is_rate_limited_per_client_ip(service, unique):
    service = frozen_limits(service, unique)
    ip = "198.51.100.7"
    statuses = [
        call(service, "/auth/dev/login", "POST", ip=ip, json={"email": f"rl-{unique}@example.com"})[0] for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    status, body, headers = call(service, "/auth/dev/login", "POST", ip=ip, json={})
    assert status == 429 and body["error"]["code"] == "rate_limited" and headers["Retry-After"] == str(RETRY_AFTER)
    assert call(service, "/auth/dev/login", "POST", ip=ip + "1", json={"email": f"rl2-{unique}@example.com"})[0] == 200


def _logins(service, forwarded_for: list[str], ip: str, unique: str) -> list[int]:
    email = f"xff-{unique}@example.com"
    return [
        call(service, "/auth/dev/login", "POST", ip=ip, headers={"X-Forwarded-For": xff}, json={"email": email})[0]
        for xff in forwarded_for
    ]


def test_rotating_x_forwarded_for_gives_no_fresh_login_budget(service, unique):
    # No trusted proxy (the local default): the header is the client's own writing.
    service = frozen_limits(service, unique)
    peer = f"198.18.{int(unique[:2], 16)}.{int(unique[2:4], 16)}"
    rotating = [f"10.{n}.0.1" if n % 2 else f"10.0.0.{n}, 192.0.2.{n}" for n in range(5)]
    assert _logins(service, rotating, peer, unique) == [200, 200, 200, 429, 429]


def test_behind_one_trusted_proxy_the_entry_it_appended_is_the_client(build, unique):
    service = frozen_limits(build(TRUSTED_PROXY_HOPS="1"), unique)
    client = f"192.0.2.{int(unique[:2], 16) % 250}"
    spoofs = [f"10.0.0.{n}, {client}" for n in range(4)]  # what the client wrote, then the proxy's entry
    assert _logins(service, spoofs, "169.254.1.1", unique) == [200, 200, 200, 429]
    assert _logins(service, [f"10.0.0.1, {client}1"], "169.254.1.1", unique) == [200]


def test_behind_two_trusted_proxies_the_second_entry_from_the_right_is_the_client(build, unique):
    service = frozen_limits(build(TRUSTED_PROXY_HOPS="2"), unique)
    client = f"192.0.2.{int(unique[:2], 16) % 250}"
    # The load balancer appended the client, Google's front end the load balancer.
    forwarded = [f"10.0.0.{n}, {client}, 130.211.0.{n}" for n in range(4)]
    assert _logins(service, forwarded, "169.254.1.2", unique) == [200, 200, 200, 429]


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
    status, tokens, _ = call(
        service, "/auth/dev/login", "POST", ip=f"race-{unique}", json={"email": f"race-{unique}@example.com"}
    )
    assert status == 200
    results, barrier = [], threading.Barrier(2)

    def use():
        barrier.wait()
        results.append(
            call(
                service,
                "/auth/refresh",
                "POST",
                ip=f"race-{unique}-{threading.get_ident()}",
                json={"refresh_token": tokens["refresh_token"]},
            )
        )

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    outcomes = sorted((status, body.get("error", {}).get("code")) for status, body, _ in results)
    assert outcomes == [(200, None), (401, "refresh_token_reused")]


def test_the_audit_log_records_sign_ins_refreshes_and_reuse(service, settings, unique):
    _, tokens, _ = call(
        service, "/auth/dev/login", "POST", ip=f"audit-{unique}", json={"email": f"audit-{unique}@example.com"}
    )
    call(service, "/auth/refresh", "POST", ip=f"audit-{unique}", json={"refresh_token": tokens["refresh_token"]})
    call(service, "/auth/refresh", "POST", ip=f"audit-{unique}", json={"refresh_token": tokens["refresh_token"]})
    connection = connection_factory(load_settings({"DATABASE_URL": settings.database_url}))()
    cursor = connection.cursor()
    cursor.execute("SELECT event FROM auth.audit_log WHERE user_id = %s ORDER BY id", (tokens["user"]["user_id"],))
    assert [row[0] for row in cursor.fetchall()] == ["sign_in", "refresh", "refresh_reuse"]
    connection.close()


def test_over_https_the_sign_in_cookie_is_secure_and_scoped_to_the_public_callback_path(build):
    service = build(AUTH_PUBLIC_URL="https://functions.example/netra", OAUTH_GITHUB_CLIENT_ID="netra-github-test")
    status, _, headers = call(service, "/auth/login/github?" + urlencode({"redirect_uri": APP_CALLBACK}))
    attributes = [part.strip() for part in headers["Set-Cookie"].split(";")[1:]]
    assert status == 302 and headers["Location"].startswith("https://github.com/login/oauth/authorize?")
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/netra/auth/callback/github"} <= set(attributes)


def test_every_rate_limit_answers_429_with_retry_after_and_the_json_error(build, unique):
    service = frozen_limits(build(OAUTH_GITHUB_CLIENT_ID="netra-github-test"), unique)
    _, tokens, _ = call(
        service, "/auth/dev/login", "POST", ip="192.0.2.200", json={"email": f"limits-{unique}@example.com"}
    )
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    # Each from an address of its own: dev login and provider login share one budget.
    limited = {
        "dev login": lambda: call(
            service, "/auth/dev/login", "POST", ip="192.0.2.1", json={"email": f"limits-{unique}@example.com"}
        ),
        "login": lambda: call(
            service, "/auth/login/github?" + urlencode({"redirect_uri": APP_CALLBACK}), ip="192.0.2.2"
        ),
        "callback": lambda: call(service, "/auth/callback/github?state=unknown&code=x", ip="192.0.2.3"),
        "refresh": lambda: call(
            service, "/auth/refresh", "POST", ip="192.0.2.4", json={"refresh_token": "not-a-token"}
        ),
        "token exchange": lambda: call(
            service, "/auth/token-exchange", "POST", ip="192.0.2.5", headers=bearer, json={"scope": "usage:read"}
        ),
    }
    for name, request in limited.items():
        within = [request()[0] for _ in range(3)]
        status, body, headers = request()
        assert 429 not in within and status == 429, name
        assert headers["Retry-After"] == str(RETRY_AFTER), name
        assert headers["Content-Type"] == "application/json" and body["error"]["code"] == "rate_limited", name
        assert f"retry in {RETRY_AFTER} s" in body["error"]["message"], name


def test_the_token_exchange_client_carries_retry_after_to_the_caller(build, unique):
    # What the chat function sees when its users post faster than their exchange budget.
    import httpx

    from shared_lib.auth import InvalidToken, exchange_token

    service = frozen_limits(build(), unique)
    app = flask.Flask("auth-wsgi")
    app.add_url_rule(
        "/<path:path>", "auth", lambda path: routes.dispatch(flask.request, lambda: service), methods=["GET", "POST"]
    )
    _, tokens, _ = call(
        service, "/auth/dev/login", "POST", ip="192.0.2.201", json={"email": f"exchange-{unique}@example.com"}
    )
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://auth.invalid") as client:
        granted = [
            exchange_token("http://auth.invalid", headers, "usage:read", "agents", http=client) for _ in range(3)
        ]
        with pytest.raises(InvalidToken) as refused:
            exchange_token("http://auth.invalid", headers, "usage:read", "agents", http=client)
    assert all(grant["access_token"] for grant in granted)
    assert refused.value.code == "rate_limited" and refused.value.retry_after == RETRY_AFTER
