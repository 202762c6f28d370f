"""Builds the auth function's collaborators from configuration: lazily, once per instance."""

from __future__ import annotations

import logging

from shared_lib.instance import per_instance

from netra_auth.service import AuthService

log = logging.getLogger("netra.auth")


def build(environ=None) -> AuthService:
    from shared_lib.auth import Revocations, TokenVerifier
    from shared_lib.clients.postgres import ConnectionPool, connection_factory
    from shared_lib.clients.redis_store import redis_client
    from shared_lib.clients.secret_manager import secret_manager_client
    from shared_lib.config import load_settings
    from shared_lib.log import configure_logging
    from shared_lib.ratelimit import RateLimiter
    from shared_lib.secrets import SecretReader

    from netra_auth.flows import FlowStore
    from netra_auth.keys import SECRET_NAME, KeyRing
    from netra_auth.migrate import migrate
    from netra_auth.providers import ClientCredentials, GitHubProvider, GoogleProvider
    from netra_auth.settings import load_auth_settings
    from netra_auth.store import AuthStore
    from netra_auth.tokens import TokenIssuer, TokenPolicy

    settings = load_settings(environ)
    auth_settings = load_auth_settings(settings, environ)
    configure_logging(settings.project_id, settings.log_level)
    connect = connection_factory(settings)
    applied = migrate(connect)
    if applied:
        log.info("applied auth migrations %s", applied)
    redis = redis_client(settings)
    secrets = SecretReader(secret_manager_client(settings), settings.project_id)
    keys = KeyRing(lambda: secrets.get(SECRET_NAME, cached=False))
    revocations = Revocations(redis)
    providers: dict[str, object] = {}
    if auth_settings.google_client_id:
        providers["google"] = GoogleProvider(
            ClientCredentials(auth_settings.google_client_id, secrets.get_text("oauth-google-client-secret")),
            auth_settings.google_discovery_url,
        )
    if auth_settings.github_client_id:
        providers["github"] = GitHubProvider(
            ClientCredentials(auth_settings.github_client_id, secrets.get_text("oauth-github-client-secret")),
            auth_settings.github_authorize_url,
            auth_settings.github_token_url,
            auth_settings.github_api_url,
        )
    return AuthService(
        settings=auth_settings,
        store=AuthStore(ConnectionPool(connect)),
        keys=keys,
        issuer=TokenIssuer(keys, TokenPolicy(settings.token_issuer, settings.token_audience, auth_settings.access_ttl, auth_settings.refresh_ttl)),
        verifier=TokenVerifier(keys.public_key, settings.token_issuer, settings.token_audience, revocations),
        revocations=revocations,
        flows=FlowStore(redis),
        limiter=RateLimiter(redis, "auth", auth_settings.rate_limit_per_minute, 60),
        providers=providers,
        redis=redis,
    )


service = per_instance(build)
