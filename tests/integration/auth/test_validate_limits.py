"""`/auth/validate` under guessing, on the real PostgreSQL and Redis: refused validations
are budgeted per client (429 with Retry-After past it), an unknown API key is remembered in
Redis so that a miss writes nothing to PostgreSQL and a repeated miss reads nothing, and
credentials that work are never counted nor refused. In-process through the auth routes
(the budget's clock frozen, so counts and Retry-After are exact), and once over HTTP against
the running auth function."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets

import flask
import pytest

from shared_lib.auth import API_KEY_PREFIX
from shared_lib.clients.postgres import ConnectionPool, connection_factory
from shared_lib.ratelimit import RateLimiter
from tests.conftest import APP_CALLBACK
from tests.helpers import dev_login

from netra_auth import bootstrap, routes
from netra_auth.misses import MissBudget
from netra_auth.store import AuthStore

# 1_000_000_030 s lies in the minute [1_000_000_020, 1_000_000_080): the budget opens in 50 s.
FROZEN_AT, RETRY_AFTER = 1_000_000_030, 50
PER_CLIENT, PER_CALLER = 5, 12


class Statements:
    """The store's connections to the real PostgreSQL, with every statement they send noted."""

    def __init__(self, connect):
        self._connect = connect
        self.sent: list[str] = []

    def connect(self):
        return _Noting(self._connect(), self.sent)

    def verbs(self) -> list[str]:
        return [sql.split(None, 1)[0].upper() for sql in self.sent]


class _Noting:
    def __init__(self, connection, sent):
        self._connection, self._sent = connection, sent

    def cursor(self):
        return _NotingCursor(self._connection.cursor(), self._sent)

    def __getattr__(self, name):
        return getattr(self._connection, name)


class _NotingCursor:
    def __init__(self, cursor, sent):
        self._cursor, self._sent = cursor, sent

    def execute(self, sql, *args):
        self._sent.append(sql)
        return self._cursor.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._cursor, name)


@pytest.fixture
def service(platform, unique):
    """Auth from its bootstrap, its store's statements noted, its miss budget (5 a client,
    12 a caller) on a frozen clock in a namespace of its own."""
    environ = {
        **platform.child_env,
        "NETRA_ENV": "test",
        "AUTH_URL": "http://auth.invalid",
        "AUTH_REDIRECT_ALLOWLIST": APP_CALLBACK,
    }
    built = bootstrap.build(environ)
    statements = Statements(connection_factory(bootstrap.configuration(environ)[0]))

    def limiter(name, limit):
        return RateLimiter(built.redis, f"{name}-{unique}", limit, 60, clock=lambda: FROZEN_AT)

    service = dataclasses.replace(
        built,
        store=AuthStore(ConnectionPool(statements.connect)),
        misses=MissBudget(limiter("client", PER_CLIENT), limiter("caller", PER_CALLER)),
    )
    service.statements = statements
    yield service
    built.close()
    service.store.close()


def call(service, path, method="POST", ip="203.0.113.7", **kwargs):
    app = flask.Flask("auth-test")
    with app.test_request_context(path, method=method, environ_base={"REMOTE_ADDR": ip}, **kwargs):
        body, status, headers = routes.dispatch(flask.request, lambda: service)
    return status, (json.loads(body) if body else None), headers


def validate(service, token, ip, client=None):
    body = {"token": token} if client is None else {"token": token, "client_ip": client}
    return call(service, "/auth/validate", ip=ip, json=body)


def guess() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def an_address(unique: str, last: int = 1) -> str:
    return f"198.18.{int(unique[:2], 16)}.{last}"


def a_key(service, unique, **create):
    """A live API key of a new user's org, created through the route."""
    _, tokens, _ = call(service, "/auth/dev/login", ip=f"keys-{unique}", json={"email": f"keys-{unique}@example.com"})
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    status, key, _ = call(service, "/auth/api-keys", headers=bearer, json={"name": "k", **create})
    assert status == 201, key
    return key, bearer, tokens


def test_quick_guesses_past_the_client_budget_are_answered_429_with_retry_after(service, unique):
    ip = an_address(unique)
    answers = [validate(service, guess(), ip) for _ in range(PER_CLIENT + 1)]
    assert [(status, body.get("valid")) for status, body, _ in answers[:PER_CLIENT]] == [(200, False)] * PER_CLIENT
    status, body, headers = answers[-1]
    assert status == 429 and body["error"]["code"] == "rate_limited" and body["error"]["message"]
    assert headers["Retry-After"] == str(RETRY_AFTER)
    # Refused before any lookup: the last guess sent PostgreSQL nothing.
    sent = len(service.statements.sent)
    assert validate(service, guess(), ip)[0] == 429 and len(service.statements.sent) == sent
    # Another address has a budget of its own.
    assert validate(service, guess(), an_address(unique, 2))[1] == {"valid": False, "error": "invalid_api_key"}


