"""The Pub/Sub topics components publish to, named once. Each name is a topic of
`topology.yaml` (a test checks it), so a typo is caught before a message is lost."""

from __future__ import annotations

AGENT_REQUESTS = "agent-requests"
AGENT_RESULTS = "agent-results"
AGENT_DEAD_LETTER = "agent-dead-letter"
CLIENT_EVENTS = "client-events"
USAGE_EVENTS = "usage-events"
# One topic per agent step, named after the step.
AGENT_STEPS = ("triage", "data", "optimization", "actions", "reporting")


def agent_step(step: str) -> str:
    """The topic a step's tasks are published to."""
    if step not in AGENT_STEPS:
        raise KeyError(f"no agent step {step!r}")
    return f"agent-{step}"


def path(project_id: str, topic: str) -> str:
    """The topic's resource name, as publishers take it."""
    return f"projects/{project_id}/topics/{topic}"
