"""The org's changes in Firestore, every read and write scoped to the caller's org.

changes/{id}                  {org_id, lever, title, scope, change, recommendation_id, projected_saving_usd,
                               share_of_traffic, status, history: [{status, at, by, note}], applied_at,
                               created_by, created_at, updated_at}   (contract: shared_lib/contracts/change.schema.json)
change_keys/{user:hash of org and key}  {change_id, request, created_at}  (Idempotency-Key of a POST /api/changes)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable

from shared_lib.http import valid_id

from netra_chat.changes import NewChange, Transition
from netra_chat.store import BadCursor, KeyReused, NotFound

COLLECTION = "changes"
KEYS = "change_keys"


class ChangedMeanwhile(Exception):
    """Another request moved the change between this one's read and its write."""


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def change_view(change_id: str, data: dict) -> dict:
    return {
        "change_id": change_id,
        "org_id": data["org_id"],
        "lever": data["lever"],
        "title": data["title"],
        "scope": data["scope"],
        "change": data.get("change", {}),
        "recommendation_id": data.get("recommendation_id"),
        "projected_saving_usd": data.get("projected_saving_usd"),
        "share_of_traffic": data.get("share_of_traffic"),
        "status": data["status"],
        "history": [{**entry, "at": _iso(entry["at"])} for entry in data.get("history", [])],
        "applied_at": _iso(data.get("applied_at")),
        "created_by": data.get("created_by"),
        "created_at": _iso(data["created_at"]),
        "updated_at": _iso(data["updated_at"]),
    }


def _request_hash(new: NewChange) -> str:
    return hashlib.sha256(json.dumps(new.fingerprint(), sort_keys=True).encode()).hexdigest()


class ChangeStore:
    def __init__(self, db, clock=lambda: dt.datetime.now(dt.timezone.utc)):
        self._db = db
        self.clock = clock

    def create(self, org_id: str, user_id: str, new: NewChange, idempotency_key: str | None) -> tuple[dict, bool]:
        """The new change and True; with a repeated Idempotency-Key, the first request's change and
        False (the same key with another body: KeyReused). One batch: the key document's `create`
        precondition makes a concurrent duplicate fail whole, as a message post does."""
        from google.api_core.exceptions import AlreadyExists, Conflict

        key_ref = None
        if idempotency_key:
            # The org in the digest: a user who moves to another org starts with no keys there.
            digest = hashlib.sha256(f"{org_id}\n{idempotency_key}".encode()).hexdigest()[:40]
            key_ref = self._db.collection(KEYS).document(f"{user_id}:{digest}")
            earlier = self._earlier(key_ref, org_id, new, idempotency_key)
            if earlier is not None:
                return earlier, False
        change_id, now = uuid.uuid4().hex, self.clock()
        data = {
            "org_id": org_id,
            "lever": new.lever,
            "title": new.title,
            "scope": new.scope,
            "change": new.change,
            "recommendation_id": new.recommendation_id,
            "projected_saving_usd": new.projected_saving_usd,
            "share_of_traffic": new.share_of_traffic,
            "status": new.status,
            "history": [{"status": new.status, "at": now, "by": user_id, "note": None}],
            "applied_at": None,
            "created_by": user_id,
            "created_at": now,
            "updated_at": now,
        }
        batch = self._db.batch()
        if key_ref is not None:
            batch.create(key_ref, {"change_id": change_id, "request": _request_hash(new), "created_at": now})
        batch.create(self._db.collection(COLLECTION).document(change_id), data)
        try:
            batch.commit()
        except (AlreadyExists, Conflict):
            earlier = self._earlier(key_ref, org_id, new, idempotency_key) if key_ref is not None else None
            if earlier is None:
                raise
            return earlier, False
        return change_view(change_id, data), True

    def _earlier(self, key_ref, org_id: str, new: NewChange, idempotency_key: str) -> dict | None:
        snapshot = key_ref.get()
        if not snapshot.exists:
            return None
        known = snapshot.to_dict()
        if known["request"] != _request_hash(new):
            raise KeyReused(idempotency_key)
        return self.get(org_id, known["change_id"])

    def _owned(self, org_id: str, change_id: str):
        if not valid_id(change_id):
            raise NotFound(change_id)
        snapshot = self._db.collection(COLLECTION).document(change_id).get()
        data = snapshot.to_dict() if snapshot.exists else None
        if data is None or data.get("org_id") != org_id:
            raise NotFound(change_id)  # another org's change is not found either
        return snapshot, data

    def get(self, org_id: str, change_id: str) -> dict:
        return change_view(change_id, self._owned(org_id, change_id)[1])

    def list(self, org_id: str, status: str | None, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        from google.cloud import firestore

        query = self._db.collection(COLLECTION).where(filter=firestore.FieldFilter("org_id", "==", org_id))
        if status is not None:
            query = query.where(filter=firestore.FieldFilter("status", "==", status))
        query = query.order_by("created_at", direction=firestore.Query.DESCENDING)
        if cursor:
            try:
                snapshot, _ = self._owned(org_id, cursor)
            except NotFound:
                raise BadCursor(cursor) from None
            query = query.start_after(snapshot)
        snapshots = list(query.limit(limit + 1).stream())
        page = [change_view(s.id, s.to_dict()) for s in snapshots[:limit]]
        return page, (page[-1]["change_id"] if len(snapshots) > limit else None)

    def move(self, org_id: str, change_id: str, decide: Callable[[str], Transition]) -> dict:
        """`decide(current status)` gives the transition (or refuses it); it is written only if the
        change is as it was read, so two moves from one status cannot both succeed."""
        from google.api_core.exceptions import FailedPrecondition

        snapshot, data = self._owned(org_id, change_id)
        step = decide(data["status"])
        entry = {"status": step.status, "at": step.at, "by": step.by, "note": step.note}
        changes = {"status": step.status, "updated_at": step.at, "history": [*data.get("history", []), entry]}
        if step.applied_at is not None:
            changes["applied_at"] = step.applied_at
        try:
            snapshot.reference.update(changes, option=self._db.write_option(last_update_time=snapshot.update_time))
        except FailedPrecondition:
            raise ChangedMeanwhile(change_id) from None
        return change_view(change_id, {**data, **changes})
