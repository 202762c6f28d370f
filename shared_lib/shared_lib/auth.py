"""The one way a Netra component verifies who is calling.

Access and refresh tokens are ES256 JWTs signed by the auth function only; every other
component verifies them here against auth's JWKS (fetched and cached), with the algorithm
pinned, every required claim checked, the token type enforced and session revocation
looked up in Redis. A delegated token (from auth's token exchange) lets the agents read a
user's usage while a run lasts: read-only scopes, the user's org and session, and accepted
only where a route opts in. Org API keys (machine ingest) are opaque; they are checked by the
auth function's `/auth/validate`, which holds their hashes.

httpx and PyJWT are imported where a key is fetched or a token read: heavy SDKs, kept off
the cold start of every component that imports this module.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from shared_lib.access import USER, Access  # noqa: F401 - USER re-exported: who most endpoints admit
from shared_lib.config import ConfigError
from shared_lib.errors import Forbidden, RateLimited

ALGORITHMS = ["ES256"]
ACCESS, REFRESH, DELEGATED = "access", "refresh", "delegated"
API_KEY_PREFIX = "netra_sk_"
REFRESH_AUDIENCE_SUFFIX = "#refresh"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "jti", "typ", "sid"]
_REVOKED = "auth:revoked-session:"
# Published with {"session_id"} when a session is revoked, so that holders of long-lived
# connections (the relay's sockets) end them at once instead of at their next check.
REVOCATION_CHANNEL = "auth:revocations"


class InvalidToken(Exception):
    """The credential is not acceptable; `code` is stable and safe to show the caller.
    `retry_after` (seconds) when auth refused for a rate limit (code `rate_limited`)."""

    def __init__(self, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after  # seconds, when refused by a rate limit (429)


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in user (access token), a service acting for one (delegated
    token) or an org's machine (API key)."""

    kind: str  # "user" | "delegated" | "api_key"
    org_id: str
    user_id: str | None
    permissions: tuple[str, ...]
    expires_at: int | None
    session_id: str | None = None
    email: str | None = None

    def as_validation(self) -> dict[str, Any]:
        return {
            "valid": True,
            "kind": self.kind,
            "user_id": self.user_id,
            "org_id": self.org_id,
            "permissions": list(self.permissions),
            "expires_at": self.expires_at,
        }


class Revocations:
    """Revoked sessions in Redis, kept as long as any token of the session may live."""

    def __init__(self, redis):
        self._redis = redis

    def revoke(self, session_id: str, ttl_seconds: int) -> None:
        self._redis.set(_REVOKED + session_id, "1", ex=max(1, ttl_seconds))
        self._redis.publish(REVOCATION_CHANNEL, json.dumps({"session_id": session_id}))

    def is_revoked(self, session_id: str) -> bool:
        return bool(self._redis.exists(_REVOKED + session_id))


class JwksKeys:
    """Public keys by `kid` from a JWKS URL: cached, refetched on an unknown kid at most
    once per `min_refetch_seconds` so a flood of forged kids cannot hammer auth."""

    def __init__(self, url: str, http, ttl_seconds: float = 600, min_refetch_seconds: float = 30, clock=time.monotonic):
        # `http`: the component's one httpx.Client, built in its composition root.
        self._url = url
        self._http = http
        self._ttl = ttl_seconds
        self._min_refetch = min_refetch_seconds
        self._clock = clock
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def __call__(self, kid: str):
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at > self._ttl
            may_refetch = self._fetched_at is None or now - self._fetched_at > self._min_refetch
            if stale or (kid not in self._keys and may_refetch):
                self._keys = self._fetch()
                self._fetched_at = now
            key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("unknown_key", f"no signing key with kid {kid!r}")
        return key

    def _fetch(self) -> dict[str, Any]:
        import httpx
        import jwt

        try:
            response = self._http.get(self._url, timeout=5.0)
            response.raise_for_status()
            keyset = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWKSetError) as exc:
            raise InvalidToken("keys_unavailable", f"could not load signing keys: {exc}") from None
        return {key.key_id: key.key for key in keyset.keys if key.key_id}


