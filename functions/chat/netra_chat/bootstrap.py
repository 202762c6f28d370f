"""The chat function's composition root: its configuration, validated at cold start, and its
collaborators, built from it lazily, once per instance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared_lib.config import Settings, load_settings
from shared_lib.instance import per_instance

if TYPE_CHECKING:  # the service and its store load with the first request, not at cold start
    from netra_chat.service import ChatService


def configuration(environ=None) -> Settings:
    """Every setting chat reads, validated: a bad one raises ConfigError naming it."""
    return load_settings(environ)


settings = per_instance(configuration)


def build(environ=None) -> ChatService:
    # Imported here, not at the top: the service graph (~12 ms of modules) and httpx (a heavy
    # SDK) load with the first request that needs them, so cold start and /health skip them.
    from shared_lib.auth import authenticator, exchange_token
    from shared_lib.clients.firestore import firestore_client
    from shared_lib.clients.http import http_client
    from shared_lib.clients.pubsub import publisher_client
    from shared_lib.clients.redis_store import redis_client
    from shared_lib.log import configure_logging

    from netra_chat.change_store import ChangeStore
    from netra_chat.service import ChatService
    from netra_chat.store import ChatStore, OrgSettings

    config = settings() if environ is None else configuration(environ)
    configure_logging(config.project_id, config.log_level)
    redis = redis_client(config)
    db = firestore_client(config)
    # The one HTTP client of this instance: auth's signing keys, API-key checks, token exchange.
    http = http_client()
    return ChatService(
        store=ChatStore(db),
        authenticator=authenticator(config, redis, http),
        publisher=publisher_client(config),
        redis=redis,
        project_id=config.project_id,
        delegate=lambda access_token: exchange_token(
            config.auth_url, {"Authorization": f"Bearer {access_token}"}, "usage:read", "agents", http=http
        ),
        org_settings=OrgSettings(db),
        changes=ChangeStore(db),
    )


service = per_instance(build)
