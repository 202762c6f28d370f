"""Threads, messages and runs in Firestore, every read scoped to the owning user.

threads/{id}                  {user_id, org_id, title, created_at, updated_at, message_count, deleted}
threads/{id}/messages/{id}    {user_id, role, text, created_at, run_id}
runs/{id}                     created here (shared_lib.contracts.runs.new_run), changed by the agents' supervisor
message_keys/{user:key-hash}  {thread_id, message_id, run_id}   (Idempotency-Key of a POST)
org_settings/{org_id}         the org's settings (shared_lib.org_settings)

The Firestore SDK is imported where a query or batch needs it: a heavy SDK, kept off the
cold start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid

from shared_lib import org_settings
from shared_lib.contracts import runs
from shared_lib.http import valid_id


class NotFound(Exception):
    """Absent, deleted, or someone else's: the caller cannot tell which."""


class BadCursor(Exception):
    """A page cursor that names nothing of this caller's."""


@dataclasses.dataclass(frozen=True)
class Posted:
    thread_id: str
    message_id: str
    run_id: str
    created: bool  # False: an Idempotency-Key replay of an earlier post
    published: bool


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def thread_view(thread_id: str, data: dict) -> dict:
    return {
        "thread_id": thread_id,
        "title": data.get("title", ""),
        "created_at": _iso(data.get("created_at")),
        "updated_at": _iso(data.get("updated_at")),
        "message_count": data.get("message_count", 0),
    }


def message_view(thread_id: str, message_id: str, data: dict) -> dict:
    return {
        "message_id": message_id,
        "thread_id": thread_id,
        "role": data.get("role", "user"),
        "text": data.get("text", ""),
        "created_at": _iso(data.get("created_at")),
        "run_id": data.get("run_id"),
    }


def run_view(run_id: str, data: dict) -> dict:
    return {
        "run_id": run_id,
        "thread_id": data.get("thread_id"),
        "message_id": data.get("message_id"),
        "status": data.get("status"),
        "plan": data.get("plan", []),
        "query": data.get("query"),  # the question as understood (kind, period, filters, …, with sources)
        "steps": [
            {k: _iso(v) if isinstance(v, dt.datetime) else v for k, v in step.items()} for step in data.get("steps", [])
        ],
        "result": data.get("result"),
        "error": data.get("error"),
        "created_at": _iso(data.get("created_at")),
        "updated_at": _iso(data.get("updated_at")),
    }


