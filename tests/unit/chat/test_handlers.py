"""The chat routes and service on in-memory collaborators: one request at a time through the
real router (admission, parsing, the refusal table), the platform left out."""

from __future__ import annotations

import json

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared_lib.auth import InvalidToken
from shared_lib.contracts import tickets, topics
from shared_lib.errors import Invalid
from tests.unit.chat.fakes import ADA, BOB, api_key_headers, bearer, chat_service

from netra_chat import routes
from netra_chat.service import MAX_TEXT, monthly_budget


@pytest.fixture
def service():
    return chat_service()


def call(service, method: str, path: str, body=None, headers=None, raw: bytes | None = None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    environ = EnvironBuilder(
        path=path,
        method=method,
        data=data,
        headers=headers or {},
        content_type="application/json" if data is not None else None,
    ).get_environ()
    answer, status, answer_headers = routes.dispatch(Request(environ), lambda: service)
    return status, (json.loads(answer) if answer else None), answer_headers


def code(answer) -> str:
    return answer[1]["error"]["code"]


def thread_of(service, user=ADA, title="Costs") -> str:
    return call(service, "POST", "/api/threads", {"title": title}, bearer(user))[1]["thread_id"]


def test_every_route_has_exactly_one_handler():
    routed = {(endpoint, method) for _, endpoint, methods in routes.ROUTER.routes for method in methods}
    assert routed == set(routes.HANDLERS)


def test_an_anonymous_caller_learns_nothing_about_the_body(service):
    for method, path in [
        ("POST", "/api/threads/t-1/messages"),
        ("PUT", "/api/settings"),
        ("PATCH", "/api/threads/t-1"),
    ]:
        status, answer, headers = call(service, method, path, raw=b"{not json")
        assert (status, answer["error"]["code"]) == (401, "missing_token")
        assert headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_an_org_api_key_is_not_a_chat_caller(service):
    assert code(call(service, "POST", "/api/ws-ticket", headers=api_key_headers())) == "api_key_not_accepted"


def test_a_thread_is_its_owners_only(service):
    thread_id = thread_of(service, title="  Spend   by  model ")
    assert call(service, "GET", f"/api/threads/{thread_id}", headers=bearer(ADA))[1]["title"] == "Spend by model"
    assert call(service, "GET", f"/api/threads/{thread_id}", headers=bearer(BOB))[:2] == (
        404,
        {"error": {"code": "not_found", "message": "no such thread or run"}},
    )
    assert call(service, "DELETE", f"/api/threads/{thread_id}", headers=bearer(BOB))[0] == 404
    assert call(service, "DELETE", f"/api/threads/{thread_id}", headers=bearer(ADA))[0] == 204
    assert call(service, "GET", f"/api/threads/{thread_id}", headers=bearer(ADA))[0] == 404


def test_an_untitled_thread_and_a_blank_rename(service):
    status, thread, _ = call(service, "POST", "/api/threads", headers=bearer(ADA))
    assert (status, thread["title"]) == (201, "")
    assert (
        code(call(service, "PATCH", f"/api/threads/{thread['thread_id']}", {"title": "   "}, bearer(ADA)))
        == "invalid_field"
    )
    assert code(call(service, "POST", "/api/threads", {"title": "x" * 201}, bearer(ADA))) == "invalid_field"


def test_a_rename_tells_the_users_other_tabs(service):
    thread_id = thread_of(service)
    call(service, "PATCH", f"/api/threads/{thread_id}", {"title": "Renamed"}, bearer(ADA))
    [event] = service.publisher.to(topics.CLIENT_EVENTS)
    assert (event["type"], event["payload"]["thread"]["title"]) == ("thread_updated", "Renamed")


def test_threads_page_by_cursor_and_refuse_anothers_cursor(service):
    ids = [thread_of(service, title=f"t{i}") for i in range(3)]
    status, first, _ = call(service, "GET", "/api/threads?limit=2", headers=bearer(ADA))
    assert (status, [t["thread_id"] for t in first["threads"]], first["next_cursor"]) == (200, ids[:0:-1], ids[1])
    rest = call(service, "GET", f"/api/threads?limit=2&cursor={first['next_cursor']}", headers=bearer(ADA))[1]
    assert ([t["thread_id"] for t in rest["threads"]], rest["next_cursor"]) == ([ids[0]], None)
    assert code(call(service, "GET", f"/api/threads?cursor={ids[0]}", headers=bearer(BOB))) == "invalid_cursor"
    assert code(call(service, "GET", "/api/threads?limit=201", headers=bearer(ADA))) == "invalid_limit"


def test_a_message_is_stored_then_queued_for_the_agents_with_their_own_token(service):
    thread_id = thread_of(service)
    status, posted, _ = call(
        service,
        "POST",
        f"/api/threads/{thread_id}/messages",
        {"text": "Why did spend rise?"},
        {**bearer(ADA), "Idempotency-Key": "k-1"},
    )
    assert status == 202
    [request] = service.publisher.to(topics.AGENT_REQUESTS)
    assert request == {
        "run_id": posted["run_id"],
        "thread_id": thread_id,
        "message_id": posted["message_id"],
        "user_id": "ada",
        "org_id": "org-a",
        "delegated_token": "delegated-ada",
        "delegated_expires_in": 3600,
    }
    assert service.delegate.asked == ["ada"]  # the caller's own access token, exchanged once
    assert service.store.runs[posted["run_id"]]["published"] is True
    assert [e["type"] for e in service.publisher.to(topics.CLIENT_EVENTS)] == ["message_created"]


def test_a_replayed_post_answers_the_same_ids_and_queues_nothing_new(service):
    thread_id = thread_of(service)
    headers = {**bearer(ADA), "Idempotency-Key": "k-1"}
    first = call(service, "POST", f"/api/threads/{thread_id}/messages", {"text": "hi"}, headers)[1]
    again = call(service, "POST", f"/api/threads/{thread_id}/messages", {"text": "hi"}, headers)[1]
    assert first == again and len(service.publisher.to(topics.AGENT_REQUESTS)) == 1
    other = thread_of(service)
    assert call(service, "POST", f"/api/threads/{other}/messages", {"text": "hi"}, headers)[:2] == (
        409,
        {"error": {"code": "idempotency_key_reused", "message": "this Idempotency-Key was used for another thread"}},
    )


def test_a_message_that_cannot_be_queued_is_a_503_and_a_retry_queues_it(service):
    thread_id = thread_of(service)
    headers = {**bearer(ADA), "Idempotency-Key": "k-2"}
    service.publisher.down = True
    assert call(service, "POST", f"/api/threads/{thread_id}/messages", {"text": "hi"}, headers)[0] == 503
    service.publisher.down = False
    status, posted, _ = call(service, "POST", f"/api/threads/{thread_id}/messages", {"text": "hi"}, headers)
    assert status == 202 and [r["run_id"] for r in service.publisher.to(topics.AGENT_REQUESTS)] == [posted["run_id"]]


def test_a_refused_delegation_saves_nothing_and_says_when_to_retry(service):
    thread_id = thread_of(service)
    service.delegate.refusal = InvalidToken("rate_limited", "slow down", retry_after=12)
    status, answer, headers = call(service, "POST", f"/api/threads/{thread_id}/messages", {"text": "hi"}, bearer(ADA))
    assert (status, answer["error"]["code"], headers["Retry-After"]) == (429, "rate_limited", "12")
    service.delegate.refusal = InvalidToken("keys_unavailable", "auth is down")
    assert (
        code(call(service, "POST", f"/api/threads/{thread_id}/messages", {"text": "hi"}, bearer(ADA)))
        == "delegation_unavailable"
    )
    assert service.store.messages_by_thread[thread_id] == [] and service.publisher.to(topics.AGENT_REQUESTS) == []


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("   ", None, "invalid_field"),
        ("x" * (MAX_TEXT + 1), None, "text_too_long"),
        ("hi", "caf\u00e9", "invalid_idempotency_key"),
    ],
)
def test_bad_messages_are_refused_before_anything_is_stored(service, text, key, expected):
    thread_id = thread_of(service)
    headers = {**bearer(ADA), **({"Idempotency-Key": key} if key else {})}
    assert code(call(service, "POST", f"/api/threads/{thread_id}/messages", {"text": text}, headers)) == expected
    assert service.store.messages_by_thread[thread_id] == [] and service.delegate.asked == []


