"""Builds the agents' collaborators from configuration: lazily, once per instance."""

from __future__ import annotations

from shared_lib.instance import per_instance

from netra_agents.runtime import AgentContext
from netra_agents.steps import STEP_TIMEOUT_SECONDS

_STANDARD_STEP_TIMEOUTS = dict(STEP_TIMEOUT_SECONDS)


def build(environ=None) -> AgentContext:
    import httpx

    from shared_lib.clients.firestore import firestore_client
    from shared_lib.clients.pubsub import publisher_client
    from shared_lib.clients.redis_store import redis_client
    from shared_lib.config import EnvReader, load_settings
    from shared_lib.idempotency import IdempotencyGuard
    from shared_lib.log import configure_logging

    from shared_lib.org_settings import OrgSettings

    from netra_agents.runs import RunStore

    settings = load_settings(environ)
    configure_logging(settings.project_id, settings.log_level)
    read = EnvReader(environ)
    analytics_url = read.text("analytics_url", ("ANALYTICS_URL",))
    # Tests shorten every deadline (steps, start, resend) to see a stranded run fail in seconds.
    percent = read.integer("deadline_percent", ("AGENT_DEADLINE_PERCENT",), 100, 1, 100)
    read.check()
    deadlines = _scaled_deadlines(percent)
    redis = redis_client(settings)
    publisher = publisher_client(settings)

    def gateway():
        from shared_lib.clients.secret_manager import secret_manager_client
        from shared_lib.llm.factory import build_gateway
        from shared_lib.secrets import SecretReader

        return build_gateway(settings, redis, publisher, SecretReader(secret_manager_client(settings), settings.project_id),
                             environ)

    db = firestore_client(settings)
    return AgentContext(
        store=RunStore(db),
        publisher=publisher,
        project_id=settings.project_id,
        # A step may take minutes (the optimizer over millions of calls): a generous lease.
        guard=IdempotencyGuard(redis, "agent-step", lease_seconds=900),
        redis=redis,
        gateway=per_instance(gateway),
        analytics_url=analytics_url.rstrip("/") if analytics_url else None,
        http=httpx.Client(),
        local=settings.is_local,
        deadlines=deadlines,
        org_settings=OrgSettings(db),
    )


def _scaled_deadlines(percent: int):
    """The step deadlines are read where a step is dispatched (runs.py): scaled in place,
    once per instance, from the standard values."""
    from netra_agents.sweeper import RESEND_AFTER_SECONDS, START_TIMEOUT_SECONDS, Deadlines

    STEP_TIMEOUT_SECONDS.update({step: seconds * percent / 100 for step, seconds in _STANDARD_STEP_TIMEOUTS.items()})
    return Deadlines(START_TIMEOUT_SECONDS * percent / 100, RESEND_AFTER_SECONDS * percent / 100)


context = per_instance(build)
