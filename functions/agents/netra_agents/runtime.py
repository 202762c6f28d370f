"""How every agent runs one step: exactly once per (run, step), however often Pub/Sub
delivers it.

The step is claimed in Redis; a delivery that finds it done does nothing (its result was
published before the claim was marked done), one that finds it in flight is refused so
that Pub/Sub tries later. A `StepFailed` is the step's answer (the run fails
with its message); any other exception releases the claim for a redelivery, and a step
that never succeeds ends in the dead-letter topic, which fails the run.

A step is a function `(task, progress, context) -> (output, summary)`: the output is saved
under the run for the steps after it (contracts.steps), the summary goes to the supervisor
in the result (contracts.agents). Each step declares its own context: only what it uses.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from shared_lib.contracts.agents import InvalidMessage, StepResult, StepTask
from shared_lib.contracts.runs import TERMINAL
from shared_lib.contracts.topics import AGENT_RESULTS, path
from shared_lib.envelope import PubSubMessage
from shared_lib.idempotency import IdempotencyGuard

from netra_agents.progress import Progress
from netra_agents.runs import RunStore

if TYPE_CHECKING:  # the client is built in bootstrap; importing redis costs ~0.2 s of cold start
    from redis import Redis

log = logging.getLogger("netra.agents")

Context = TypeVar("Context")
# (task, progress, the step's context) -> (output, summary)
Step = Callable[[StepTask, Progress, Context], tuple[Mapping[str, Any], Mapping[str, Any]]]


class StepFailed(Exception):
    """The step cannot do its job; the message is shown to the user."""


@dataclasses.dataclass(frozen=True)
class StepRuntime:
    """What running any step takes, besides the step's own context."""

    store: RunStore
    publisher: Any  # google.cloud.pubsub PublisherClient (or the local one)
    project_id: str
    guard: IdempotencyGuard
    chaos: Redis | None = None  # local and test runs only: the crash hooks' store


@dataclasses.dataclass(frozen=True)
class PriorOutputs:
    """The context of a step that reads only what earlier steps saved (optimization, actions)."""

    store: RunStore


def run_step(
    message: PubSubMessage, agent: str, start_message: str, work: Step[Context], context: Context, runtime: StepRuntime
) -> None:
    task = StepTask.parse(message.json())
    if task.step != agent:
        raise InvalidMessage(f"the {agent} agent was sent a {task.step} step")
    claim = runtime.guard.claim(f"{task.run_id}/{task.step}")  # EventInFlight propagates: try later
    if claim is None:
        return
    try:
        if runtime.store.run(task.run_id).get("status") in TERMINAL:
            log.info("run %s already ended; %s step skipped", task.run_id, agent)
            claim.finish()
            return
        progress = Progress(runtime.publisher, runtime.project_id, task.user_id, task.thread_id, task.run_id, agent)
        progress.started(start_message)
        try:
            output, summary = work(task, progress, context)
            result = StepResult(task.run_id, task.step, "completed", dict(summary))
            _chaos(runtime, task)
        except StepFailed as exc:
            progress.failed(str(exc))
            output, result = {"error": str(exc)}, StepResult(task.run_id, task.step, "failed", {}, str(exc))
        progress.flush()
        runtime.store.save_output(task.run_id, task.step, dict(output))
        _publish_result(runtime, result.to_json())
    except BaseException:
        claim.release()
        raise
    claim.finish()


def _chaos(runtime: StepRuntime, task: StepTask) -> None:
    """Local and test runs only: crash once, after the work and before the result, when a
    test armed `chaos:crash:{thread}/{step}` — how a redelivery is shown to finish the run."""
    if runtime.chaos is not None and runtime.chaos.delete(f"chaos:crash:{task.thread_id}/{task.step}"):
        raise RuntimeError(f"injected crash in the {task.step} step")


def _publish_result(runtime: StepRuntime, result: dict) -> None:
    runtime.publisher.publish(
        path(runtime.project_id, AGENT_RESULTS), json.dumps(result).encode(), run_id=result["run_id"]
    ).result(timeout=30)