def test_a_component_names_its_clients_and_cannot_lift_its_own_ceiling(service, unique):
    component = an_address(unique, 3)
    # One client of the component spends its own budget, not the others'.
    assert [validate(service, guess(), component, "192.0.2.1")[0] for _ in range(PER_CLIENT + 1)] == [200] * (
        PER_CLIENT
    ) + [429]
    assert validate(service, guess(), component, "192.0.2.2")[0] == 200
    # A client named by one caller is not the same client for another: naming a victim's
    # address spends nothing of the victim's budget.
    assert validate(service, guess(), an_address(unique, 4), "192.0.2.1")[0] == 200
    # However many clients it names, a caller has PER_CALLER refusals a minute in all.
    statuses = [validate(service, guess(), component, f"192.0.2.{10 + n}")[0] for n in range(PER_CALLER)]
    spent = PER_CLIENT + 1  # the five of 192.0.2.1 and the one of 192.0.2.2
    assert statuses == [200] * (PER_CALLER - spent) + [429] * spent


def test_a_miss_writes_nothing_to_postgresql_and_a_repeated_miss_reads_nothing(service, unique):
    ip, unknown = an_address(unique, 5), guess()
    assert validate(service, unknown, ip)[1] == {"valid": False, "error": "invalid_api_key"}
    assert service.statements.verbs() == ["SELECT"], service.statements.sent
    for _ in range(3):
        assert validate(service, unknown, ip)[1] == {"valid": False, "error": "invalid_api_key"}
    assert service.statements.verbs() == ["SELECT"], "a repeated miss is answered from Redis"
    # A repeated miss is still a refusal: it spends the budget like any guess.
    assert validate(service, unknown, ip)[0] == 200 and validate(service, unknown, ip)[0] == 429


def test_valid_keys_and_tokens_are_never_counted_nor_refused(service, unique):
    key, _, _ = a_key(service, unique, scopes=["usage:write"])
    ip = an_address(unique, 6)
    # Cold validations of good credentials, many more than the budget, from one address.
    for n in range(3 * PER_CLIENT):
        _, tokens, _ = call(
            service, "/auth/dev/login", ip=f"cold-{unique}-{n}", json={"email": f"cold-{unique}-{n}@example.com"}
        )
        assert validate(service, tokens["access_token"], ip)[1]["valid"] is True
        assert validate(service, key["key"], ip)[1]["permissions"] == ["usage:write"]
    # Their address spends its budget on guesses; the key it holds still works.
    assert [validate(service, guess(), ip)[0] for _ in range(PER_CLIENT + 1)] == [200] * PER_CLIENT + [429]
    assert validate(service, key["key"], ip)[1] == {
        "valid": True,
        "kind": "api_key",
        "user_id": None,
        "org_id": key_org(service, key),
        "permissions": ["usage:write"],
        "expires_at": None,
    }


def key_org(service, key) -> str:
    return service.store.api_key_by_hash(hashlib.sha256(key["key"].encode()).digest()).org_id


def test_a_key_created_after_a_miss_works_at_once_and_a_revoked_key_stops_at_once(service, unique):
    secret = guess()
    ip = an_address(unique, 7)
    assert validate(service, secret, ip)[1] == {"valid": False, "error": "invalid_api_key"}  # now known unknown
    service = dataclasses.replace(service, new_secret=lambda: secret)  # the next key created is that secret
    key, bearer, _ = a_key(service, unique)
    assert key["key"] == secret
    assert validate(service, secret, ip)[1]["valid"] is True
    assert validate(service, secret, ip)[1]["valid"] is True  # cached valid now
    assert call(service, f"/auth/api-keys/{key['id']}", "DELETE", headers=bearer)[0] == 200
    assert validate(service, secret, ip)[1] == {"valid": False, "error": "invalid_api_key"}


def test_over_http_the_running_auth_answers_a_client_past_its_budget_429(platform, http, auth_url, unique):
    budget = bootstrap.configuration({**platform.child_env, "NETRA_ENV": "test", "AUTH_URL": auth_url})[1]
    per_client = budget.validate_misses_per_minute
    # Named as a client of its own, so this test spends no budget of the suite's address.
    client = f"test-{unique}"
    statuses = []
    # A window may end midway: the budget is then spent again, within twice as many guesses.
    for _ in range(2 * per_client + 1):
        answer = http.post(f"{auth_url}/auth/validate", json={"token": guess(), "client_ip": client})
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}, statuses
    assert len(statuses) > per_client
    assert answer.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(answer.headers["Retry-After"]) <= 60
    assert answer.headers["Content-Type"].startswith("application/json")
    # The suite's own address, naming no client, still validates what is valid.
    token = dev_login(http, auth_url, f"http-limits-{unique}@example.com")["access_token"]
    assert http.post(f"{auth_url}/auth/validate", json={"token": token}).json()["valid"] is True