class ChatStore:
    def __init__(self, db, clock=lambda: dt.datetime.now(dt.timezone.utc)):
        self._db = db
        self._clock = clock

    # --- threads --------------------------------------------------------------------

    def create_thread(self, user_id: str, org_id: str, title: str) -> dict:
        now = self._clock()
        thread_id = uuid.uuid4().hex
        data = {
            "user_id": user_id,
            "org_id": org_id,
            "title": title,
            "created_at": now,
            "updated_at": now,
            "message_count": 0,
            "deleted": False,
        }
        self._db.collection("threads").document(thread_id).create(data)
        return thread_view(thread_id, data)

    def _owned(self, user_id: str, thread_id: str, transaction=None):
        if not valid_id(thread_id):
            raise NotFound(thread_id)
        ref = self._db.collection("threads").document(thread_id)
        snapshot = ref.get(transaction=transaction) if transaction is not None else ref.get()
        data = snapshot.to_dict() if snapshot.exists else None
        if data is None or data.get("user_id") != user_id or data.get("deleted"):
            raise NotFound(thread_id)
        return ref, snapshot, data

    def thread(self, user_id: str, thread_id: str) -> dict:
        _, _, data = self._owned(user_id, thread_id)
        return thread_view(thread_id, data)

    def threads(self, user_id: str, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        from google.cloud import firestore

        query = (
            self._db.collection("threads")
            .where(filter=firestore.FieldFilter("user_id", "==", user_id))
            .where(filter=firestore.FieldFilter("deleted", "==", False))
            .order_by("updated_at", direction=firestore.Query.DESCENDING)
        )
        if cursor:
            try:
                _, snapshot, _ = self._owned(user_id, cursor)
            except NotFound:
                raise BadCursor(cursor) from None
            query = query.start_after(snapshot)
        snapshots = list(query.limit(limit + 1).stream())
        page = [thread_view(s.id, s.to_dict()) for s in snapshots[:limit]]
        return page, (page[-1]["thread_id"] if len(snapshots) > limit else None)

    def rename_thread(self, user_id: str, thread_id: str, title: str) -> dict:
        ref, _, data = self._owned(user_id, thread_id)
        changes = {"title": title, "updated_at": self._clock()}
        ref.update(changes)
        return thread_view(thread_id, {**data, **changes})

    def delete_thread(self, user_id: str, thread_id: str) -> None:
        ref, _, _ = self._owned(user_id, thread_id)
        ref.update({"deleted": True, "deleted_at": self._clock()})

    # --- messages and runs -------------------------------------------------------

    def messages(self, user_id: str, thread_id: str, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        ref, _, _ = self._owned(user_id, thread_id)
        query = ref.collection("messages").order_by("created_at").order_by("seq")
        if cursor:
            snapshot = ref.collection("messages").document(cursor).get() if valid_id(cursor) else None
            if snapshot is None or not snapshot.exists:
                raise BadCursor(cursor)
            query = query.start_after(snapshot)
        snapshots = list(query.limit(limit + 1).stream())
        page = [message_view(thread_id, s.id, s.to_dict()) for s in snapshots[:limit]]
        return page, (page[-1]["message_id"] if len(snapshots) > limit else None)

    def post_message(self, user_id: str, org_id: str, thread_id: str, text: str, idempotency_key: str | None) -> Posted:
        """Store the message and its run in one atomic batch; a repeated Idempotency-Key
        answers the first post's ids instead of writing anything.

        A batch, not a transaction: every post to a thread would read-lock the thread
        document, and on bursts (8 concurrent posts to one thread) most transactions
        exhausted their retries and answered 500. The batch reads nothing under lock: the
        count is a server-side increment, and the key document's `create` precondition
        makes a concurrent duplicate fail whole."""
        from google.api_core.exceptions import AlreadyExists, Conflict
        from google.cloud import firestore

        thread_ref, _, data = self._owned(user_id, thread_id)
        key_ref = None
        if idempotency_key:
            digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
            key_ref = self._db.collection("message_keys").document(f"{user_id}:{digest}")
            earlier = self._earlier_post(key_ref, thread_id, idempotency_key)
            if earlier is not None:
                return earlier
        message_id, run_id, now = uuid.uuid4().hex, uuid.uuid4().hex, self._clock()
        batch = self._db.batch()
        if key_ref is not None:
            batch.create(
                key_ref, {"thread_id": thread_id, "message_id": message_id, "run_id": run_id, "created_at": now}
            )
        # seq orders messages of the same instant; a tie (concurrent posts) falls back to the id.
        batch.create(
            thread_ref.collection("messages").document(message_id),
            {
                "user_id": user_id,
                "role": "user",
                "text": text,
                "created_at": now,
                "seq": data.get("message_count", 0),
                "run_id": run_id,
            },
        )
        batch.create(
            self._db.collection(runs.COLLECTION).document(run_id),
            runs.new_run(user_id, org_id, thread_id, message_id, now),
        )
        changes = {"updated_at": now, "message_count": firestore.Increment(1)}
        if not data.get("title"):
            changes["title"] = _title_from(text)
        batch.update(thread_ref, changes)
        try:
            batch.commit()
        except (AlreadyExists, Conflict):
            # The same key posted concurrently and the other post won: answer its ids.
            earlier = self._earlier_post(key_ref, thread_id, idempotency_key) if key_ref is not None else None
            if earlier is None:
                raise
            return earlier
        return Posted(thread_id, message_id, run_id, True, False)

    def _earlier_post(self, key_ref, thread_id: str, idempotency_key: str) -> Posted | None:
        earlier = key_ref.get()
        if not earlier.exists:
            return None
        known = earlier.to_dict()
        if known["thread_id"] != thread_id:
            raise KeyReused(idempotency_key)
        run = self._db.collection("runs").document(known["run_id"]).get()
        return Posted(thread_id, known["message_id"], known["run_id"], False, bool(run.get("published")))

    def message(self, thread_id: str, message_id: str) -> dict:
        snapshot = self._db.collection("threads").document(thread_id).collection("messages").document(message_id).get()
        return message_view(thread_id, message_id, snapshot.to_dict())

    def mark_published(self, run_id: str) -> None:
        self._db.collection("runs").document(run_id).update({"published": True})

    def run(self, user_id: str, run_id: str) -> dict:
        if not valid_id(run_id):
            raise NotFound(run_id)
        snapshot = self._db.collection("runs").document(run_id).get()
        data = snapshot.to_dict() if snapshot.exists else None
        if data is None or data.get("user_id") != user_id:
            raise NotFound(run_id)
        return run_view(run_id, data)


class KeyReused(Exception):
    """An Idempotency-Key already used for a post to another thread."""


def _title_from(text: str) -> str:
    first = " ".join(text.split())
    return first if len(first) <= 60 else first[:57].rstrip() + "…"


class OrgSettings:
    """The org's settings (shared_lib.org_settings) as the web app shows them."""

    def __init__(self, db, clock=lambda: dt.datetime.now(dt.timezone.utc)):
        self._stored = org_settings.OrgSettings(db, clock)

    def get(self, org_id: str) -> dict:
        return settings_view(self._stored.get(org_id))

    def put(self, org_id: str, user_id: str | None, monthly_budget_usd: str | None) -> dict:
        return settings_view(self._stored.put(org_id, user_id, monthly_budget_usd))


def settings_view(data: dict) -> dict:
    return {"monthly_budget_usd": data.get("monthly_budget_usd"), "updated_at": _iso(data.get("updated_at"))}
