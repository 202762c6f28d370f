"""The agents' composition root: every setting read and validated, every client built,
once per instance (a bad setting fails the cold start, naming it). Each entry point then
takes the narrow context it needs: the supervisor's, the sweeper's, one step's.

The SDKs (Firestore, Pub/Sub, Redis, Secret Manager, httpx) are imported only when `build`
makes their clients (the client factories import them), the LLM gateway's on its first use:
their imports are most of a cold start.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from shared_lib.clients.firestore import firestore_client
from shared_lib.clients.http import http_client
from shared_lib.clients.pubsub import publisher_client
from shared_lib.clients.redis_store import redis_client
from shared_lib.clients.secret_manager import secret_manager_client
from shared_lib.config import EnvReader, Settings, load_settings
from shared_lib.idempotency import IdempotencyGuard
from shared_lib.instance import per_instance
from shared_lib.llm.config import LlmConfig, read_llm_config
from shared_lib.log import configure_logging
from shared_lib.org_settings import OrgSettings
from shared_lib.push_auth import PushAuthenticator
from shared_lib.secrets import SecretReader

from netra_agents.analytics import UsageApi
from netra_agents.credentials import RunCredentials
from netra_agents.runs import RunStore
from netra_agents.runtime import PriorOutputs, Step, StepRuntime
from netra_agents.steps import STEP_TIMEOUT_SECONDS
from netra_agents.supervisor import SupervisorContext
from netra_agents.sweeper import RESEND_AFTER_SECONDS, START_TIMEOUT_SECONDS, Deadlines

if TYPE_CHECKING:  # imported where the clients are built: their SDKs are most of a cold start
    import httpx
    from redis import Redis

    from shared_lib.llm.gateway import LlmGateway

_STANDARD_STEP_TIMEOUTS = dict(STEP_TIMEOUT_SECONDS)
# The launcher's shared push token (local and test runs; OIDC deployed).
PUSH_TOKEN_SECRET = "relay-push-token"
_SERVICE_ACCOUNT = re.compile(r"^[^@\s]+@[a-z0-9.-]+\.gserviceaccount\.com$")


@dataclasses.dataclass(frozen=True)
class Agents:
    """The instance's collaborators; entry points take narrow contexts from it."""

    settings: Settings
    store: RunStore
    publisher: Any  # google.cloud.pubsub PublisherClient (or the local one)
    redis: Redis
    guard: IdempotencyGuard
    usage: UsageApi
    credentials: RunCredentials
    gateway: Callable[[], LlmGateway]  # built on first use (Secret Manager's client is heavy)
    org_settings: OrgSettings
    deadlines: Deadlines

    def runtime(self) -> StepRuntime:
        return StepRuntime(
            self.store,
            self.publisher,
            self.settings.project_id,
            self.guard,
            chaos=self.redis if self.settings.is_local else None,
        )

    def supervisor(self) -> SupervisorContext:
        return SupervisorContext(self.store, self.publisher, self.settings.project_id, self.credentials)

    def step(self, agent: str) -> tuple[Step[Any], Any]:
        """The agent's step function and its context. Only that step's module is imported:
        each step deploys as a function of its own, and triage alone imports ~60 ms of parsing."""
        if agent == "triage":
            from netra_agents.triage import TriageContext, triage

            return triage, TriageContext(self.store, self.usage, self.gateway)
        if agent == "data":
            from netra_agents.usage_data import DataContext, read_usage

            return read_usage, DataContext(self.store, self.usage, self.org_settings)
        if agent == "optimization":
            from netra_agents.optimization import find_savings

            return find_savings, PriorOutputs(self.store)
        if agent == "actions":
            from netra_agents.actions import plan_rollouts

            return plan_rollouts, PriorOutputs(self.store)
        if agent == "reporting":
            from netra_agents.reporting import ReportingContext, write_report

            return write_report, ReportingContext(self.store, self.gateway)
        raise KeyError(f"no agent step {agent!r}")


@dataclasses.dataclass(frozen=True)
class Configuration:
    """Every setting of an agents instance, read and validated; no client built yet."""

    settings: Settings
    analytics_url: str | None
    deadline_percent: int
    llm: LlmConfig
    # Deployed: the one identity whose OIDC token may call this function (Pub/Sub's push
    # identity, or the scheduler's for the sweeper: the member Cloud Run's invoker binding
    # names), and the audience the token must carry (None: the URL the call was sent to,
    # which is what the push subscriptions and the scheduler job mint it for). Locally
    # neither: the launcher's shared token.
    invoker: str | None = None
    invoker_audience: str | None = None


