"""An org's settings in Firestore: one document per org, written by chat (the web app's
settings view) and read by the agents (a forecast against the stored monthly budget).

org_settings/{org_id}   {monthly_budget_usd: "1500.00" | None, updated_at, updated_by}
"""

from __future__ import annotations

import datetime as dt


class OrgSettings:
    COLLECTION = "org_settings"

    def __init__(self, db, clock=lambda: dt.datetime.now(dt.timezone.utc)):
        self._db = db
        self._clock = clock

    def get(self, org_id: str) -> dict:
        """The stored document ({} when the org has set nothing)."""
        snapshot = self._db.collection(self.COLLECTION).document(org_id).get()
        return (snapshot.to_dict() or {}) if snapshot.exists else {}

    def put(self, org_id: str, user_id: str | None, monthly_budget_usd: str | None) -> dict:
        data = {"monthly_budget_usd": monthly_budget_usd, "updated_at": self._clock(), "updated_by": user_id}
        self._db.collection(self.COLLECTION).document(org_id).set(data)
        return data

    def monthly_budget(self, org_id: str) -> str | None:
        return self.get(org_id).get("monthly_budget_usd")
