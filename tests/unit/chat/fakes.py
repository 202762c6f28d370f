"""In-memory stand-ins for the chat service's collaborators, for unit tests of its logic.
The integration tests (tests/integration/chat) check the real Firestore, Pub/Sub and Redis."""

from __future__ import annotations

import itertools
import json

from shared_lib.auth import API_KEY_PREFIX, Authenticator, InvalidToken, Principal

from netra_chat.service import ChatService
from netra_chat.store import BadCursor, KeyReused, NotFound, Posted

ADA = Principal("user", "org-a", "ada", ("usage:read",), 2_000_000_000, session_id="s-ada", email="ada@example.com")
BOB = Principal("user", "org-b", "bob", ("usage:read",), 2_000_000_000, session_id="s-bob")


class Verifier:
    """Access tokens are the user's id; anything else does not verify."""

    def __init__(self, *users: Principal):
        self._users = {user.user_id: user for user in users}

    def principal(self, token: str, token_type: str = "access") -> Principal:
        if token not in self._users:
            raise InvalidToken("malformed_token", "the token is not a JWT")
        return self._users[token]


def authenticator() -> Authenticator:
    # The real Authenticator: what it admits is what the routes ask of it.
    return Authenticator(Verifier(ADA, BOB), validate_url=None)


def bearer(user: Principal | str) -> dict[str, str]:
    return {"Authorization": f"Bearer {user if isinstance(user, str) else user.user_id}"}


class Store:
    """ChatStore's contract in memory: threads owned by a user, messages with a run each,
    an Idempotency-Key answering its first post."""

    def __init__(self):
        self.threads_by_id: dict[str, dict] = {}
        self.messages_by_thread: dict[str, list[dict]] = {}
        self.runs: dict[str, dict] = {}
        self.keys: dict[str, tuple[str, str, str]] = {}
        self._ids = itertools.count(1)

    def _id(self, kind: str) -> str:
        return f"{kind}-{next(self._ids)}"

    def _owned(self, user_id: str, thread_id: str) -> dict:
        thread = self.threads_by_id.get(thread_id)
        if thread is None or thread["user_id"] != user_id or thread["deleted"]:
            raise NotFound(thread_id)
        return thread

    def create_thread(self, user_id, org_id, title):
        thread_id = self._id("t")
        self.threads_by_id[thread_id] = {"user_id": user_id, "org_id": org_id, "title": title, "deleted": False}
        self.messages_by_thread[thread_id] = []
        return self.thread(user_id, thread_id)

    def thread(self, user_id, thread_id):
        thread = self._owned(user_id, thread_id)
        return {"thread_id": thread_id, "title": thread["title"]}

    def threads(self, user_id, limit, cursor):
        mine = [tid for tid, t in reversed(self.threads_by_id.items()) if t["user_id"] == user_id and not t["deleted"]]
        if cursor is not None:
            if cursor not in mine:
                raise BadCursor(cursor)
            mine = mine[mine.index(cursor) + 1 :]
        page = [self.thread(user_id, tid) for tid in mine[:limit]]
        return page, (page[-1]["thread_id"] if len(mine) > limit else None)

    def rename_thread(self, user_id, thread_id, title):
        self._owned(user_id, thread_id)["title"] = title
        return self.thread(user_id, thread_id)

    def delete_thread(self, user_id, thread_id):
        self._owned(user_id, thread_id)["deleted"] = True

    def messages(self, user_id, thread_id, limit, cursor):
        self._owned(user_id, thread_id)
        return self.messages_by_thread[thread_id][:limit], None

    def post_message(self, user_id, org_id, thread_id, text, idempotency_key):
        if idempotency_key in self.keys:
            known_thread, message_id, run_id = self.keys[idempotency_key]
            if known_thread != thread_id:
                raise KeyReused(idempotency_key)
            return Posted(thread_id, message_id, run_id, False, self.runs[run_id]["published"])
        self._owned(user_id, thread_id)
        message_id, run_id = self._id("m"), self._id("r")
        self.messages_by_thread[thread_id].append({"message_id": message_id, "text": text, "run_id": run_id})
        self.runs[run_id] = {
            "run_id": run_id,
            "user_id": user_id,
            "thread_id": thread_id,
            "status": "pending",
            "published": False,
        }
        if idempotency_key is not None:
            self.keys[idempotency_key] = (thread_id, message_id, run_id)
        return Posted(thread_id, message_id, run_id, True, False)

    def message(self, thread_id, message_id):
        return next(m for m in self.messages_by_thread[thread_id] if m["message_id"] == message_id)

    def mark_published(self, run_id):
        self.runs[run_id]["published"] = True

    def run(self, user_id, run_id):
        run = self.runs.get(run_id)
        if run is None or run["user_id"] != user_id:
            raise NotFound(run_id)
        return {k: v for k, v in run.items() if k != "published"}


class Published:
    def __init__(self, error: Exception | None = None):
        self._error = error

    def result(self, timeout=None):
        if self._error is not None:
            raise self._error
        return "message-id"


class Publisher:
    """Records (topic, data, attributes); `down` makes every publish fail."""

    def __init__(self):
        self.sent: list[tuple[str, bytes, dict]] = []
        self.down = False

    def publish(self, topic, data, **attributes):
        if self.down:
            return Published(RuntimeError("pubsub unavailable"))
        self.sent.append((topic, data, attributes))
        return Published()

    def to(self, topic_name: str) -> list[dict]:
        return [json.loads(data) for topic, data, _ in self.sent if topic.endswith(f"/topics/{topic_name}")]


class Redis:
    def __init__(self):
        self.values: dict[str, tuple[str, int | None]] = {}

    def set(self, key, value, ex=None):
        self.values[key] = (value, ex)


class OrgSettings:
    def __init__(self):
        self.docs: dict[str, dict] = {}

    def get(self, org_id):
        return self.docs.get(org_id, {"monthly_budget_usd": None, "updated_at": None})

    def put(self, org_id, user_id, monthly_budget_usd):
        self.docs[org_id] = {"monthly_budget_usd": monthly_budget_usd, "updated_at": "2026-11-27T00:00:00+00:00"}
        return self.docs[org_id]


class Delegation:
    """auth's token exchange: a token per access token, or the refusal it is set to give."""

    def __init__(self):
        self.asked: list[str] = []
        self.refusal: InvalidToken | None = None

    def __call__(self, access_token: str) -> dict:
        self.asked.append(access_token)
        if self.refusal is not None:
            raise self.refusal
        return {"access_token": f"delegated-{access_token}", "expires_in": 3600}


def chat_service() -> ChatService:
    return ChatService(
        store=Store(),
        authenticator=authenticator(),
        publisher=Publisher(),
        redis=Redis(),
        project_id="netra-test",
        delegate=Delegation(),
        org_settings=OrgSettings(),
    )


def api_key_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY_PREFIX}abc"}
