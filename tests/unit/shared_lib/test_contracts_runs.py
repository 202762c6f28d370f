"""The run document: chat creates it with its own fields and the supervisor's initial
values; every field belongs to one side."""

from __future__ import annotations

import datetime as dt
import typing

from shared_lib.contracts.runs import AGENT_FIELDS, CHAT_FIELDS, PENDING, RunDocument, foreign_fields, new_run

NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.timezone.utc)


def test_every_field_of_the_document_has_one_owner():
    fields = set(typing.get_type_hints(RunDocument))
    assert CHAT_FIELDS | AGENT_FIELDS == fields and not CHAT_FIELDS & AGENT_FIELDS


def test_chat_creates_a_pending_run_with_nothing_sent():
    run = new_run("u1", "o1", "t1", "m1", NOW)
    assert run == {
        "user_id": "u1",
        "org_id": "o1",
        "thread_id": "t1",
        "message_id": "m1",
        "status": PENDING,
        "steps": [],
        "result": None,
        "published": False,
        "created_at": NOW,
        "updated_at": NOW,
    }
    assert set(run) <= set(typing.get_type_hints(RunDocument))


def test_a_change_to_chats_fields_is_foreign_to_the_supervisor():
    assert foreign_fields({"status": "running", "sent.triage": True, "updated_at": NOW}) == set()
    assert foreign_fields({"status": "failed", "published": True, "thread_id": "t2"}) == {"published", "thread_id"}
