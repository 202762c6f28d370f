"""The supervisor: receives chat's requests, the agents' results and dead letters, moves
the run through its state machine and sends what the transition asks for.

A request is the run's own or nothing: the run must exist and be the request's user's, in
their org, for their thread and message, before its delegated token is kept (a request
for no run, or for someone else's, is dropped and keeps nothing)."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

from shared_lib.contracts.agents import AgentRequest, InvalidMessage, StepResult, StepTask, is_result
from shared_lib.contracts.runs import TERMINAL
from shared_lib.contracts.topics import agent_step, path
from shared_lib.envelope import PubSubMessage
from shared_lib.events import ClientEvent, publish_client_event

from netra_agents.credentials import RunCredentials
from netra_agents.runs import (
    ERROR,
    FINAL_REPORT,
    Event,
    Outcome,
    RunNotFound,
    RunStore,
    Transition,
    on_dead_letter,
    on_request,
    on_result,
)

log = logging.getLogger("netra.agents.supervisor")
DEAD_LETTER_ATTRIBUTE = "CloudPubSubDeadLetterSourceSubscription"


@dataclasses.dataclass(frozen=True)
class SupervisorContext:
    store: RunStore
    publisher: Any  # google.cloud.pubsub PublisherClient (or the local one)
    project_id: str
    credentials: RunCredentials


def supervise(message: PubSubMessage, ctx: SupervisorContext) -> None:
    try:
        body = message.json()
    except ValueError:
        body = None
    if _dead_lettered(message):
        run_id = body.get("run_id") if isinstance(body, dict) else None
        if not run_id:
            # Never log the body: a request carries the run's delegated token.
            log.error("dead letter %s without a run id dropped", message.message_id)
            return
        what = f"the {body['step']} step" if body.get("step") else "your request"
        follow(ctx, run_id, lambda run, now, _: on_dead_letter(run_id, run, what, now))
        return
    if not isinstance(body, dict):
        raise InvalidMessage("the message is not a JSON object")
    if is_result(body):
        result = StepResult.parse(body)
        follow(ctx, result.run_id, lambda run, now, outputs: on_result(result.run_id, run, result, now, outputs))
        return
    _start(ctx, AgentRequest.parse(body))


def _start(ctx: SupervisorContext, request: AgentRequest) -> None:
    try:
        run = ctx.store.run(request.run_id)
    except RunNotFound:
        log.warning("request for unknown run %s dropped", request.run_id)
        return
    if not _requested_by_owner(run, request):
        # Never log the request's token (nor its claimed ids: they are not the run's).
        log.warning("request for run %s dropped: its user, org, thread or message is not the run's", request.run_id)
        return
    if request.delegated_token and run.get("status") not in TERMINAL:
        # Kept for the steps that read usage while the token lives; never written to Firestore.
        # Before the transition: the triage it dispatches reads it.
        ctx.credentials.keep(request.run_id, request.delegated_token, request.delegation_seconds)
    question = ctx.store.question(request.thread_id, request.message_id)
    followed = follow(ctx, request.run_id, lambda run, now, _: on_request(request.run_id, run, question, now))
    if followed is None or followed[0].get("status") in TERMINAL:
        # A request redelivered after its run ended: the read access it carried ended with
        # the run, so it is not kept for the token's remaining hour.
        ctx.credentials.forget(request.run_id)


def _requested_by_owner(run: dict, request: AgentRequest) -> bool:
    """Chat creates the run and sends its request with the same four ids (contracts.runs)."""
    claimed = (request.user_id, request.org_id, request.thread_id, request.message_id)
    return None not in claimed and claimed == (
        run.get("user_id"),
        run.get("org_id"),
        run.get("thread_id"),
        run.get("message_id"),
    )


def follow(
    ctx: SupervisorContext, run_id: str, transition: Transition, send_timeout: float = 30
) -> tuple[dict, Outcome] | None:
    """Apply a transition to the run and send what it owes (the sweeper's path too)."""
    try:
        run, outcome = ctx.store.apply(run_id, transition)
    except RunNotFound:
        log.error("message for unknown run %s dropped", run_id)
        return None
    _send(ctx, run_id, run, outcome, send_timeout)
    return run, outcome


def _send(ctx: SupervisorContext, run_id: str, run: dict, outcome: Outcome, timeout: float = 30) -> None:
    """Dispatches and events after the commit, then marks them sent; a failure here is
    retried by redelivery, which finds them still owed (see runs.obligations)."""
    futures, sent = [], list(outcome.dispatch)
    for step in outcome.dispatch:
        task = StepTask(run_id, step, run["user_id"], run["org_id"], run["thread_id"])
        futures.append(
            ctx.publisher.publish(
                path(ctx.project_id, agent_step(step)), json.dumps(task.to_json()).encode(), run_id=run_id
            )
        )
    events = list(outcome.events)
    if any(e.type == "agent_error" for e in events):
        sent.append(ERROR)
    if outcome.completed:
        events += [
            Event("final_report", {"report": run.get("result") or {}}, f"{run_id}/supervisor/final_report"),
            Event("agent_completed", {"agent": "supervisor", "message": "Done"}, f"{run_id}/supervisor/completed"),
        ]
        sent.append(FINAL_REPORT)
    for event in events:
        futures.append(
            publish_client_event(
                ctx.publisher,
                ctx.project_id,
                ClientEvent(
                    run["user_id"],
                    event.type,
                    event.payload,
                    thread_id=run.get("thread_id"),
                    run_id=run_id,
                    key=event.key,
                ),
            )
        )
    for future in futures:
        future.result(timeout=timeout)
    ctx.store.mark_sent(run_id, sent)
    if outcome.completed or ERROR in sent:
        ctx.credentials.forget(run_id)  # the run is over: so is its read access


def _dead_lettered(message: PubSubMessage) -> bool:
    subscription = message.subscription or ""
    return DEAD_LETTER_ATTRIBUTE in (message.attributes or {}) or subscription.endswith("dead-letter")