def configuration(environ: Mapping[str, str] | None = None) -> Configuration:
    """Read at import by `main`: a bad setting stops the instance at cold start, named,
    before any event (a step, a dead letter, the sweeper) could fail on it."""
    settings = load_settings(environ)
    read = EnvReader(environ)
    analytics_url = read.text("analytics_url", ("ANALYTICS_URL",))
    # Tests shorten every deadline (steps, start, resend) to see a stranded run fail in seconds.
    percent = read.integer("deadline_percent", ("AGENT_DEADLINE_PERCENT",), 100, 1, 100)
    invoker = read.text("invoker", ("INVOKER_SERVICE_ACCOUNT",))
    audience = read.text("invoker_audience", ("INVOKER_AUDIENCE",))
    if invoker is None and not settings.is_local:
        read.problems.append(
            f"INVOKER_SERVICE_ACCOUNT is required when NETRA_ENV={settings.env}: "
            "the identity whose OIDC token may push to the agents (or call the sweeper)"
        )
    if invoker is not None and not _SERVICE_ACCOUNT.match(invoker):
        read.problems.append(f"INVOKER_SERVICE_ACCOUNT must be a service account email, got {invoker!r}")
    if audience is not None and invoker is None:
        read.problems.append("INVOKER_AUDIENCE needs INVOKER_SERVICE_ACCOUNT (it is the OIDC token's audience)")
    read.check()
    return Configuration(
        settings,
        analytics_url.rstrip("/") if analytics_url else None,
        percent,
        read_llm_config(settings, environ),
        invoker,
        audience,
    )


def push_authenticator(config: Configuration) -> PushAuthenticator:
    """Who may call an entry point; built before (and without) any client of the agents,
    so a refused call costs a comparison. Locally the shared token is read from Secret
    Manager at the first call."""
    configure_logging(config.settings.project_id, config.settings.log_level)
    if config.invoker:
        return PushAuthenticator(None, config.invoker, config.invoker_audience)
    settings = config.settings
    return PushAuthenticator(
        lambda: SecretReader(secret_manager_client(settings), settings.project_id).get_text(PUSH_TOKEN_SECRET)
    )


def build(config: Configuration | None = None) -> Agents:
    config = config or configuration()
    settings, llm = config.settings, config.llm
    configure_logging(settings.project_id, settings.log_level)
    deadlines = _scaled_deadlines(config.deadline_percent)
    redis = redis_client(settings)
    publisher = publisher_client(settings)
    http = http_client()  # the one HTTP client: analytics reads and the LLM providers
    credentials = RunCredentials(redis)
    db = firestore_client(settings)
    return Agents(
        settings=settings,
        store=RunStore(db),
        publisher=publisher,
        redis=redis,
        # A step may take minutes (the optimizer over millions of calls): a generous lease.
        guard=IdempotencyGuard(redis, "agent-step", lease_seconds=900),
        usage=UsageApi(http, config.analytics_url, credentials),
        credentials=credentials,
        gateway=per_instance(lambda: _gateway(llm, settings, http, redis, publisher)),
        org_settings=OrgSettings(db),
        deadlines=deadlines,
    )


def _gateway(llm: LlmConfig, settings: Settings, http: httpx.Client, redis: Redis, publisher: Any) -> LlmGateway:
    # Only the steps that ask a model (triage, reporting) pay for the gateway and the price catalog (~20 ms).
    from shared_lib.llm.factory import build_gateway

    return build_gateway(
        llm, settings, http, redis, publisher, SecretReader(secret_manager_client(settings), settings.project_id)
    )


def _scaled_deadlines(percent: int) -> Deadlines:
    """The step deadlines are read where a step is dispatched (runs.py): scaled in place,
    once per instance, from the standard values."""
    STEP_TIMEOUT_SECONDS.update({step: seconds * percent / 100 for step, seconds in _STANDARD_STEP_TIMEOUTS.items()})
    return Deadlines(START_TIMEOUT_SECONDS * percent / 100, RESEND_AFTER_SECONDS * percent / 100)


# Once per instance: `main` reads the configuration at import, the first event builds the clients.
configure = per_instance(configuration)
pushes = per_instance(lambda: push_authenticator(configure()))
agents = per_instance(lambda: build(configure()))
