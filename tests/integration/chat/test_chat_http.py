"""The chat function over HTTP, on the Firestore and Pub/Sub emulators and Redis."""

from __future__ import annotations

import json

import httpx
import jwt
import pytest

from shared_lib.clients.pubsub import subscriber_client, subscription_path
from tests.helpers import bearer, dev_login, eventually


@pytest.fixture
def user(http, auth_url, unique):
    tokens = dev_login(http, auth_url, f"chat-{unique}@example.com")
    return {**tokens, "headers": bearer(tokens["access_token"])}


@pytest.fixture
def stranger(http, auth_url, unique):
    tokens = dev_login(http, auth_url, f"stranger-{unique}@example.com")
    return {**tokens, "headers": bearer(tokens["access_token"])}


def pulled(settings, subscription: str, match, timeout: float = 20.0) -> list[dict]:
    """Messages on a probe subscription that `match`, acknowledging them; others are left."""
    subscriber = subscriber_client(settings)
    path = subscription_path(settings, subscription)

    def pull() -> list[dict]:
        found = []
        response = subscriber.pull(request={"subscription": path, "max_messages": 50}, timeout=5)
        for received in response.received_messages:
            body = json.loads(received.message.data)
            if match(body):
                found.append(body)
                subscriber.acknowledge(request={"subscription": path, "ack_ids": [received.ack_id]})
            else:
                subscriber.modify_ack_deadline(
                    request={"subscription": path, "ack_ids": [received.ack_id], "ack_deadline_seconds": 0}
                )
        return found

    return eventually(pull, timeout, interval=0, what=f"a matching message on {subscription}")


def test_thread_lifecycle(http, chat_url, user):
    created = http.post(f"{chat_url}/api/threads", json={"title": "  Cut   costs  "}, headers=user["headers"])
    assert created.status_code == 201
    thread = created.json()
    assert thread["title"] == "Cut costs" and thread["message_count"] == 0
    assert http.get(f"{chat_url}/api/threads/{thread['thread_id']}", headers=user["headers"]).json() == thread
    renamed = http.patch(
        f"{chat_url}/api/threads/{thread['thread_id']}", json={"title": "Q3 spend"}, headers=user["headers"]
    )
    assert renamed.json()["title"] == "Q3 spend"
    assert http.delete(f"{chat_url}/api/threads/{thread['thread_id']}", headers=user["headers"]).status_code == 204
    gone = http.get(f"{chat_url}/api/threads/{thread['thread_id']}", headers=user["headers"])
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


def test_a_null_title_is_an_untitled_thread(http, chat_url, user):
    created = http.post(f"{chat_url}/api/threads", json={"title": None}, headers=user["headers"])
    assert created.status_code == 201 and created.json()["title"] == ""


def test_head_is_as_safe_as_get(http, chat_url, user):
    """HEAD reached the handlers as "not GET": HEAD /api/threads created a thread and
    HEAD /api/threads/{id} deleted one."""
    thread = http.post(f"{chat_url}/api/threads", json={"title": "keep"}, headers=user["headers"]).json()
    before = http.get(f"{chat_url}/api/threads", headers=user["headers"]).json()["threads"]
    for path in ("/api/threads", f"/api/threads/{thread['thread_id']}", f"/api/threads/{thread['thread_id']}/messages"):
        head = http.head(f"{chat_url}{path}", headers=user["headers"])
        assert head.status_code == 200 and head.content == b"", (path, head.status_code)
    assert http.get(f"{chat_url}/api/threads", headers=user["headers"]).json()["threads"] == before


def test_threads_page_newest_first_with_a_cursor(http, chat_url, user):
    ids = [
        http.post(f"{chat_url}/api/threads", json={"title": f"t{i}"}, headers=user["headers"]).json()["thread_id"]
        for i in range(5)
    ]
    first = http.get(f"{chat_url}/api/threads?limit=2", headers=user["headers"]).json()
    second = http.get(f"{chat_url}/api/threads?limit=2&cursor={first['next_cursor']}", headers=user["headers"]).json()
    third = http.get(f"{chat_url}/api/threads?limit=2&cursor={second['next_cursor']}", headers=user["headers"]).json()
    seen = [t["thread_id"] for page in (first, second, third) for t in page["threads"]]
    assert seen == list(reversed(ids)) and third["next_cursor"] is None


