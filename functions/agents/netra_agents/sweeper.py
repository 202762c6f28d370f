"""The sweeper: runs nobody will touch again are failed, and what a run still owes is sent.

A run waits on messages: a lost one (the bus down, a crashed publisher) leaves it `running`
or `pending` for ever, since a step's deadline is only checked when another message for the
run arrives. On a schedule (Cloud Scheduler → this HTTP function, with OIDC; the launcher's
timer locally) the sweeper finds the runs quiet for longer than a deadline and moves each
through the same state machine the supervisor uses (`runs.obligations`, which fails a run
past a step deadline; a pending run past its start deadline fails as the supervisor's own
failure), then sends what the transition owes through the supervisor's send path. Runs
that ended but whose final report or error could not be published (the bus was down) are
sent again. Every transition is a Firestore transaction and every event carries its key,
so two sweeps at once fail a run once and the user sees one `agent_error`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from netra_agents.runs import Outcome, RunNotFound, Transition, as_utc, fail, obligations
from netra_agents.steps import STEP_TIMEOUT_SECONDS
from netra_agents.supervisor import SupervisorContext, follow

log = logging.getLogger("netra.agents.sweeper")

# A request not picked up by then will not be: Pub/Sub's retries (5 attempts, backoff up to
# 60 s) end in the dead-letter topic well before.
START_TIMEOUT_SECONDS = 600
# An ended run whose report or error is still unsent this long after it ended: its sender
# died or the bus was down. Within the window it is sent again.
RESEND_AFTER_SECONDS = 60
RESEND_WINDOW = dt.timedelta(hours=6)
# While the bus is down a send fails after this; the run is left for the next sweep.
SEND_TIMEOUT_SECONDS = 10


@dataclasses.dataclass(frozen=True)
class Deadlines:
    start_seconds: float = START_TIMEOUT_SECONDS
    resend_after_seconds: float = RESEND_AFTER_SECONDS

    @property
    def quiet_seconds(self) -> float:
        """A running run updated more recently than this cannot have a late step."""
        return min(STEP_TIMEOUT_SECONDS.values())


@dataclasses.dataclass
class SweepReport:
    failed: list[str] = dataclasses.field(default_factory=list)
    resent: list[str] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)  # runs whose sending failed: next sweep

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def sweep(ctx: SupervisorContext, deadlines: Deadlines, now: dt.datetime | None = None) -> SweepReport:
    now = now or dt.datetime.now(dt.timezone.utc)
    store, report = ctx.store, SweepReport()
    stale = [
        *store.quiet_since("running", now - dt.timedelta(seconds=deadlines.quiet_seconds)),
        *store.quiet_since("pending", now - dt.timedelta(seconds=deadlines.start_seconds)),
    ]
    for run_id in stale:
        _settle(ctx, run_id, lambda run, at, _, run_id=run_id: expire(run_id, run, at, deadlines.start_seconds), report)
    owing = store.ended_owing(now - RESEND_WINDOW, now - dt.timedelta(seconds=deadlines.resend_after_seconds))
    for run_id in owing:
        _settle(ctx, run_id, lambda run, at, _, run_id=run_id: obligations(run_id, run, at), report)
    if report.failed or report.resent or report.errors:
        log.info(
            "sweep: failed %d runs, resent for %d, %d could not be sent",
            len(report.failed),
            len(report.resent),
            len(report.errors),
        )
    return report


def expire(run_id: str, run: dict, now: dt.datetime, start_seconds: float) -> Outcome:
    """The sweep's transition: a pending run past its start deadline fails; anything else
    is what the run owes (a running run past a step's deadline fails there)."""
    created = run.get("created_at")
    if (
        run.get("status") == "pending"
        and isinstance(created, dt.datetime)
        and now - as_utc(created) > dt.timedelta(seconds=start_seconds)
    ):
        return fail(
            run_id,
            [dict(s) for s in run.get("steps", [])],
            "supervisor",
            f"the request was not picked up within {start_seconds:g} s",
            now,
        )
    return obligations(run_id, run, now)


def _settle(ctx: SupervisorContext, run_id: str, transition: Transition, report: SweepReport) -> None:
    try:
        settled = follow(ctx, run_id, transition, SEND_TIMEOUT_SECONDS)
    except RunNotFound:
        return
    except Exception:  # noqa: BLE001 - one run's failure (the bus is down) must not stop the sweep
        log.warning("sweep could not settle run %s; the next sweep will", run_id, exc_info=True)
        report.errors.append(run_id)
        return
    if settled is None:
        return
    _, outcome = settled
    if outcome.changes and outcome.changes.get("status") == "failed":
        report.failed.append(run_id)
    elif outcome.events or outcome.dispatch or outcome.completed:
        report.resent.append(run_id)
