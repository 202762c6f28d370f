"""The analytics routes and the HTTP-facing service methods on in-memory collaborators: who may
write and read usage (through the real Authenticator), what a read asks the warehouse, what an
accepted batch queues. The integration tests keep the real Pub/Sub, chDB and auth."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import jwt
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared_lib.auth import API_KEY_PREFIX, Authenticator, InvalidToken, Principal
from shared_lib.contracts import topics, usage_events

from netra_analytics import routes
from netra_analytics.service import AnalyticsService

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
ADA = Principal("user", "org-a", "ada", (), 2_000_000_000, session_id="s-ada")
# The agents' token for a run of Ada's: a JWT whose type picks the delegated verification.
AGENTS = jwt.encode({"typ": "delegated"}, "k" * 32, algorithm="HS256")
DELEGATED = Principal("delegated", "org-a", "ada", ("usage:read",), 2_000_000_000, session_id="s-ada")
KEYS = {f"{API_KEY_PREFIX}write": ["usage:write"], f"{API_KEY_PREFIX}read": ["usage:read"]}


class Verifier:
    def principal(self, token, token_type="access"):
        known = {("ada", "access"): ADA, (AGENTS, "delegated"): DELEGATED}
        if (token, token_type) not in known:
            raise InvalidToken("malformed_token", "the token is not a JWT")
        return known[token, token_type]


def validate(request: httpx.Request) -> httpx.Response:
    """auth's /auth/validate for the org's API keys."""
    token = json.loads(request.content)["token"]
    if token not in KEYS:
        return httpx.Response(200, json={"valid": False, "error": "invalid_api_key"})
    return httpx.Response(
        200,
        json={
            "valid": True,
            "kind": "api_key",
            "org_id": "org-a",
            "user_id": None,
            "permissions": KEYS[token],
            "expires_at": None,
        },
    )


class Warehouse:
    """Records each query's parameters and inserts; answers no rows."""

    def __init__(self):
        self.queries: list[dict] = []
        self.inserts: list[tuple[str, list]] = []

    def query(self, sql, parameters=None):
        self.queries.append(parameters or {})
        return type("Result", (), {"named_results": lambda _self: iter(()), "result_rows": []})()

    def insert(self, table, rows, column_names=None):
        self.inserts.append((table, rows))


class Publisher:
    def __init__(self):
        self.sent: list[tuple[str, bytes, dict]] = []

    def publish(self, topic, data, **attributes):
        self.sent.append((topic, data, attributes))
        return type("Done", (), {"result": lambda _self, timeout=None: "id"})()


@pytest.fixture
def service():
    http = httpx.Client(transport=httpx.MockTransport(validate))
    yield AnalyticsService(
        authenticator=Authenticator(Verifier(), "http://auth/auth/validate", http=http),
        publisher=Publisher(),
        project_id="netra-test",
        warehouse_client=Warehouse(),
        clock=lambda: NOW,
    )
    http.close()


def call(service, method, path, body=None, token=None, raw=None, content_type="application/json"):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    environ = EnvironBuilder(
        path=path, method=method, data=data, headers=headers, content_type=content_type if data is not None else None
    ).get_environ()
    answer, status, answer_headers = routes.dispatch(Request(environ), lambda: service)
    return status, (json.loads(answer) if answer else None), answer_headers


def row(event_id="e1"):
    return {
        "event_id": event_id,
        "timestamp": "2026-11-27T11:00:00Z",
        "provider": "openai",
        "model": "gpt-4o",
        "input_tokens": 1000,
        "output_tokens": 500,
    }


def test_every_route_has_exactly_one_handler():
    routed = {(endpoint, method) for _, endpoint, methods in routes.ROUTER.routes for method in methods}
    assert routed == set(routes.HANDLERS)


def test_an_accepted_batch_is_queued_under_the_callers_org(service):
    status, answer, _ = call(service, "POST", "/api/usage", [row("e1"), row("e2"), {"event_id": "bad"}], token="ada")
    assert (status, answer["accepted"], [r["index"] for r in answer["rejected"]]) == (200, 2, [2])
    [(topic, data, attributes)] = service.publisher.sent
    assert topic == topics.path("netra-test", topics.USAGE_EVENTS) and attributes == {"org_id": "org-a"}
    assert [r["event_id"] for r in usage_events.parse(usage_events.decode(data)).rows] == ["e1", "e2"]


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [
        (None, 401, "missing_token"),
        ("garbage", 401, "malformed_token"),
        (f"{API_KEY_PREFIX}read", 403, "forbidden"),  # a key made to read cannot write
        (f"{API_KEY_PREFIX}unknown", 401, "invalid_api_key"),
        (AGENTS, 401, "malformed_token"),  # the agents' token is never a writer
    ],
)
def test_who_may_not_write_usage_learns_nothing_about_the_body(service, token, status, code):
    answer = call(service, "POST", "/api/usage", raw=b"{not json", token=token)
    assert (answer[0], answer[1]["error"]["code"]) == (status, code)
    assert service.publisher.sent == []