def test_posting_a_message_stores_it_creates_a_run_and_queues_it(http, chat_url, user, settings):
    thread = http.post(f"{chat_url}/api/threads", json={}, headers=user["headers"]).json()
    answer = http.post(
        f"{chat_url}/api/threads/{thread['thread_id']}/messages",
        json={"text": "Where does my LLM spend go?"},
        headers=user["headers"],
    )
    assert answer.status_code == 202
    ids = answer.json()
    messages = http.get(f"{chat_url}/api/threads/{thread['thread_id']}/messages", headers=user["headers"]).json()[
        "messages"
    ]
    assert [(m["message_id"], m["text"], m["run_id"]) for m in messages] == [
        (ids["message_id"], "Where does my LLM spend go?", ids["run_id"])
    ]
    assert (
        http.get(f"{chat_url}/api/threads/{thread['thread_id']}", headers=user["headers"]).json()["title"]
        == "Where does my LLM spend go?"
    )
    run = http.get(f"{chat_url}/api/runs/{ids['run_id']}", headers=user["headers"]).json()
    assert (
        run["status"] in ("pending", "running", "completed") and run["thread_id"] == thread["thread_id"]
    )  # the agents run it

    [request] = pulled(settings, "agent-requests-probe", lambda body: body.get("run_id") == ids["run_id"])
    token, expires_in = request.pop("delegated_token"), request.pop("delegated_expires_in")
    assert request == {
        "run_id": ids["run_id"],
        "thread_id": thread["thread_id"],
        "message_id": ids["message_id"],
        "user_id": user["user"]["user_id"],
        "org_id": user["user"]["org_id"],
    }
    # The agents' read-only token for this run: the user's, delegated, an hour at most.
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["typ"], claims["sub"], claims["permissions"], claims["act"]) == (
        "delegated",
        user["user"]["user_id"],
        ["usage:read"],
        {"sub": "agents"},
    )
    assert 0 < expires_in <= 3600
    events = pulled(settings, "client-events-probe", lambda body: body.get("run_id") == ids["run_id"])
    assert events[0]["type"] == "message_created" and events[0]["user_id"] == user["user"]["user_id"]
    assert events[0]["payload"]["message"]["text"] == "Where does my LLM spend go?"


def test_a_retried_post_with_the_same_idempotency_key_creates_nothing_new(http, chat_url, user, unique, settings):
    thread = http.post(f"{chat_url}/api/threads", json={}, headers=user["headers"]).json()
    url = f"{chat_url}/api/threads/{thread['thread_id']}/messages"
    headers = {**user["headers"], "Idempotency-Key": f"key-{unique}"}
    first = http.post(url, json={"text": "hello"}, headers=headers).json()
    again = http.post(url, json={"text": "hello"}, headers=headers).json()
    assert first == again
    assert len(http.get(url, headers=user["headers"]).json()["messages"]) == 1
    assert len(pulled(settings, "agent-requests-probe", lambda body: body.get("run_id") == first["run_id"])) == 1
    other = http.post(f"{chat_url}/api/threads", json={}, headers=user["headers"]).json()
    reused = http.post(f"{chat_url}/api/threads/{other['thread_id']}/messages", json={"text": "hello"}, headers=headers)
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"


def test_a_burst_of_posts_to_one_thread_is_stored_whole(http, chat_url, user, unique):
    """Once half of 10 concurrent posts answered 500: each read-locked the thread in a
    transaction and ran out of retries."""
    import concurrent.futures

    thread = http.post(f"{chat_url}/api/threads", json={}, headers=user["headers"]).json()
    url = f"{chat_url}/api/threads/{thread['thread_id']}/messages"

    def post(i: int):
        with httpx.Client(timeout=60) as client:
            key = {"Idempotency-Key": f"burst-{unique}-{i % 6}"}  # 6 distinct messages, 4 of them sent twice
            return client.post(url, json={"text": f"question {i % 6}"}, headers={**user["headers"], **key})

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(post, range(10)))
    assert [a.status_code for a in answers] == [202] * 10, [a.text[:200] for a in answers if a.status_code != 202]
    ids = {i % 6: set() for i in range(10)}
    for i, answer in enumerate(answers):
        ids[i % 6].add((answer.json()["message_id"], answer.json()["run_id"]))
    assert all(len(pair) == 1 for pair in ids.values()), ids  # a repeated key answers the first post's ids
    messages = http.get(url, headers=user["headers"]).json()["messages"]
    assert sorted(m["text"] for m in messages) == [f"question {i}" for i in range(6)]
    assert (
        http.get(f"{chat_url}/api/threads/{thread['thread_id']}", headers=user["headers"]).json()["message_count"] == 6
    )


