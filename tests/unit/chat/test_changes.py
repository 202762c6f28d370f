"""A change's lifecycle and what a new change must say, with no Firestore: the transition
table move by move, applied_at's bounds, the create body's checks, and the routes refusing
bad bodies as JSON before anything is stored."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from shared_lib.errors import Conflict, Invalid
from tests.unit.chat.fakes import ADA, bearer, chat_service
from tests.unit.chat.test_handlers import call, code

from netra_chat import changes

NOW = dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.timezone.utc)
# The lifecycle as issue 24's brief states it, written out pair by pair.
ALLOWED = {
    ("proposed", "accepted"),
    ("proposed", "rejected"),
    ("accepted", "applied"),
    ("accepted", "rejected"),
    ("applied", "verified"),
    ("applied", "rolled_back"),
    ("rolled_back", "applied"),
}
EVERY = ("proposed", "accepted", "applied", "verified", "rolled_back", "rejected")


def move(current, status, applied_at=None, note=None):
    return changes.transition(current, status, applied_at, note, "ada", NOW)


@pytest.mark.parametrize(("current", "status"), list(itertools.product(EVERY, EVERY)))
def test_a_change_moves_exactly_as_the_table_says(current, status):
    if (current, status) in ALLOWED:
        step = move(current, status)
        assert (step.status, step.at, step.by) == (status, NOW, "ada")
        assert step.applied_at == (NOW if status == "applied" else None)
    else:
        with pytest.raises(Conflict) as refused:
            move(current, status)
        assert refused.value.code == "invalid_transition"
        assert current in refused.value.message and status in refused.value.message


def test_an_unknown_status_is_malformed_not_a_refused_move():
    for status in ("done", "", None, "Applied"):
        with pytest.raises(Invalid) as refused:
            move("accepted", status)
        assert refused.value.code == "invalid_status"


def test_applied_at_is_an_instant_kept_in_utc_and_not_in_the_future():
    assert move("accepted", "applied", "2026-11-20T09:00:00+01:00").applied_at == dt.datetime(
        2026, 11, 20, 8, 0, tzinfo=dt.timezone.utc
    )
    assert move("rolled_back", "applied", "2026-11-20T08:00:00Z").applied_at == dt.datetime(
        2026, 11, 20, 8, 0, tzinfo=dt.timezone.utc
    )
    # Within five minutes ahead (a fast clock) is accepted; beyond it is not.
    assert move("accepted", "applied", "2026-12-08T12:04:59Z").applied_at == NOW + dt.timedelta(minutes=4, seconds=59)
    for bad in (
        "2026-12-08T12:05:01Z",
        "2026-11-20T09:00:00",  # no offset: whose 9 o'clock?
        "20 Nov 2026",
        "",
        "0001-01-01T00:00:00+14:00",  # before the first instant a datetime holds, in UTC
    ):
        with pytest.raises(Invalid) as refused:
            move("accepted", "applied", bad)
        assert refused.value.code == "invalid_applied_at", bad


def test_applied_at_belongs_only_to_a_move_to_applied():
    with pytest.raises(Invalid):
        move("applied", "verified", "2026-11-20T08:00:00Z")


def test_a_note_is_kept_with_its_move_and_bounded():
    assert move("applied", "rolled_back", note="  p95  doubled ").note == "p95 doubled"
    assert move("applied", "rolled_back", note="   ").note is None
    with pytest.raises(Invalid):
        move("applied", "rolled_back", note="x" * 1001)


def body(**fields):
    return {"lever": "model_rightsizing", "title": "Move the classifier to gpt-4o-mini", **fields} | {
        "scope": fields.get("scope", {"feature": "ticket-classifier", "model": "gpt-4o"}),
        "change": fields.get("change", {"from_model": "gpt-4o", "to_model": "gpt-4o-mini"}),
    }


def test_a_new_change_keeps_what_the_realised_read_needs():
    new = changes.new_change(
        body(recommendation_id="model_rightsizing-3f2a9c1b0d", projected_saving_usd="412.50", share_of_traffic=1)
    )
    assert new.status == "proposed"
    assert new.scope == {"feature": "ticket-classifier", "model": "gpt-4o"}
    assert new.change == {"from_model": "gpt-4o", "to_model": "gpt-4o-mini"}
    assert (new.projected_saving_usd, new.share_of_traffic) == ("412.50", 1.0)
    assert changes.new_change(body(status="accepted")).status == "accepted"
    caching = changes.new_change(
        {"lever": "prompt_caching", "title": "Cache the system prompt", "scope": {"feature": "support-bot"}}
    )
    assert (caching.change, caching.scope) == ({}, {"feature": "support-bot"})
    # A scope's names are matched to the usage events' as given: never re-spaced.
    spaced = changes.new_change(body(scope={"feature": " ticket  classifier", "provider": "openai"}))
    assert spaced.scope == {"feature": " ticket  classifier", "provider": "openai"}


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"lever": "cheaper_models"}, "invalid_lever"),
        ({"status": "applied"}, "invalid_status"),  # later statuses come by PATCH, with their history
        ({"title": "   "}, "invalid_field"),
        ({"title": "x" * 201}, "invalid_field"),
        ({"scope": {"model": "gpt-4o"}}, "invalid_field"),  # no feature
        ({"scope": {"feature": "a", "team": "b"}}, "invalid_scope"),
        ({"scope": {"feature": "  "}}, "invalid_field"),
        ({"scope": {"feature": "f" * 201}}, "invalid_field"),
        ({"scope": {"feature": "f", "model": 4}}, "invalid_field"),
        ({"change": {"from_model": "gpt-4o"}}, "invalid_change"),  # a model change names both models
        ({"change": {"from_model": "gpt-4o", "to_model": "m", "bad key": 1}}, "invalid_change"),
        ({"change": {"from_model": "gpt-4o", "to_model": "m", "nested": {"a": 1}}}, "invalid_change"),
        ({"change": {"from_model": "gpt-4o", "to_model": "m", "n": 2**63}}, "invalid_change"),  # not int64
        ({"projected_saving_usd": "-1"}, "invalid_projected_saving"),
        ({"projected_saving_usd": "1e3"}, "invalid_projected_saving"),
        ({"projected_saving_usd": "0.1234567"}, "invalid_projected_saving"),
        ({"share_of_traffic": 1.5}, "invalid_share_of_traffic"),
        ({"share_of_traffic": True}, "invalid_share_of_traffic"),
        ({"recommendation_id": "has space"}, "invalid_field"),
    ],
)
def test_a_bad_new_change_is_refused_by_name(fields, refusal):
    with pytest.raises(Invalid) as refused:
        changes.new_change(body(**fields))
    assert refused.value.code == refusal


def test_the_levers_are_the_optimizers():
    from netra_agents.optimizer import LEVERS

    assert set(changes.LEVERS) == set(LEVERS)


@pytest.mark.parametrize(
    ("raw", "status", "refusal"),
    [
        (b'{"lever": "batching", "title": "t", "scope": "support-bot"}', 400, "invalid_field"),
        (b'{"lever": "batching", "title": "t"}', 400, "missing_field"),
        (b'{"lever": "batching", "title": "t", "scope": {"feature": "f"}, "owner": "x"}', 400, "unknown_field"),
        (
            b'{"lever": "batching", "title": "t", "scope": {"feature": "f"}, "share_of_traffic": "1"}',
            400,
            "invalid_field",
        ),
        (b"[1]", 400, "invalid_body"),
        (b"{not json", 400, "malformed_json"),
    ],
)
def test_the_create_route_refuses_a_bad_body_as_json_before_storing(raw, status, refusal):
    service = chat_service()  # no change store: a refusal must come before one is needed
    answer = call(service, "POST", "/api/changes", headers=bearer(ADA), raw=raw)
    assert (answer[0], code(answer)) == (status, refusal)


def test_the_change_routes_are_for_signed_in_users_and_check_before_storing():
    service = chat_service()
    for method, path in [("GET", "/api/changes"), ("POST", "/api/changes"), ("PATCH", "/api/changes/c1")]:
        answer = call(service, method, path, raw=b"{}")
        assert (answer[0], code(answer)) == (401, "missing_token")
    assert code(call(service, "GET", "/api/changes?status=done", headers=bearer(ADA))) == "invalid_status"
    answer = call(service, "PATCH", "/api/changes/c1", {"status": "applied", "when": "now"}, bearer(ADA))
    assert (answer[0], code(answer)) == (400, "unknown_field")
    answer = call(service, "PATCH", "/api/changes/c1", {"note": "x"}, bearer(ADA))
    assert (answer[0], code(answer)) == (400, "missing_field")