def test_an_api_key_without_the_scope_is_told_what_it_may_not_do(service):
    answer = call(service, "GET", "/api/usage/unpriced", token=f"{API_KEY_PREFIX}write")[1]
    assert answer == {"error": {"code": "forbidden", "message": "this API key may not read usage"}}


@pytest.mark.parametrize("token", ["ada", AGENTS, f"{API_KEY_PREFIX}read"])
def test_a_user_the_agents_and_a_reading_key_read_their_orgs_usage_over_the_default_window(service, token):
    status, answer, _ = call(service, "GET", "/api/usage/unpriced", token=token)
    assert (status, answer["from"], answer["to"], answer["calls"]) == (
        200,
        "2026-10-28T12:00:00+00:00",
        NOW.isoformat(),
        0,
    )
    assert [q["org"] for q in service.warehouse_client.queries] == ["org-a"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("group_by=colour", "invalid_group_by"),
        ("from=yesterday", "invalid_range"),
        ("from=2026-12-01&to=2026-11-01", "invalid_range"),
        ("from=1999-12-31", "invalid_range"),
        ("feature=" + ",".join(f"f{i}" for i in range(51)), "invalid_filter"),
    ],
)
def test_a_summary_checks_its_parameters_before_asking_the_warehouse(service, query, code):
    status, answer, _ = call(service, "GET", f"/api/usage/summary?{query}", token="ada")
    assert (status, answer["error"]["code"]) == (400, code)
    assert service.warehouse_client.queries == []


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("interval=week", "invalid_interval"),
        ("group_by=colour", "invalid_group_by"),
        ("interval=hour&from=2026-10-01", "invalid_range"),  # hourly over more than 31 days
    ],
)
def test_a_timeseries_checks_its_parameters(service, query, code):
    assert call(service, "GET", f"/api/usage/timeseries?{query}", token="ada")[1]["error"]["code"] == code


def test_filters_repeat_or_list_names_and_reach_the_query(service):
    call(service, "GET", "/api/usage/summary?feature=chat&feature=search,chat&model=gpt-4o", token="ada")
    [parameters] = service.warehouse_client.queries
    assert sorted(v for k, v in parameters.items() if isinstance(v, list)) == [["chat", "search"], ["gpt-4o"]]


def test_only_a_signed_in_user_changes_the_orgs_model_names(service):
    key = call(service, "PUT", "/api/usage/model-names", {"aliases": {}}, token=f"{API_KEY_PREFIX}write")
    assert (key[0], key[1]["error"]["code"]) == (403, "forbidden")
    # Refused before its body is read: a key learns nothing about what it sent.
    bad = call(service, "PUT", "/api/usage/model-names", raw=b"{not json", token=f"{API_KEY_PREFIX}write")
    assert (bad[0], bad[1]["error"]["code"]) == (403, "forbidden")
    assert call(service, "PUT", "/api/usage/model-names", {"aliases": {}}, token=AGENTS)[0] == 401
    status, answer, _ = call(service, "PUT", "/api/usage/model-names", {"aliases": {"prod": "gpt-4o"}}, token="ada")
    assert (status, answer) == (200, {"aliases": {"prod": "gpt-4o"}})
    assert [(table, rows[0][:2]) for table, rows in service.warehouse_client.inserts] == [
        ("model_aliases", ["org-a", {"prod": "gpt-4o"}])
    ]
    assert (
        call(service, "PUT", "/api/usage/model-names", ["gpt-4o"], token="ada")[1]["error"]["code"] == "invalid_aliases"
    )


def test_an_unknown_import_format_is_a_400(service):
    status, answer, _ = call(service, "POST", "/api/usage/import?format=spreadsheet", raw=b"[]", token="ada")
    assert (status, answer["error"]["code"]) == (400, "wrong_format")


def test_the_consumers_push_route_exists_only_where_push_authentication_was_built(service):
    assert service.push is None
    assert call(service, "POST", "/projects/netra-test/topics/usage-events", {"message": {}})[:2] == (
        404,
        {"error": {"code": "not_found", "message": "no such route"}},
    )
