"""The org's changes over HTTP, on the Firestore emulator: created, listed newest first and only
to the org, moved through the whole lifecycle with its history, a refused move changing
nothing, and a create repeated with its Idempotency-Key storing one change."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import bearer, dev_login

MODEL_CHANGE = {
    "lever": "model_rightsizing",
    "title": "Move ticket-classifier to gpt-4o-mini",
    "scope": {"feature": "ticket-classifier", "model": "gpt-4o", "provider": "openai"},
    "change": {"from_model": "gpt-4o", "to_model": "gpt-4o-mini"},
    "recommendation_id": "model_rightsizing-3f2a9c1b0d",
    "projected_saving_usd": "412.50",
}
CACHING = {"lever": "prompt_caching", "title": "Cache the support prompt", "scope": {"feature": "support-bot"}}


@pytest.fixture
def member(http, auth_url, unique):
    login = dev_login(http, auth_url, f"changes-{unique}@example.com")
    me = http.get(f"{auth_url}/auth/me", headers=bearer(login["access_token"])).json()
    return bearer(login["access_token"]), me


@pytest.fixture
def stranger(http, auth_url, unique):
    return bearer(dev_login(http, auth_url, f"changes-other-{unique}@example.com")["access_token"])


def create(http, chat_url, headers, body, key=None):
    extra = {"Idempotency-Key": key} if key else {}
    return http.post(f"{chat_url}/api/changes", json=body, headers={**headers, **extra})


def move(http, chat_url, headers, change_id, **body):
    return http.patch(f"{chat_url}/api/changes/{change_id}", json=body, headers=headers)


def test_a_change_is_the_orgs_alone_and_listed_newest_first(http, chat_url, member, stranger, firestore_db):
    headers, me = member
    made = create(http, chat_url, headers, MODEL_CHANGE)
    assert made.status_code == 201, made.text
    change = made.json()
    assert (change["org_id"], change["status"], change["created_by"]) == (me["org_id"], "proposed", me["user_id"])
    assert change["scope"] == MODEL_CHANGE["scope"] and change["change"] == MODEL_CHANGE["change"]
    assert change["projected_saving_usd"] == "412.50" and change["applied_at"] is None
    assert [h["status"] for h in change["history"]] == ["proposed"]
    later = create(http, chat_url, headers, {**CACHING, "status": "accepted"}).json()

    listed = http.get(f"{chat_url}/api/changes", headers=headers).json()
    assert [c["change_id"] for c in listed["changes"]] == [later["change_id"], change["change_id"]]
    assert http.get(f"{chat_url}/api/changes/{change['change_id']}", headers=headers).json() == change
    stored = firestore_db.collection("changes").document(change["change_id"]).get().to_dict()
    assert stored["org_id"] == me["org_id"] and stored["lever"] == "model_rightsizing"

    # Another org's member sees none of it, and its ids answer as if they did not exist.
    assert http.get(f"{chat_url}/api/changes", headers=stranger).json() == {"changes": [], "next_cursor": None}
    for answer in (
        http.get(f"{chat_url}/api/changes/{change['change_id']}", headers=stranger),
        move(http, chat_url, stranger, change["change_id"], status="accepted"),
        http.get(f"{chat_url}/api/changes/{'0' * 32}", headers=headers),
    ):
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found", answer.text
    assert http.get(f"{chat_url}/api/changes/{change['change_id']}", headers=headers).json()["status"] == "proposed"
    cursor = http.get(f"{chat_url}/api/changes", params={"cursor": change["change_id"]}, headers=stranger)
    assert cursor.status_code == 400 and cursor.json()["error"]["code"] == "invalid_cursor"

    page = http.get(f"{chat_url}/api/changes", params={"limit": 1}, headers=headers).json()
    assert [c["change_id"] for c in page["changes"]] == [later["change_id"]]
    rest = http.get(f"{chat_url}/api/changes", params={"limit": 1, "cursor": page["next_cursor"]}, headers=headers)
    assert [c["change_id"] for c in rest.json()["changes"]] == [change["change_id"]]


def test_a_change_goes_through_its_lifecycle_and_keeps_its_history(http, chat_url, member, firestore_db):
    headers, me = member
    change_id = create(http, chat_url, headers, MODEL_CHANGE).json()["change_id"]
    assert move(http, chat_url, headers, change_id, status="accepted").status_code == 200
    applied = move(http, chat_url, headers, change_id, status="applied", applied_at="2026-11-20T09:00:00+01:00")
    assert applied.status_code == 200, applied.text
    assert applied.json()["applied_at"] == "2026-11-20T08:00:00+00:00"
    rolled = move(http, chat_url, headers, change_id, status="rolled_back", note="p95 latency doubled")
    assert rolled.json()["applied_at"] == "2026-11-20T08:00:00+00:00"  # when it took effect stays known
    before = dt.datetime.now(dt.timezone.utc)
    reapplied = move(http, chat_url, headers, change_id, status="applied").json()  # now, when not given
    assert (
        before - dt.timedelta(seconds=5)
        <= dt.datetime.fromisoformat(reapplied["applied_at"])
        <= (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5))
    )
    verified = move(http, chat_url, headers, change_id, status="verified").json()

    history = verified["history"]
    assert [h["status"] for h in history] == ["proposed", "accepted", "applied", "rolled_back", "applied", "verified"]
    assert {h["by"] for h in history} == {me["user_id"]}
    assert history[3]["note"] == "p95 latency doubled"
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)
    assert verified == http.get(f"{chat_url}/api/changes/{change_id}", headers=headers).json()
    stored = firestore_db.collection("changes").document(change_id).get().to_dict()
    assert stored["status"] == "verified" and isinstance(stored["applied_at"], dt.datetime)

    proposed = create(http, chat_url, headers, CACHING).json()["change_id"]
    only = http.get(f"{chat_url}/api/changes", params={"status": "verified"}, headers=headers).json()["changes"]
    assert [c["change_id"] for c in only] == [change_id]
    waiting = http.get(f"{chat_url}/api/changes", params={"status": "proposed"}, headers=headers).json()["changes"]
    assert [c["change_id"] for c in waiting] == [proposed]


def test_a_refused_move_is_an_error_and_changes_nothing(http, chat_url, member):
    headers, _ = member
    change_id = create(http, chat_url, headers, CACHING).json()["change_id"]
    future = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=30)).isoformat()
    for body, status, refusal in [
        ({"status": "applied"}, 409, "invalid_transition"),  # proposed must be accepted first
        ({"status": "done"}, 400, "invalid_status"),
        ({"status": "accepted", "applied_at": "2026-11-20T08:00:00Z"}, 400, "invalid_field"),
        ({"status": "accepted", "owner": "x"}, 400, "unknown_field"),
    ]:
        refused = move(http, chat_url, headers, change_id, **body)
        assert (refused.status_code, refused.json()["error"]["code"]) == (status, refusal), refused.text
    assert move(http, chat_url, headers, change_id, status="accepted").status_code == 200
    refused = move(http, chat_url, headers, change_id, status="applied", applied_at=future)
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "invalid_applied_at")
    assert move(http, chat_url, headers, change_id, status="rejected").status_code == 200
    final = move(http, chat_url, headers, change_id, status="accepted")
    assert (final.status_code, final.json()["error"]["code"]) == (409, "invalid_transition")
    kept = http.get(f"{chat_url}/api/changes/{change_id}", headers=headers).json()
    assert kept["status"] == "rejected" and [h["status"] for h in kept["history"]] == [
        "proposed",
        "accepted",
        "rejected",
    ]


def test_two_moves_from_one_status_do_not_both_succeed(http, chat_url, member):
    headers, _ = member
    change_id = create(http, chat_url, headers, {**CACHING, "status": "accepted"}).json()["change_id"]
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(lambda status: move(http, chat_url, headers, change_id, status=status), ["applied", "rejected"])
        )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    won = next(a.json()["status"] for a in answers if a.status_code == 200)
    kept = http.get(f"{chat_url}/api/changes/{change_id}", headers=headers).json()
    assert kept["status"] == won and [h["status"] for h in kept["history"]] == ["accepted", won]


def test_a_create_repeated_with_its_idempotency_key_stores_one_change(
    http, chat_url, member, stranger, unique, firestore_db
):
    headers, me = member
    first = create(http, chat_url, headers, MODEL_CHANGE, key=f"plan-{unique}-r1")
    again = create(http, chat_url, headers, MODEL_CHANGE, key=f"plan-{unique}-r1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = create(http, chat_url, headers, CACHING, key=f"plan-{unique}-r1")
    assert (other.status_code, other.json()["error"]["code"]) == (409, "idempotency_key_reused")
    # Another user's key is theirs: the same string makes their own change in their own org.
    theirs = create(http, chat_url, stranger, MODEL_CHANGE, key=f"plan-{unique}-r1")
    assert theirs.status_code == 201 and theirs.json()["change_id"] != first.json()["change_id"]
    mine = [s.to_dict() for s in firestore_db.collection("changes").stream() if s.get("org_id") == me["org_id"]]
    assert len(mine) == 1
    bad = create(http, chat_url, headers, MODEL_CHANGE, key="has space")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_idempotency_key")
