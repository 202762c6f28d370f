"""Builds the relay from configuration: Redis clients, push authentication, the app.

Imports at the top, Redis included: the relay builds everything before it listens, so
nothing is gained by loading any of it later.
"""

from __future__ import annotations

import redis as redis_sync
import redis.asyncio as redis_async

from shared_lib.auth import Revocations
from shared_lib.clients.secret_manager import secret_manager_client
from shared_lib.config import ConfigError, EnvReader, load_settings
from shared_lib.idempotency import IdempotencyGuard
from shared_lib.log import configure_logging
from shared_lib.push_auth import PushAuthenticator
from shared_lib.secrets import SecretReader

from netra_relay.app import build_app
from netra_relay.settings import load_relay_settings


def build(environ=None):
    shared = load_settings(environ)
    settings = load_relay_settings(shared, environ)
    configure_logging(shared.project_id, shared.log_level)
    if not shared.redis_url:
        raise ConfigError(["REDIS_URL is not set"])
    shared_token = None
    if not settings.push_service_account:
        shared_token = SecretReader(secret_manager_client(shared), shared.project_id).get_text("relay-push-token")
    # The dashboard reads usage straight from analytics (optional: without it, no dashboard).
    analytics_url = (EnvReader(environ).text("analytics_url", ("ANALYTICS_URL",)) or "").rstrip("/") or None
    blocking = redis_sync.Redis.from_url(shared.redis_url)
    app = build_app(
        settings,
        # A blocking pool: a burst of handshakes waits for a connection instead of failing.
        redis_async.Redis(
            connection_pool=redis_async.BlockingConnectionPool.from_url(
                shared.redis_url, max_connections=64, timeout=10
            )
        ),
        PushAuthenticator(shared_token, settings.push_service_account, settings.push_audience),
        IdempotencyGuard(blocking, "relay-push"),
        Revocations(blocking),
        {
            "auth_url": shared.auth_url,
            "chat_url": settings.chat_url,
            "analytics_url": analytics_url,
            "dev_login": shared.is_local,
            "providers": ["google", "github"],
        },
    )
    return app, settings, shared