class TokenVerifier:
    def __init__(
        self,
        keys: Callable[[str], Any],
        issuer: str,
        audience: str,
        revocations: Revocations | None,
        leeway_seconds: int = 5,
    ):
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._revocations = revocations
        self._leeway = leeway_seconds

    def verify(self, token: str, token_type: str = ACCESS) -> dict[str, Any]:
        """Claims of a valid token of `token_type`; raises InvalidToken otherwise."""
        import jwt

        if not isinstance(token, str) or token.count(".") != 2:
            raise InvalidToken("malformed_token", "the token is not a JWT")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:  # not only DecodeError: a non-string kid is refused here too
            raise InvalidToken("malformed_token", "the token header cannot be decoded") from None
        if header.get("alg") not in ALGORITHMS:
            # Refuses `none` and HS256-with-the-public-key before any key is touched.
            raise InvalidToken("unsupported_algorithm", f"algorithm {header.get('alg')!r} is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("missing_kid", "the token header has no kid")
        try:
            # The audience is checked below, after the type, so that a refresh token offered
            # as an access token is named for what it is.
            claims = jwt.decode(
                token,
                self._keys(kid),
                algorithms=ALGORITHMS,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": REQUIRED_CLAIMS, "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token_expired", "the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("token_not_yet_valid", "the token is not valid yet") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("wrong_issuer", "the token was not issued by Netra auth") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken("missing_claim", f"the token lacks the {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("bad_signature", "the token signature does not verify") from None
        except jwt.InvalidTokenError as exc:
            raise InvalidToken("invalid_token", f"the token is invalid: {exc}") from None
        if claims.get("typ") != token_type:
            raise InvalidToken(
                "wrong_token_type", f"a {claims.get('typ')} token cannot be used as a {token_type} token"
            )
        audience = self._issuer + REFRESH_AUDIENCE_SUFFIX if token_type == REFRESH else self._audience
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if audience not in audiences:
            raise InvalidToken("wrong_audience", "the token is not meant for this service")
        if self._revocations is not None and self._revocations.is_revoked(str(claims["sid"])):
            raise InvalidToken("token_revoked", "the session of this token was revoked")
        return claims

    def principal(self, token: str, token_type: str = ACCESS) -> Principal:
        claims = self.verify(token, token_type)
        return Principal(
            kind="user" if token_type == ACCESS else token_type,
            org_id=str(claims.get("org_id", "")),
            user_id=str(claims["sub"]),
            permissions=tuple(claims.get("permissions", ())),
            expires_at=int(claims["exp"]),
            session_id=str(claims["sid"]),
            email=claims.get("email"),
        )


def bearer_token(headers: Mapping[str, str]) -> str:
    """The credential of an `Authorization: Bearer …` header."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
    if not value:
        raise InvalidToken("missing_token", "an Authorization: Bearer token is required")
    scheme, _, credential = value.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise InvalidToken("malformed_authorization", "the Authorization header must be 'Bearer <token>'")
    return credential.strip()


class Authenticator:
    """What an HTTP component uses: a user's access token verified locally, an org API
    key checked by auth's `/auth/validate`."""

    def __init__(self, verifier: TokenVerifier, validate_url: str | None, http=None, trusted_proxy_hops: int = 0):
        # API keys are checked over `http`, the component's one client: one is needed with a URL.
        if validate_url and http is None:
            raise ValueError("checking API keys at a validate_url needs the component's HTTP client")
        self._verifier = verifier
        self._validate_url = validate_url
        self._http = http
        # Behind proxies, the client's address is in the headers: auth counts a client's
        # refused keys per client, not all of ours under this component's address.
        self._trusted_proxy_hops = trusted_proxy_hops

    def authenticate(
        self, headers: Mapping[str, str], allow_api_key: bool = False, allow_delegated: bool = False
    ) -> Principal:
        token = bearer_token(headers)
        if token.startswith(API_KEY_PREFIX):
            if not allow_api_key:
                raise InvalidToken("api_key_not_accepted", "this endpoint needs a user's access token")
            return self._validate_remotely(token, headers)
        if allow_delegated and _token_type(token) == DELEGATED:
            return self._verifier.principal(token, DELEGATED)
        return self._verifier.principal(token)

    def admit(self, headers: Mapping[str, str], access: Access) -> Principal:
        """The caller, if `access` admits it: raises InvalidToken (unauthenticated) or
        errors.Forbidden (a key or delegated token without the endpoint's scope)."""
        caller = self.authenticate(headers, allow_api_key=access.api_key, allow_delegated=access.delegated)
        if access.scope is not None and caller.kind != "user" and access.scope not in caller.permissions:
            noun = "API key" if caller.kind == "api_key" else f"{caller.kind} token"
            raise Forbidden("forbidden", f"this {noun} may not {access.scope_allows or 'use ' + access.scope}")
        return caller

    def _validate_remotely(self, token: str, headers: Mapping[str, str]) -> Principal:
        import httpx

        if not self._validate_url:
            raise InvalidToken("keys_unavailable", "API keys cannot be checked: AUTH_URL is not configured")
        body = {"token": token}
        client = _forwarded_client(headers, self._trusted_proxy_hops)
        if client:
            body["client_ip"] = client
        try:
            response = self._http.post(self._validate_url, json=body, timeout=5.0)
            if response.status_code == 429:
                # This client has spent its refused validations: it waits, it is not unauthenticated.
                retry_after = _retry_after(response.headers.get("Retry-After", ""))
                raise RateLimited("rate_limited", f"too many refused API keys; retry in {retry_after} s", retry_after)
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise InvalidToken("keys_unavailable", f"API key validation is unavailable: {exc}") from None
        if not answer.get("valid"):
            raise InvalidToken(answer.get("error", "invalid_api_key"), "the API key is not valid")
        return Principal(
            kind="api_key",
            org_id=answer["org_id"],
            user_id=answer.get("user_id"),
            permissions=tuple(answer.get("permissions", ())),
            expires_at=answer.get("expires_at"),
        )


def exchange_token(auth_url: str, headers: Mapping[str, str], scope: str, actor: str, http) -> dict:
    """A delegated token for `actor` from the caller's access token (auth's token exchange):
    `{"access_token", "expires_in", "scope", …}`. Raises InvalidToken when refused."""
    import httpx

    try:
        response = http.post(
            f"{auth_url}/auth/token-exchange",
            json={"scope": scope, "actor": actor},
            headers={"Authorization": f"Bearer {bearer_token(headers)}"},
            timeout=10.0,
        )
    except httpx.HTTPError as exc:
        raise InvalidToken("keys_unavailable", f"token exchange is unavailable: {exc}") from None
    if response.status_code != 200:
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            error = {"code": "keys_unavailable", "message": f"token exchange answered {response.status_code}"}
        raise InvalidToken(
            error.get("code", "invalid_token"),
            error.get("message", "token exchange refused"),
            _retry_after(response.headers.get("Retry-After", "")) if response.status_code == 429 else None,
        )
    return response.json()


def _retry_after(value: str) -> int:
    """Seconds from a 429's Retry-After (delta-seconds, bounded); a minute when absent or odd."""
    value = value.strip()
    return min(int(value), 3600) if value.isdigit() and len(value) <= 6 else 60


class _Forwarded:
    """A request as far as its headers tell: the peer is not among them."""

    remote_addr = None

    def __init__(self, headers: Mapping[str, str]):
        self.headers = headers


def _forwarded_client(headers: Mapping[str, str], trusted_hops: int) -> str | None:
    """The client's address as our proxies wrote it (shared_lib.http.client_ip's rule); None
    without proxies, where auth sees the client's own address anyway, or without the header."""
    if trusted_hops < 1:
        return None
    from shared_lib.http import client_ip

    client = client_ip(_Forwarded(headers), trusted_hops)
    return None if client == "unknown" else client


def _token_type(token: str) -> str | None:
    """The claimed `typ`, unverified: only picks which verification applies."""
    import jwt

    try:
        return jwt.decode(token, options={"verify_signature": False}).get("typ")
    except jwt.InvalidTokenError:
        return None


def authenticator(settings, redis, http) -> Authenticator:
    """The standard Authenticator for a component: JWKS and validation from AUTH_URL, over
    `http` (the component's one httpx.Client, built in its composition root)."""
    if not settings.auth_url:
        raise ConfigError(["AUTH_URL is not set: tokens cannot be verified"])
    verifier = TokenVerifier(
        JwksKeys(f"{settings.auth_url}/auth/.well-known/jwks.json", http=http),
        settings.token_issuer,
        settings.token_audience,
        Revocations(redis),
    )
    return Authenticator(
        verifier, f"{settings.auth_url}/auth/validate", http=http, trusted_proxy_hops=settings.trusted_proxy_hops
    )
