"""The auth function's composition root: its configuration, validated at cold start, and its
collaborators, built from it lazily, once per instance."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shared_lib.config import Settings, load_settings
from shared_lib.instance import per_instance

from netra_auth.settings import AuthSettings, load_auth_settings

if TYPE_CHECKING:  # the service and its store load with the first request, not at cold start
    from netra_auth.service import AuthService

log = logging.getLogger("netra.auth")


def configuration(environ=None) -> tuple[Settings, AuthSettings]:
    """Every setting auth reads, shared and its own, validated: a bad one raises ConfigError naming it."""
    shared = load_settings(environ)
    return shared, load_auth_settings(shared, environ)


settings = per_instance(configuration)


def build(environ=None) -> AuthService:
    # Imported here, not at the top: the service graph (~16 ms of modules) and httpx (a heavy
    # SDK) load with the first request that needs them, so cold start and /health skip them.
    from shared_lib.auth import Authenticator, Revocations, TokenVerifier
    from shared_lib.clients.http import http_client
    from shared_lib.clients.postgres import ConnectionPool, connection_factory
    from shared_lib.clients.redis_store import redis_client
    from shared_lib.clients.secret_manager import secret_manager_client
    from shared_lib.log import configure_logging
    from shared_lib.ratelimit import RateLimiter
    from shared_lib.secrets import SecretReader

    from netra_auth.flows import FlowStore
    from netra_auth.keys import SECRET_NAME, KeyRing
    from netra_auth.migrate import migrate
    from netra_auth.misses import MissBudget
    from netra_auth.providers import ClientCredentials, GitHubProvider, GoogleProvider
    from netra_auth.service import AuthService
    from netra_auth.store import AuthStore
    from netra_auth.tokens import TokenIssuer, TokenPolicy

    shared, auth_settings = settings() if environ is None else configuration(environ)
    configure_logging(shared.project_id, shared.log_level)
    connect = connection_factory(shared)
    applied = migrate(connect)
    if applied:
        log.info("applied auth migrations %s", applied)
    redis = redis_client(shared)
    secrets = SecretReader(secret_manager_client(shared), shared.project_id)
    keys = KeyRing(lambda: secrets.get(SECRET_NAME, cached=False))
    revocations = Revocations(redis)
    # The one HTTP client of this instance: OpenID discovery and the providers' keys.
    http = http_client(timeout=10.0)
    providers: dict[str, object] = {}
    if auth_settings.google_client_id:
        providers["google"] = GoogleProvider(
            ClientCredentials(auth_settings.google_client_id, secrets.get_text("oauth-google-client-secret")),
            auth_settings.google_discovery_url,
            http,
        )
    if auth_settings.github_client_id:
        providers["github"] = GitHubProvider(
            ClientCredentials(auth_settings.github_client_id, secrets.get_text("oauth-github-client-secret")),
            auth_settings.github_authorize_url,
            auth_settings.github_token_url,
            auth_settings.github_api_url,
        )
    verifier = TokenVerifier(keys.public_key, shared.token_issuer, shared.token_audience, revocations)
    return AuthService(
        settings=auth_settings,
        store=AuthStore(ConnectionPool(connect)),
        keys=keys,
        issuer=TokenIssuer(
            keys,
            TokenPolicy(
                shared.token_issuer, shared.token_audience, auth_settings.access_ttl, auth_settings.refresh_ttl
            ),
        ),
        verifier=verifier,
        revocations=revocations,
        flows=FlowStore(redis),
        limiter=RateLimiter(redis, "auth", auth_settings.rate_limit_per_minute, 60),
        providers=providers,
        redis=redis,
        # Auth verifies its own tokens locally; an org API key is never a caller of its routes.
        authenticator=Authenticator(verifier, validate_url=None),
        misses=MissBudget(
            RateLimiter(redis, "auth-validate-misses", auth_settings.validate_misses_per_minute, 60),
            RateLimiter(redis, "auth-validate-caller-misses", auth_settings.validate_caller_misses_per_minute, 60),
        ),
    )


service = per_instance(build)
