"""Builds the analytics collaborators from configuration: lazily, once per instance."""

from __future__ import annotations

import logging

from shared_lib.instance import per_instance

from netra_analytics.service import AnalyticsService

log = logging.getLogger("netra.analytics")


def build(environ=None) -> AnalyticsService:
    from shared_lib.auth import authenticator
    from shared_lib.clients.clickhouse import clickhouse_client
    from shared_lib.clients.pubsub import publisher_client
    from shared_lib.clients.redis_store import redis_client
    from shared_lib.config import load_settings
    from shared_lib.log import configure_logging
    from shared_lib.push_auth import PushAuthenticator

    from netra_analytics import warehouse

    settings = load_settings(environ)
    configure_logging(settings.project_id, settings.log_level)
    client = clickhouse_client(settings)
    applied = warehouse.migrate(client)
    if applied:
        log.info("applied warehouse migrations %s", applied)
    return AnalyticsService(
        authenticator=authenticator(settings, redis_client(settings)),
        publisher=publisher_client(settings),
        project_id=settings.project_id,
        warehouse_client=client,
        # Locally the consumer's push route shares this process; it takes the launcher's
        # shared push token (deployed, the consumer is its own function behind Cloud Run IAM
        # that only the push identity, with Pub/Sub's OIDC token, may invoke).
        push=PushAuthenticator(lambda: _local_push_token(settings)) if settings.is_local else None,
    )


def _local_push_token(settings) -> str:
    from shared_lib.clients.secret_manager import secret_manager_client
    from shared_lib.secrets import SecretReader

    return SecretReader(secret_manager_client(settings), settings.project_id).get_text("relay-push-token")


service = per_instance(build)
