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
    )


service = per_instance(build)