def test_another_users_thread_and_run_are_404(http, chat_url, user, stranger):
    thread = http.post(f"{chat_url}/api/threads", json={}, headers=user["headers"]).json()
    ids = http.post(
        f"{chat_url}/api/threads/{thread['thread_id']}/messages", json={"text": "mine"}, headers=user["headers"]
    ).json()
    for method, path, kwargs in [
        ("get", f"/api/threads/{thread['thread_id']}", {}),
        ("patch", f"/api/threads/{thread['thread_id']}", {"json": {"title": "theirs"}}),
        ("delete", f"/api/threads/{thread['thread_id']}", {}),
        ("get", f"/api/threads/{thread['thread_id']}/messages", {}),
        ("post", f"/api/threads/{thread['thread_id']}/messages", {"json": {"text": "hi"}}),
        ("get", f"/api/runs/{ids['run_id']}", {}),
    ]:
        response = getattr(http, method)(f"{chat_url}{path}", headers=stranger["headers"], **kwargs)
        assert response.status_code == 404, (method, path, response.text)
    assert http.get(f"{chat_url}/api/threads/{thread['thread_id']}", headers=user["headers"]).status_code == 200
    foreign_cursor = http.get(f"{chat_url}/api/threads?cursor={thread['thread_id']}", headers=stranger["headers"])
    assert foreign_cursor.status_code == 400 and foreign_cursor.json()["error"]["code"] == "invalid_cursor"
    assert [
        t["thread_id"] for t in http.get(f"{chat_url}/api/threads", headers=stranger["headers"]).json()["threads"]
    ] == []


def test_a_ws_ticket_is_single_use_material_for_the_relay(http, chat_url, user, redis):
    answer = http.post(f"{chat_url}/api/ws-ticket", headers=user["headers"]).json()
    assert answer["expires_in"] == 60 and len(answer["ticket"]) >= 40
    stored = json.loads(redis.get(f"ws-ticket:{answer['ticket']}"))
    # The session lets the relay refuse the ticket, and close its sockets, once the session is revoked.
    assert stored == {
        "user_id": user["user"]["user_id"],
        "org_id": user["user"]["org_id"],
        "session_id": stored["session_id"],
    }
    assert stored["session_id"]
    assert 0 < redis.ttl(f"ws-ticket:{answer['ticket']}") <= 60


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        (
            "post",
            "/messages",
            {"content": b"{bad", "headers": {"Content-Type": "application/json"}},
            400,
            "malformed_json",
        ),
        (
            "post",
            "/messages",
            {"content": b"text=hi", "headers": {"Content-Type": "text/plain"}},
            415,
            "unsupported_media_type",
        ),
        ("post", "/messages", {"json": {"text": 5}}, 400, "invalid_field"),
        ("post", "/messages", {"json": {}}, 400, "missing_field"),
        ("post", "/messages", {"json": {"text": "   "}}, 400, "invalid_field"),
        ("post", "/messages", {"json": {"text": "x" * 10_001}}, 400, "text_too_long"),
        ("post", "/messages", {"json": {"text": "x" * 70_000}}, 413, "payload_too_large"),
        (
            "post",
            "/messages",
            {"json": {"text": "hi"}, "headers": {"Idempotency-Key": "k" * 201}},
            400,
            "invalid_idempotency_key",
        ),
        ("patch", "", {"json": {"title": ""}}, 400, "invalid_field"),
        ("patch", "", {"json": {"name": "x"}}, 400, "unknown_field"),
        ("get", "/messages?limit=0", {}, 400, "invalid_limit"),
        ("get", "/messages?limit=abc", {}, 400, "invalid_limit"),
    ],
)
def test_bad_input_gets_a_json_4xx(http, chat_url, user, method, path, kwargs, status, code):
    thread = http.post(f"{chat_url}/api/threads", json={}, headers=user["headers"]).json()
    headers = {**user["headers"], **kwargs.pop("headers", {})}
    response = getattr(http, method)(f"{chat_url}/api/threads/{thread['thread_id']}{path}", headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_unknown_thread_and_bad_tokens_are_refused(http, chat_url, auth_url, user, unique):
    assert http.get(f"{chat_url}/api/threads/nope", headers=user["headers"]).status_code == 404
    assert http.get(f"{chat_url}/api/threads").json()["error"]["code"] == "missing_token"
    assert http.get(f"{chat_url}/api/threads", headers=bearer("garbage")).json()["error"]["code"] == "malformed_token"
    assert (
        http.get(f"{chat_url}/api/threads", headers=bearer(user["refresh_token"])).json()["error"]["code"]
        == "wrong_token_type"
    )
    other = dev_login(http, auth_url, f"revoked-{unique}@example.com")
    http.post(f"{auth_url}/auth/logout", headers=bearer(other["access_token"]))
    revoked = http.get(f"{chat_url}/api/threads", headers=bearer(other["access_token"]))
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "token_revoked"
