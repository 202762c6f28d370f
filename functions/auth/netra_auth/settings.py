"""The auth function's own settings, read once with the shared EnvReader (sources known)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from shared_lib.config import EnvReader, Settings


@dataclasses.dataclass(frozen=True)
class AuthSettings:
    public_url: str  # where browsers reach this function (OAuth callbacks)
    access_ttl: int
    refresh_ttl: int
    redirect_allowlist: tuple[str, ...]
    google_client_id: str | None
    google_discovery_url: str
    github_client_id: str | None
    github_authorize_url: str
    github_token_url: str
    github_api_url: str
    rate_limit_per_minute: int
    # Refused validations a minute: per client (the caller's address, or the client a caller
    # names), and per caller whatever clients it names (see netra_auth.misses).
    validate_misses_per_minute: int
    validate_caller_misses_per_minute: int
    dev_login: bool
    trusted_proxy_hops: int  # the shared setting: where the client's address is read from
    sources: Mapping[str, str] = dataclasses.field(compare=False, repr=False)


def load_auth_settings(shared: Settings, environ: Mapping[str, str] | None = None) -> AuthSettings:
    read = EnvReader(environ)
    public_url = read.text("public_url", ("AUTH_PUBLIC_URL",), shared.auth_url)
    if not public_url:
        read.problems.append("AUTH_PUBLIC_URL (or AUTH_URL) is required: OAuth callbacks are built from it")
    allowlist = read.items("redirect_allowlist", ("AUTH_REDIRECT_ALLOWLIST",))
    for url in allowlist:
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            read.problems.append(f"AUTH_REDIRECT_ALLOWLIST entry {url!r} must be https (http only for localhost)")
    values = dict(
        public_url=(public_url or "").rstrip("/"),
        access_ttl=read.integer("access_ttl", ("AUTH_ACCESS_TTL_SECONDS",), 900, 60, 86400),
        refresh_ttl=read.integer("refresh_ttl", ("AUTH_REFRESH_TTL_SECONDS",), 30 * 86400, 3600, 180 * 86400),
        redirect_allowlist=allowlist,
        google_client_id=read.text("google_client_id", ("OAUTH_GOOGLE_CLIENT_ID",)),
        google_discovery_url=read.text(
            "google_discovery_url",
            ("OAUTH_GOOGLE_DISCOVERY_URL",),
            "https://accounts.google.com/.well-known/openid-configuration",
        ),
        github_client_id=read.text("github_client_id", ("OAUTH_GITHUB_CLIENT_ID",)),
        github_authorize_url=read.text(
            "github_authorize_url", ("OAUTH_GITHUB_AUTHORIZE_URL",), "https://github.com/login/oauth/authorize"
        ),
        github_token_url=read.text(
            "github_token_url", ("OAUTH_GITHUB_TOKEN_URL",), "https://github.com/login/oauth/access_token"
        ),
        github_api_url=read.text("github_api_url", ("OAUTH_GITHUB_API_URL",), "https://api.github.com"),
        rate_limit_per_minute=read.integer("rate_limit_per_minute", ("AUTH_RATE_LIMIT_PER_MINUTE",), 30, 1, 100000),
        validate_misses_per_minute=read.integer(
            "validate_misses_per_minute", ("AUTH_VALIDATE_MISSES_PER_MINUTE",), 60, 1, 100000
        ),
        validate_caller_misses_per_minute=read.integer(
            "validate_caller_misses_per_minute", ("AUTH_VALIDATE_CALLER_MISSES_PER_MINUTE",), 1200, 1, 1000000
        ),
        dev_login=shared.is_local,
        trusted_proxy_hops=shared.trusted_proxy_hops,
    )
    read.check()
    return AuthSettings(**values, sources=read.sources)
