"""The analytics function's composition root: its configuration, validated at cold start, and
its collaborators, built from it lazily, once per instance.

`build` and `_local_push_token` import what they wire where they run, on the first request:
httpx, shared_lib.auth and the service with the warehouse are the bulk of the function's
imports, and even the light client factories, logging and the lock add ~4 ms to cold start.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shared_lib.config import Settings, load_settings
from shared_lib.instance import per_instance
from shared_lib.push_auth import PushAuthenticator  # loaded at cold start by routes already

from netra_analytics.settings import AnalyticsSettings, load_analytics_settings

if TYPE_CHECKING:  # the service, the warehouse and the importers load with the first request
    from netra_analytics.service import AnalyticsService

log = logging.getLogger("netra.analytics")


def configuration(environ=None) -> tuple[Settings, AnalyticsSettings]:
    """Every setting analytics reads, shared and its own, validated: a bad one raises
    ConfigError naming it."""
    shared = load_settings(environ)
    return shared, load_analytics_settings(shared, environ)


settings = per_instance(configuration)


def build(environ=None) -> AnalyticsService:
    from shared_lib.auth import authenticator
    from shared_lib.clients.clickhouse import clickhouse_client
    from shared_lib.clients.http import http_client
    from shared_lib.clients.pubsub import publisher_client
    from shared_lib.clients.redis_store import redis_client
    from shared_lib.log import configure_logging

    from netra_analytics import warehouse
    from netra_analytics.ingest_lock import RedisOrgLock
    from netra_analytics.intake_limits import IntakeLimits
    from netra_analytics.service import AnalyticsService

    config, own = settings() if environ is None else configuration(environ)
    configure_logging(config.project_id, config.log_level)
    client = clickhouse_client(config)
    applied = warehouse.migrate(client, cluster=config.clickhouse_cluster)
    if applied:
        log.info("applied warehouse migrations %s", applied)
    redis = redis_client(config)
    return AnalyticsService(
        # One HTTP client for the instance: auth's signing keys and API-key checks.
        authenticator=authenticator(config, redis, http_client()),
        publisher=publisher_client(config),
        project_id=config.project_id,
        warehouse_client=client,
        # Locally the consumer's push route shares this process; it takes the launcher's
        # shared push token (deployed, the consumer is its own function behind Cloud Run IAM
        # that only the push identity, with Pub/Sub's OIDC token, may invoke).
        push=PushAuthenticator(lambda: _local_push_token(config)) if config.is_local else None,
        # Deployed, consumer instances scale out: they store an org's batches one at a time
        # (ADR 0008). Locally the consumer is this one process, and a lock per process does.
        ingest_lock=None if config.is_local else RedisOrgLock(redis),
        compress_batches=config.usage_batch_encoding == "gzip",
        # Per key and per org, shared by every instance (netra_analytics.settings).
        intake_limits=IntakeLimits.of(redis, own),
    )


def _local_push_token(settings) -> str:
    from shared_lib.clients.secret_manager import secret_manager_client
    from shared_lib.secrets import SecretReader

    return SecretReader(secret_manager_client(settings), settings.project_id).get_text("relay-push-token")


service = per_instance(build)
