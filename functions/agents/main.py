"""Cloud Function entry points of the agents, one CloudEvent function each (one Pub/Sub
hop per step): `supervisor`, `triage`, `data`, `optimization`, `actions`, `reporting`;
and `sweeper`, an HTTP function called on a schedule (Cloud Scheduler with OIDC; the
launcher's timer locally) that fails the runs a lost message stranded."""

import functions_framework


def _step(agent: str, start_message: str, work_name: str):
    def handle(event):
        from importlib import import_module

        from shared_lib.envelope import from_cloudevent

        from netra_agents.bootstrap import context
        from netra_agents.runtime import run_step

        module, function = work_name.split(":")
        run_step(from_cloudevent(event), agent, start_message, getattr(import_module(module), function), context())

    handle.__name__ = agent
    return functions_framework.cloud_event(handle)


@functions_framework.cloud_event
def supervisor(event):
    from shared_lib.envelope import from_cloudevent

    from netra_agents.bootstrap import context
    from netra_agents.supervisor import supervise

    supervise(from_cloudevent(event), context())


triage = _step("triage", "Understanding the question", "netra_agents.triage:triage")
data = _step("data", "Reading your usage", "netra_agents.usage_data:read_usage")
optimization = _step("optimization", "Looking for savings", "netra_agents.optimization:find_savings")
actions = _step("actions", "Planning the rollout", "netra_agents.actions:plan_rollouts")
reporting = _step("reporting", "Writing the report", "netra_agents.reporting:write_report")


@functions_framework.http
def sweeper(request):
    if request.path.rstrip("/").endswith("/health"):
        return {"status": "ok"}
    if request.method != "POST":
        return {"error": {"code": "method_not_allowed", "message": "POST to sweep"}}, 405, {"Allow": "POST"}
    from netra_agents.bootstrap import context
    from netra_agents.sweeper import sweep

    ctx = context()
    return sweep(ctx, ctx.deadlines).to_json()
