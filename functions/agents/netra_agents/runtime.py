"""How every agent runs one step: exactly once per (run, step), however often Pub/Sub
delivers it.

A task is done only for the run it names, as the run's own (its user, org and thread); one
for no run, or for someone else's, is dropped unclaimed. The step is claimed in Redis; a
delivery that finds it done does nothing (its result was published before the claim was
marked done), one that finds it in flight is refused so that Pub/Sub tries later.

A `StepFailed` is the step's answer (the run fails with its message). So is a bug (an
exception that is not transient I/O: a KeyError in the step's code), at once: five
redeliveries would hit it five times and fail the run half a minute later with a vaguer
message. Transient I/O (a network error, a timeout, an emulator or service down, a 5xx)
releases the claim for a redelivery, and a step that never succeeds ends in the
dead-letter topic, which fails the run.

A step is a function `(task, progress, context) -> (output, summary)`: the output is saved
under the run for the steps after it (contracts.steps), the summary goes to the supervisor
in the result (contracts.agents). Each step declares its own context: only what it uses.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from shared_lib.contracts.agents import InvalidMessage, StepResult, StepTask
from shared_lib.contracts.runs import TERMINAL
from shared_lib.contracts.topics import AGENT_RESULTS, path
from shared_lib.envelope import PubSubMessage
from shared_lib.idempotency import EventInFlight, IdempotencyGuard

from netra_agents.progress import Progress
from netra_agents.runs import RunNotFound, RunStore

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
    try:
        run = runtime.store.run(task.run_id)
    except RunNotFound:
        log.warning("%s step for unknown run %s dropped", agent, task.run_id)
        return
    if (run.get("user_id"), run.get("org_id"), run.get("thread_id")) != (task.user_id, task.org_id, task.thread_id):
        # Its progress would go to the task's user, with the run's usage token: never run it.
        log.warning("%s step for run %s dropped: its user, org or thread is not the run's", agent, task.run_id)
        return
    claim = runtime.guard.claim(f"{task.run_id}/{task.step}")  # EventInFlight propagates: try later
    if claim is None:
        return
    try:
        if run.get("status") in TERMINAL:
            log.info("run %s already ended; %s step skipped", task.run_id, agent)
            claim.finish()
            return
        progress = Progress(runtime.publisher, runtime.project_id, task.user_id, task.thread_id, task.run_id, agent)
        progress.started(start_message)
        try:
            output, summary = work(task, progress, context)
        except StepFailed as exc:
            output, result = _failed(progress, task, str(exc))
        except Exception as exc:
            if transient(exc):
                raise
            # A bug: logged with its trace once, and the run's answer now.
            log.exception("the %s step of run %s failed on a bug; the run fails without a retry", agent, task.run_id)
            output, result = _failed(progress, task, bug_message(agent, exc))
        else:
            result = StepResult(task.run_id, task.step, "completed", dict(summary))
            _chaos(runtime, task)
        progress.flush()
        runtime.store.save_output(task.run_id, task.step, dict(output))
        _publish_result(runtime, result.to_json())
    except BaseException:
        claim.release()
        raise
    claim.finish()


def bug_message(agent: str, exc: BaseException) -> str:
    """What the user reads when a step fails on a bug: which step, and that asking again
    will not help (the details are in the log, not in the chat)."""
    return (
        f"The {agent} step failed on an internal error ({type(exc).__name__}). "
        "It was not retried: it would fail the same way until it is fixed."
    )


def _failed(progress: Progress, task: StepTask, message: str) -> tuple[dict, StepResult]:
    progress.failed(message)
    return {"error": message}, StepResult(task.run_id, task.step, "failed", {}, message)


def transient(exc: BaseException) -> bool:
    """Whether `exc` is I/O that a redelivery may get past: the network, a timeout, a
    store or service that is down or overloaded (an emulator restarting, a 5xx)."""
    if isinstance(exc, _transient_types()):
        return True
    response = getattr(exc, "response", None)  # httpx.HTTPStatusError: analytics or a provider answered
    status = getattr(response, "status_code", None)
    return type(exc).__name__ == "HTTPStatusError" and isinstance(status, int) and (status >= 500 or status == 429)


@functools.cache
def _transient_types() -> tuple[type[BaseException], ...]:
    """The SDKs' transient errors (each SDK is loaded already: its client was built)."""
    found: list[type[BaseException]] = [OSError, EventInFlight]  # ConnectionError, TimeoutError, socket errors
    from google.api_core import exceptions as api
    from google.auth.exceptions import TransportError

    found += [
        api.ServiceUnavailable,
        api.DeadlineExceeded,
        api.InternalServerError,
        api.BadGateway,
        api.GatewayTimeout,
        api.TooManyRequests,
        api.ResourceExhausted,
        api.Aborted,
        api.Unknown,
        api.RetryError,
        TransportError,  # google-auth: a token or key fetch failed
    ]
    import httpx
    from redis import exceptions as redis

    found += [redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError, httpx.TransportError]
    return tuple(found)


def _chaos(runtime: StepRuntime, task: StepTask) -> None:
    """Local and test runs only: crash once, after the work and before the result, when a
    test armed `chaos:crash:{thread}/{step}` — how a redelivery is shown to finish the run."""
    if runtime.chaos is not None and runtime.chaos.delete(f"chaos:crash:{task.thread_id}/{task.step}"):
        raise RuntimeError(f"injected crash in the {task.step} step")


def _publish_result(runtime: StepRuntime, result: dict) -> None:
    runtime.publisher.publish(
        path(runtime.project_id, AGENT_RESULTS), json.dumps(result).encode(), run_id=result["run_id"]
    ).result(timeout=30)