def test_a_run_is_its_users_only(service):
    thread_id = thread_of(service)
    run_id = call(service, "POST", f"/api/threads/{thread_id}/messages", {"text": "hi"}, bearer(ADA))[1]["run_id"]
    assert call(service, "GET", f"/api/runs/{run_id}", headers=bearer(ADA))[1]["status"] == "pending"
    assert call(service, "GET", f"/api/runs/{run_id}", headers=bearer(BOB))[0] == 404


def test_a_socket_ticket_holds_the_callers_session_for_the_tickets_lifetime(service):
    status, answer, _ = call(service, "POST", "/api/ws-ticket", headers=bearer(ADA))
    stored, ttl = service.redis.values[tickets.key(answer["ticket"])]
    assert (status, answer["expires_in"], ttl) == (200, tickets.TTL_SECONDS, tickets.TTL_SECONDS)
    assert json.loads(stored) == {"user_id": "ada", "org_id": "org-a", "session_id": "s-ada"}


def test_the_orgs_budget_is_set_exactly_and_cleared_with_null(service):
    assert (
        call(service, "PUT", "/api/settings", {"monthly_budget_usd": "1500"}, bearer(ADA))[1]["monthly_budget_usd"]
        == "1500.00"
    )
    assert call(service, "GET", "/api/settings", headers=bearer(ADA))[1]["monthly_budget_usd"] == "1500.00"
    assert call(service, "GET", "/api/settings", headers=bearer(BOB))[1]["monthly_budget_usd"] is None  # another org
    assert (
        call(service, "PUT", "/api/settings", {"monthly_budget_usd": None}, bearer(ADA))[1]["monthly_budget_usd"]
        is None
    )
    assert code(call(service, "PUT", "/api/settings", {}, bearer(ADA))) == "missing_field"
    assert code(call(service, "PUT", "/api/settings", {"monthly_budget_usd": "-1"}, bearer(ADA))) == "invalid_budget"


@pytest.mark.parametrize(
    ("given", "expected"), [("0", "0.00"), ("12.5", "12.50"), (" 1000000000 ", "1000000000.00"), (None, None)]
)
def test_a_budget_is_an_exact_two_place_decimal(given, expected):
    assert monthly_budget(given) == expected


@pytest.mark.parametrize("given", ["1000000000.01", "1.234", "1e3", "", 1500])
def test_a_budget_out_of_range_or_shape_is_invalid(given):
    with pytest.raises(Invalid):
        monthly_budget(given)
