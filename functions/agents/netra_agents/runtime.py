"""How every agent runs one step: exactly once per (run, step), however often Pub/Sub
delivers it.

The step is claimed in Redis; a delivery that finds it done does nothing (its result was
published before the claim was marked done), one that finds it in flight is refused so
that Pub/Sub tries later. A `StepFailed` is the step's answer (the run fails
with its message); any other exception releases the claim for a redelivery, and a step
that never succeeds ends in the dead-letter topic, which fails the run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable

from shared_lib.envelope import PubSubMessage

from netra_agents.progress import Progress
from netra_agents.runs import TERMINAL, RunStore
from netra_agents.steps import RESULTS_TOPIC, InvalidMessage, StepResult, StepTask

log = logging.getLogger("netra.agents")


class StepFailed(Exception):
    """The step cannot do its job; the message is shown to the user."""


@dataclasses.dataclass
class AgentContext:
    store: RunStore
    publisher: object
    project_id: str
    guard: object  # IdempotencyGuard
    redis: object
    gateway: Callable[[], object]  # the LLM gateway, built on first use
    analytics_url: str | None
    http: object
    local: bool = False  # local and test runs: emulators, chaos hooks
    deadlines: object = None  # sweeper.Deadlines: when a quiet run is stranded
    org_settings: object = None  # shared_lib.org_settings.OrgSettings: the stored monthly budget


Work = Callable[[StepTask, Progress, AgentContext], tuple[dict, dict]]  # -> (output, summary)


def run_step(message: PubSubMessage, agent: str, start_message: str, work: Work, ctx: AgentContext) -> None:
    task = StepTask.parse(message.json())
    if task.step != agent:
        raise InvalidMessage(f"the {agent} agent was sent a {task.step} step")
    claim = ctx.guard.claim(f"{task.run_id}/{task.step}")  # EventInFlight propagates: try later
    if claim is None:
        return
    try:
        if ctx.store.run(task.run_id).get("status") in TERMINAL:
            log.info("run %s already ended; %s step skipped", task.run_id, agent)
            claim.finish()
            return
        progress = Progress(ctx.publisher, ctx.project_id, task.user_id, task.thread_id, task.run_id, agent)
        progress.started(start_message)
        try:
            output, summary = work(task, progress, ctx)
            result = StepResult(task.run_id, task.step, "completed", summary)
            _chaos(ctx, task)
        except StepFailed as exc:
            progress.failed(str(exc))
            output, result = {"error": str(exc)}, StepResult(task.run_id, task.step, "failed", {}, str(exc))
        progress.flush()
        ctx.store.save_output(task.run_id, task.step, output)
        _publish_result(ctx, result.to_json())
    except BaseException:
        claim.release()
        raise
    claim.finish()


def _chaos(ctx: AgentContext, task: StepTask) -> None:
    """Local and test runs only: crash once, after the work and before the result, when a
    test armed `chaos:crash:{thread}/{step}` — how a redelivery is shown to finish the run."""
    if ctx.local and ctx.redis.delete(f"chaos:crash:{task.thread_id}/{task.step}"):
        raise RuntimeError(f"injected crash in the {task.step} step")


def _publish_result(ctx: AgentContext, result: dict) -> None:
    topic = f"projects/{ctx.project_id}/topics/{RESULTS_TOPIC}"
    ctx.publisher.publish(topic, json.dumps(result).encode(), run_id=result["run_id"]).result(timeout=30)
