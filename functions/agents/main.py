"""Cloud Function entry points of the agents, one per Pub/Sub hop: `supervisor`, `triage`,
`data`, `optimization`, `actions`, `reporting`, each behind its own push subscription; and
`sweeper`, called on a schedule (Cloud Scheduler with OIDC; the launcher's timer locally),
that fails the runs a lost message stranded.

Every one is an HTTP function that reads the push itself: the caller is checked first
(`shared_lib.push_auth`: Pub/Sub's or the scheduler's OIDC token deployed, the shared
`?token=` locally), then the envelope is decoded by `shared_lib.envelope`, and every refusal
is a JSON error with one log line. Served as CloudEvent functions, functions-framework
would decode the push before any of our code ran: a malformed one got its HTML error page
(or a 500 with a stack trace), and an unauthenticated one reached the handler.

Every function deploys this same file: the settings are validated when it loads, the
clients built on the first accepted call, once per instance, and a step's own module is
imported only by that step's function (bootstrap).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import functions_framework

from shared_lib.contracts.agents import InvalidMessage
from shared_lib.envelope import EnvelopeError, PubSubMessage, from_http
from shared_lib.idempotency import EventInFlight
from shared_lib.push_auth import PushRefused

from netra_agents.bootstrap import agents, configure, pushes
from netra_agents.runtime import run_step, transient
from netra_agents.supervisor import supervise
from netra_agents.sweeper import sweep

log = logging.getLogger("netra.agents")
# Pub/Sub's largest message (10 MB) base64-encoded in its envelope, with room for attributes.
MAX_PUSH_BYTES = 14 * 1024 * 1024

# Read and validated at cold start: a bad setting stops the instance, named, before any event.
configure()


def _error(status: int, code: str, message: str, headers: dict | None = None):
    return {"error": {"code": code, "message": message}}, status, headers or {}


def _served(name: str, request, handle: Callable[[], object]):
    """The answer to a call of `name` that passed the method check: the caller checked,
    then `handle`. Pub/Sub redelivers on any answer but 2xx: a refused or malformed push is
    redelivered until it is dead-lettered, which is what lets a misconfigured token heal
    once fixed, and what records a poison message (4xx: it will not become valid)."""
    try:
        pushes().check(request.headers, request.args)  # before the body is even read
        return handle()
    except PushRefused as exc:
        log.warning("%s: call refused: %s", name, exc)  # the reason, never the token
        return _error(401, "unauthenticated", "calls must carry the push token (OIDC deployed)")
    except (EnvelopeError, InvalidMessage) as exc:
        log.warning("%s: push refused: %s", name, exc)
        return _error(400, "invalid_message", str(exc))
    except EventInFlight:
        log.info("%s: the step is in flight in another delivery; Pub/Sub will push again", name)
        return _error(503, "in_flight", "this step is being run by another delivery", {"Retry-After": "10"})
    except Exception as exc:
        if not transient(exc):
            raise  # a bug of the supervisor or the runtime: functions-framework logs its trace
        log.warning("%s: transient failure, Pub/Sub will push again: %s: %s", name, type(exc).__name__, exc)
        return _error(503, "unavailable", "a store or service is unavailable; try again")


def _push(name: str, process: Callable[[PubSubMessage], None]):
    def serve(request):
        if request.method != "POST":
            if request.path.rstrip("/").endswith("/health"):
                return {"status": "ok"}
            return _error(405, "method_not_allowed", "Pub/Sub pushes are POSTed", {"Allow": "POST"})

        def handle():
            if (request.content_length or 0) > MAX_PUSH_BYTES:
                return _error(413, "payload_too_large", f"a push is at most {MAX_PUSH_BYTES} bytes")
            process(from_http(request.headers, request.get_data()))
            return "", 204

        return _served(name, request, handle)

    serve.__name__ = name
    return functions_framework.http(serve)


def _step(agent: str, start_message: str):
    def process(message: PubSubMessage) -> None:
        built = agents()
        work, context = built.step(agent)
        run_step(message, agent, start_message, work, context, built.runtime())

    return _push(agent, process)


supervisor = _push("supervisor", lambda message: supervise(message, agents().supervisor()))
triage = _step("triage", "Understanding the question")
data = _step("data", "Reading your usage")
optimization = _step("optimization", "Looking for savings")
actions = _step("actions", "Planning the rollout")
reporting = _step("reporting", "Writing the report")


@functions_framework.http
def sweeper(request):
    if request.path.rstrip("/").endswith("/health"):
        return {"status": "ok"}
    if request.method != "POST":
        return _error(405, "method_not_allowed", "POST to sweep", {"Allow": "POST"})

    def handle():
        built = agents()
        return sweep(built.supervisor(), built.deadlines).to_json()

    return _served("sweeper", request, handle)
