"""Builds the chat function's collaborators from configuration: lazily, once per instance."""

from __future__ import annotations

from shared_lib.instance import per_instance

from netra_chat.service import ChatService


def build(environ=None) -> ChatService:
    from shared_lib.auth import authenticator, exchange_token
    from shared_lib.clients.firestore import firestore_client
    from shared_lib.clients.pubsub import publisher_client
    from shared_lib.clients.redis_store import redis_client
    from shared_lib.config import load_settings
    from shared_lib.log import configure_logging

    from netra_chat.store import ChatStore, OrgSettings

    settings = load_settings(environ)
    configure_logging(settings.project_id, settings.log_level)
    redis = redis_client(settings)
    db = firestore_client(settings)
    return ChatService(
        store=ChatStore(db),
        authenticator=authenticator(settings, redis),
        publisher=publisher_client(settings),
        redis=redis,
        project_id=settings.project_id,
        delegate=lambda headers: exchange_token(settings.auth_url, headers, "usage:read", "agents"),
        org_settings=OrgSettings(db),
    )


service = per_instance(build)
