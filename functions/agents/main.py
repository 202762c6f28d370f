"""Cloud Function entry points of the agents, one CloudEvent function each (one Pub/Sub
hop per step): `supervisor`, `triage`, `data`, `optimization`, `actions`, `reporting`;
and `sweeper`, an HTTP function called on a schedule (Cloud Scheduler with OIDC; the
launcher's timer locally) that fails the runs a lost message stranded.

Every function deploys this same file: the settings are validated when it loads, the
clients built on the first event, once per instance, and a step's own module is imported only by that step's function (bootstrap).
"""

import functions_framework

from shared_lib.envelope import from_cloudevent

from netra_agents.bootstrap import agents, configure
from netra_agents.runtime import run_step
from netra_agents.supervisor import supervise
from netra_agents.sweeper import sweep

# Read and validated at cold start: a bad setting stops the instance, named, before any event.
configure()


def _step(agent: str, start_message: str):
    def handle(event):
        built = agents()
        work, context = built.step(agent)
        run_step(from_cloudevent(event), agent, start_message, work, context, built.runtime())

    handle.__name__ = agent
    return functions_framework.cloud_event(handle)


@functions_framework.cloud_event
def supervisor(event):
    supervise(from_cloudevent(event), agents().supervisor())


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
        return {"error": {"code": "method_not_allowed", "message": "POST to sweep"}}, 405, {"Allow": "POST"}
    built = agents()
    return sweep(built.supervisor(), built.deadlines).to_json()
