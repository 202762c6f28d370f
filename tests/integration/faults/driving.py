"""Driving questions through the real platform and reading what each user was sent."""

from __future__ import annotations

import datetime as dt
import json

from tests.helpers import bearer, dev_login, eventually, url_of

from netra_relay.streams import stream_key


def sign_in(http, platform, email: str) -> dict:
    tokens = dev_login(http, url_of(platform, "auth"), email)
    return {"headers": bearer(tokens["access_token"]), "user": tokens["user"]}


def new_thread(http, platform, who: dict) -> str:
    created = http.post(f"{url_of(platform, 'chat')}/api/threads", json={}, headers=who["headers"])
    assert created.status_code == 201, created.text
    return created.json()["thread_id"]


def ask(http, platform, who: dict, text: str) -> dict:
    thread_id = new_thread(http, platform, who)
    posted = http.post(
        f"{url_of(platform, 'chat')}/api/threads/{thread_id}/messages", json={"text": text}, headers=who["headers"]
    )
    assert posted.status_code == 202, posted.text
    return {**posted.json(), "thread_id": thread_id}


def run_of(http, platform, who: dict, run_id: str) -> dict:
    answer = http.get(f"{url_of(platform, 'chat')}/api/runs/{run_id}", headers=who["headers"])
    assert answer.status_code == 200, answer.text
    return answer.json()


def finished(http, platform, who: dict, run_id: str, timeout: float) -> dict:
    seen = {}

    def ended() -> dict | None:
        seen["run"] = run_of(http, platform, who, run_id)
        return seen["run"] if seen["run"]["status"] in ("completed", "failed") else None

    return eventually(ended, timeout, what=lambda: f"run {run_id} finished (it is {seen.get('run')})\n{said(platform)}")


def events(redis, user_id: str) -> list[dict]:
    """Everything the relay delivered (and would replay) to this user's sockets."""
    return [json.loads(fields[b"e"]) for _, fields in redis.xrange(stream_key(user_id))]


def stream(redis, user_id: str, run_id: str, until: str | None = None, timeout: float = 20.0) -> list[dict]:
    def mine() -> list[dict]:
        return [e for e in events(redis, user_id) if e.get("run_id") == run_id]

    def arrived() -> list[dict] | None:
        found = mine()
        return found if any(e["type"] == until for e in found) else None

    if until is None:
        return mine()
    return eventually(arrived, timeout, what=lambda: f"a {until} for run {run_id} (have {[e['type'] for e in mine()]})")


def stranded_run(
    firestore_db, who: dict, run_id: str, status: str, quiet_for: float, steps: list | None = None, **fields
) -> None:
    """A run as a lost message leaves it: nothing will arrive for it any more."""
    then = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=quiet_for)
    firestore_db.collection("runs").document(run_id).set(
        {
            "user_id": who["user"]["user_id"],
            "org_id": who["user"]["org_id"],
            "thread_id": f"t-{run_id}",
            "message_id": "m",
            "status": status,
            "steps": steps or [],
            "result": None,
            "published": True,
            "created_at": then,
            "updated_at": then,
            **fields,
        }
    )


def said(platform) -> str:
    return "launcher said:\n  " + "\n  ".join(getattr(platform, "said", [])[-20:])
