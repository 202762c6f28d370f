"""Triage reads a thread's previous query from Firestore (the emulator, the run documents chat
writes): a follow-up is understood in the context of the earlier turn of the same user's thread."""

from __future__ import annotations

import datetime as dt

from netra_agents.runs import RunStore
from netra_agents.triage import previous_query
from netra_agents.understanding import OrgNames, understand

TODAY = dt.date(2026, 11, 27)  # a Friday: last week is Nov 16-22, yesterday Nov 26
NAMES = OrgNames(
    features=("doc-qa", "support-chat"),
    models=("gpt-4o", "claude-haiku-4-5"),
    providers=("openai", "anthropic"),
    users=("user-1", "user-2"),
)
START = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone.utc)


def _run(db, run_id: str, thread: str, user: str, minutes: int, question: str, **fields) -> None:
    db.collection("runs").document(run_id).set(
        {
            "thread_id": thread,
            "user_id": user,
            "org_id": "org-1",
            "question": question,
            "status": "completed",
            "created_at": START + dt.timedelta(minutes=minutes),
            **fields,
        }
    )


def _days(period) -> tuple[str, str]:
    return period.start.isoformat(), period.end.isoformat()


def test_and_yesterday_takes_the_previous_turns_dimension(firestore_db, unique):
    store, thread = RunStore(firestore_db), f"thread-{unique}"
    first = understand("spend by model last week", today=TODAY, names=NAMES)
    assert (first.kind, first.dimensions, _days(first.period)) == (
        "breakdown",
        ("model",),
        ("2026-11-16", "2026-11-23"),
    )
    _run(firestore_db, f"{unique}-1", thread, "user-1", 0, "spend by model last week", query=first.to_json())
    # Not this turn's context: another user's run in the same thread, a run of another thread, and a
    # later run — each with a query that would change the answer if it were read.
    latency = understand("latency by feature", today=TODAY, names=NAMES).to_json()
    _run(firestore_db, f"{unique}-other-user", thread, "user-2", 1, "latency by feature", query=latency)
    _run(firestore_db, f"{unique}-other-thread", f"{thread}-b", "user-1", 1, "latency by feature", query=latency)
    _run(firestore_db, f"{unique}-2", thread, "user-1", 2, "and yesterday?")
    _run(firestore_db, f"{unique}-3", thread, "user-1", 3, "latency by feature", query=latency)

    assert {run_id for run_id, _ in store.thread_runs(thread, "user-1")} == {
        f"{unique}-1",
        f"{unique}-2",
        f"{unique}-3",
    }
    run = store.run(f"{unique}-2")
    previous = previous_query(store, f"{unique}-2", run)
    assert previous is not None and previous.to_json()["dimensions"] == ["model"]

    second = understand(run["question"], today=TODAY, names=NAMES, previous=previous)
    assert (second.kind, second.dimensions, _days(second.period)) == (
        "breakdown",
        ("model",),
        ("2026-11-26", "2026-11-27"),
    )
    assert second.sources["dimensions"] == "context" and second.sources["period"] == "parser"


def test_an_earlier_run_without_a_query_on_its_document_is_read_from_its_triage_output(firestore_db, unique):
    store, thread = RunStore(firestore_db), f"thread-{unique}"
    first = understand("spend by model last week", today=TODAY, names=NAMES)
    _run(firestore_db, f"{unique}-1", thread, "user-1", 0, "spend by model last week")  # query not yet on the run
    store.save_output(f"{unique}-1", "triage", {"query": first.to_json()})
    _run(firestore_db, f"{unique}-failed", thread, "user-1", 1, "hm", status="failed")  # failed before triage
    _run(firestore_db, f"{unique}-2", thread, "user-1", 2, "and yesterday?")

    previous = previous_query(store, f"{unique}-2", store.run(f"{unique}-2"))
    second = understand("and yesterday?", today=TODAY, names=NAMES, previous=previous)
    assert (second.kind, second.dimensions, _days(second.period)) == (
        "breakdown",
        ("model",),
        ("2026-11-26", "2026-11-27"),
    )


def test_the_first_turn_of_a_thread_has_no_previous_query(firestore_db, unique):
    store = RunStore(firestore_db)
    _run(firestore_db, f"{unique}-1", f"thread-{unique}", "user-1", 0, "and yesterday?")
    assert previous_query(store, f"{unique}-1", store.run(f"{unique}-1")) is None
