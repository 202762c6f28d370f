"""A run's state machine, owned by the supervisor: pending → running → (steps) →
completed | failed. The run document and who owns which field: shared_lib.contracts.runs.

Each transition is a pure function of the run document, what happened and the run's step
outputs (read in the same transaction); `RunStore` applies it in a Firestore transaction
and hands back what must be sent afterwards (step dispatches, client events); once sent,
the supervisor marks them in the run's `sent` map.
A transition that finds nothing to change (a redelivered request or result) returns only
what was owed and never marked sent — a dispatch, the final report, the error — so a
crash between commit and publish is repaired by the redelivery, and an ordinary
redelivery sends nothing at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared_lib.contracts.agents import StepResult
from shared_lib.contracts.runs import COLLECTION, OUTPUTS, TERMINAL, foreign_fields

from netra_agents.steps import STEP_TIMEOUT_SECONDS, plan_for, resolved_query

if TYPE_CHECKING:  # built in bootstrap (the Firestore SDK costs ~0.5 s of cold start)
    from google.cloud.firestore import Client

# A step's saved output (None until it has one), as a transition reads it.
Outputs = Callable[[str], dict | None]


@dataclasses.dataclass(frozen=True)
class Event:
    type: str
    payload: dict
    key: str  # the relay shows each key once, however often it is sent


@dataclasses.dataclass
class Outcome:
    changes: dict[str, Any] | None = None  # fields to write (None: nothing changed)
    dispatch: list[str] = dataclasses.field(default_factory=list)  # steps to (re)send
    events: list[Event] = dataclasses.field(default_factory=list)
    completed: bool = False  # the run just completed, or had: (re)send its final report


# (run, now, its step outputs) -> what changes and what to send
Transition = Callable[[dict, dt.datetime, Outputs], Outcome]


def no_outputs(step: str) -> None:
    """For a transition applied where no step has saved anything."""
    return None


def on_request(run_id: str, run: dict, question: str, now: dt.datetime) -> Outcome:
    if run.get("status") == "pending":
        return Outcome(
            {
                "status": "running",
                "question": question,
                "plan": ["triage"],
                "steps": [_dispatched("triage", now)],
                "started_at": now,
                "updated_at": now,
            },
            ["triage"],
            [
                Event(
                    "agent_started",
                    {"agent": "supervisor", "message": "Working on your question"},
                    f"{run_id}/supervisor/started",
                ),
                Event(
                    "agent_thinking",
                    {"agent": "supervisor", "message": "Asking triage what the question needs"},
                    f"{run_id}/supervisor/thinking/triage",
                ),
            ],
        )
    return obligations(run_id, run, now)


def on_result(run_id: str, run: dict, result: StepResult, now: dt.datetime, outputs: Outputs = no_outputs) -> Outcome:
    if run.get("status") != "running":
        return obligations(run_id, run, now)
    steps = [dict(s) for s in run.get("steps", [])]
    entry = next((s for s in steps if s["name"] == result.step), None)
    if entry is None or entry["status"] != "dispatched":
        return obligations(run_id, run, now)  # a duplicate, or a step this run never asked for
    if now > as_utc(entry["deadline_at"]):
        return fail(
            run_id,
            steps,
            result.step,
            f"the {result.step} step took longer than {STEP_TIMEOUT_SECONDS[result.step]} s",
            now,
        )
    if result.status == "failed":
        return fail(run_id, steps, result.step, result.error or f"the {result.step} step failed", now)
    entry.update(status="completed", completed_at=now, summary=result.summary)
    plan, changes = list(run.get("plan", [])), {}
    if result.step == "triage":
        # The resolved query goes on the run: what GET /api/runs/{id} shows, what the steps read.
        changes["query"] = resolved_query(result.summary.get("verdict") or {}, now.date())
        plan = ["triage", *plan_for(changes["query"])]
    if result.step == "data" and not result.summary.get("calls"):
        plan = plan[: plan.index("data") + 1] + ["reporting"]  # no usage: straight to the guidance report
    position = plan.index(result.step)
    if position + 1 == len(plan):
        # The run's result is the report: what GET /api/runs/{id} and the final_report event carry.
        return Outcome(
            {
                **changes,
                "status": "completed",
                "steps": steps,
                "plan": plan,
                "result": outputs("reporting"),
                "completed_at": now,
                "updated_at": now,
            },
            completed=True,
        )
    following = plan[position + 1]
    steps.append(_dispatched(following, now))
    return Outcome(
        {**changes, "steps": steps, "plan": plan, "updated_at": now},
        [following],
        [
            Event(
                "agent_thinking",
                {"agent": "supervisor", "message": _NEXT[following]},
                f"{run_id}/supervisor/thinking/{following}",
            )
        ],
    )


def on_dead_letter(run_id: str, run: dict, what: str, now: dt.datetime) -> Outcome:
    if run.get("status") in TERMINAL:
        return obligations(run_id, run, now)
    steps = [dict(s) for s in run.get("steps", [])]
    in_flight = next((s["name"] for s in steps if s["status"] == "dispatched"), "supervisor")
    return fail(run_id, steps, in_flight, f"{what} could not be processed after repeated attempts", now)


def obligations(run_id: str, run: dict, now: dt.datetime) -> Outcome:
    """What a run still owes: a late step fails it; otherwise what was never marked sent."""
    status, sent = run.get("status"), run.get("sent") or {}
    if status == "completed":
        return Outcome(completed=not sent.get(FINAL_REPORT))
    if status == "failed":
        return Outcome(events=[] if sent.get(ERROR) else [_error_event(run_id, run.get("error") or {})])
    if status != "running":
        return Outcome()
    steps = [dict(s) for s in run.get("steps", [])]
    late = [s for s in steps if s["status"] == "dispatched" and now > as_utc(s["deadline_at"])]
    if late:
        return fail(
            run_id,
            steps,
            late[0]["name"],
            f"the {late[0]['name']} step took longer than {STEP_TIMEOUT_SECONDS[late[0]['name']]} s",
            now,
        )
    return Outcome(dispatch=[s["name"] for s in steps if s["status"] == "dispatched" and not sent.get(s["name"])])


# Names in a run's `sent` map besides the steps' own.
FINAL_REPORT, ERROR = "final_report", "error"


_NEXT = {
    "data": "Reading your usage from analytics",
    "optimization": "Computing savings from your usage",
    "actions": "Planning how to roll out each change",
    "reporting": "Writing the report",
}


def _dispatched(step: str, now: dt.datetime) -> dict:
    return {
        "name": step,
        "status": "dispatched",
        "dispatched_at": now,
        "deadline_at": now + dt.timedelta(seconds=STEP_TIMEOUT_SECONDS[step]),
    }


def fail(run_id: str, steps: list[dict], step: str, message: str, now: dt.datetime) -> Outcome:
    """The run fails at `step` (a step, or "supervisor") with `message`, shown to the user once."""
    for entry in steps:
        if entry["name"] == step and entry["status"] == "dispatched":
            entry.update(status="failed", completed_at=now, error=message)
    error = {"step": step, "message": message}
    return Outcome(
        {"status": "failed", "steps": steps, "error": error, "completed_at": now, "updated_at": now},
        events=[_error_event(run_id, error)],
    )


def _error_event(run_id: str, error: dict) -> Event:
    return Event(
        "agent_error",
        {
            "agent": error.get("step", "supervisor"),
            "message": error.get("message", "the run failed"),
            "recoverable": False,
        },
        f"{run_id}/supervisor/error",
    )


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Firestore answers aware datetimes; a test's or an old document's naive one is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


class RunNotFound(LookupError):
    pass


class RunStore:
    """Runs in Firestore (`runs/{id}`, created by chat: contracts.runs), their step outputs
    in `runs/{id}/outputs/{step}`."""

    def __init__(self, db: Client, clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)):
        self._db = db
        self._clock = clock

    def _ref(self, run_id: str):
        return self._db.collection(COLLECTION).document(run_id)

    def apply(self, run_id: str, transition: Transition) -> tuple[dict, Outcome]:
        """Run `transition(run, now, outputs) -> Outcome` in a transaction, the outputs read
        in it; (run after it, outcome)."""
        from google.cloud import firestore

        ref = self._ref(run_id)

        @firestore.transactional
        def write(transaction):
            snapshot = ref.get(transaction=transaction)
            if not snapshot.exists:
                raise RunNotFound(run_id)
            run = snapshot.to_dict()

            def outputs(step: str) -> dict | None:
                saved = ref.collection(OUTPUTS).document(step).get(transaction=transaction)
                return (saved.to_dict() or {}).get("output")

            outcome = transition(run, self._clock(), outputs)
            if outcome.changes:
                foreign = foreign_fields(outcome.changes)
                if foreign:
                    raise ValueError(
                        f"the supervisor does not own {', '.join(sorted(foreign))} of a run (contracts.runs)"
                    )
                transaction.update(ref, outcome.changes)
                run = {**run, **outcome.changes}
            return run, outcome

        return write(self._db.transaction())

    def question(self, thread_id: str, message_id: str) -> str:
        snapshot = self._db.collection("threads").document(thread_id).collection("messages").document(message_id).get()
        return (snapshot.to_dict() or {}).get("text", "") if snapshot.exists else ""

    def run(self, run_id: str) -> dict:
        snapshot = self._ref(run_id).get()
        if not snapshot.exists:
            raise RunNotFound(run_id)
        return snapshot.to_dict()

    def mark_sent(self, run_id: str, names: list[str]) -> None:
        """Record what the supervisor has published for the run (one field each: no
        transaction needed, and a concurrent transition's fields are left alone)."""
        if names:
            self._ref(run_id).update({f"sent.{name}": True for name in names})

    def thread_runs(self, thread_id: str, user_id: str | None) -> list[tuple[str, dict]]:
        """One user's runs in a thread, (id, {created_at, query}): every one, since an unordered
        limit could drop the latest, but only the fields a follow-up needs. Equality filters
        only, so no composite index."""
        from google.cloud import firestore

        snapshots = (
            self._db.collection(COLLECTION)
            .where(filter=firestore.FieldFilter("thread_id", "==", thread_id))
            .where(filter=firestore.FieldFilter("user_id", "==", user_id))
            .select(["created_at", "query"])
            .stream()
        )
        return [(s.id, s.to_dict()) for s in snapshots]

    def output(self, run_id: str, step: str) -> dict | None:
        """What a step produced (None until it has)."""
        snapshot = self._ref(run_id).collection(OUTPUTS).document(step).get()
        return (snapshot.to_dict() or {}).get("output") if snapshot.exists else None

    def save_output(self, run_id: str, step: str, output: dict) -> None:
        self._ref(run_id).collection(OUTPUTS).document(step).set({"output": output, "saved_at": self._clock()})

    # --- for the sweeper: runs a lost message may have stranded --------------------
    # Both queries use the composite index (status, updated_at) declared in Terraform.

    def quiet_since(self, status: str, before: dt.datetime, limit: int = 500) -> list[str]:
        """Runs in `status` not updated since `before`, oldest first."""
        from google.cloud.firestore_v1.base_query import FieldFilter

        query = (
            self._db.collection(COLLECTION)
            .where(filter=FieldFilter("status", "==", status))
            .where(filter=FieldFilter("updated_at", "<", before))
            .order_by("updated_at")
            .limit(limit)
        )
        return [snapshot.id for snapshot in query.stream()]

    def ended_owing(self, since: dt.datetime, before: dt.datetime, limit: int = 500) -> list[str]:
        """Runs that ended between `since` and `before` whose report or error was never
        marked sent (its sender died, or the bus was down)."""
        from google.cloud.firestore_v1.base_query import FieldFilter

        query = (
            self._db.collection(COLLECTION)
            .where(filter=FieldFilter("status", "in", list(TERMINAL)))
            .where(filter=FieldFilter("updated_at", ">=", since))
            .where(filter=FieldFilter("updated_at", "<", before))
            .select(["status", "sent"])
            .limit(limit)
        )
        return [snapshot.id for snapshot in query.stream() if owes_last_word(snapshot.to_dict() or {})]


def owes_last_word(run: dict) -> bool:
    """An ended run whose final report or error was never marked sent."""
    sent = run.get("sent") or {}
    return (run.get("status") == "failed" and not sent.get(ERROR)) or (
        run.get("status") == "completed" and not sent.get(FINAL_REPORT)
    )
