"""What the auth routes do, with every collaborator passed in (store, issuer, Redis…): a
caller the router already admitted and typed arguments in, domain refusals out."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets
import time
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from shared_lib.auth import API_KEY_PREFIX, REFRESH, Authenticator, InvalidToken, Principal, Revocations, TokenVerifier
from shared_lib.errors import Invalid, NotFound, RateLimited, Unavailable, UpstreamFailed
from shared_lib.ratelimit import RateLimiter

from netra_auth.flows import FlowStore, binding_cookie, bound_to, cleared_cookie, cookie_name, new_binding
from netra_auth.keys import KeyRing
from netra_auth.misses import MissBudget
from netra_auth.providers import ProviderFailure
from netra_auth.settings import AuthSettings
from netra_auth.store import AuthStore, RefreshRejected
from netra_auth.tokens import TokenIssuer

VALIDATION_CACHE_SECONDS = 300
# How long an unknown API key is remembered as unknown: its next presentations cost no
# database read. Short, though creating a key clears its entry anyway.
UNKNOWN_KEY_CACHE_SECONDS = 60
# What an org API key may be given; a key holds exactly the scopes it was created with.
API_KEY_SCOPES = ("usage:write", "usage:read")
DEFAULT_API_KEY_SCOPES = ("usage:write",)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}$")
_VALIDATION = "auth:validation:"
_UNKNOWN_KEY = "auth:unknown-api-key:"


# What a delegated token may carry: reads only. One hour bounds a run.
DELEGABLE_SCOPES = {"usage:read"}
DELEGATED_TTL = 3600
_ACTOR = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_key_secret() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


@dataclasses.dataclass
class AuthService:
    settings: AuthSettings
    store: AuthStore
    keys: KeyRing
    issuer: TokenIssuer
    verifier: TokenVerifier
    revocations: Revocations
    flows: FlowStore
    limiter: RateLimiter
    providers: Mapping[str, object]
    redis: object
    authenticator: Authenticator  # admits callers: this function's own access tokens, verified locally
    misses: MissBudget  # refused validations per client and per caller
    clock: object = time.time
    new_secret: object = new_api_key_secret  # () -> an API key's secret

    def close(self) -> None:
        self.store.close()
        self.redis.close()

    # --- guards -------------------------------------------------------------------

    def limit(self, action: str, client_ip: str) -> None:
        decision = self.limiter.hit(f"{action}:{client_ip}")
        if not decision.allowed:
            raise RateLimited(
                "rate_limited", f"too many {action} requests; retry in {decision.retry_after} s", decision.retry_after
            )

    def _provider(self, name: str):
        if name not in ("google", "github"):
            raise NotFound("unknown_provider", f"no sign-in provider {name!r} (google, github)")
        provider = self.providers.get(name)
        if provider is None:
            raise Unavailable("provider_not_configured", f"sign-in with {name} is not configured here")
        return provider

    # --- sign-in --------------------------------------------------------------------

    def dev_login(self, body: dict, client_ip: str) -> dict:
        """Local and test only: the route answers 404 elsewhere, before reading the body."""
        self.limit("login", client_ip)
        email = (body.get("email") or "dev@netra.local").strip().lower()
        if not _EMAIL.match(email):
            raise Invalid("invalid_field", "field 'email' is not an email address")
        name = body.get("name") or email.split("@", 1)[0]
        user = self.store.sign_in("dev", email, email, name)
        return self._start_session(user, "dev", client_ip)

    def login_redirect(
        self, provider_name: str, redirect_uri: str | None, login_hint: str | None, client_ip: str
    ) -> tuple[str, str]:
        """Where to send the browser (the provider), and the Set-Cookie that binds this
        sign-in to that browser."""
        provider = self._provider(provider_name)
        self.limit("login", client_ip)
        if not redirect_uri:
            raise Invalid("missing_redirect_uri", "query parameter redirect_uri is required")
        if redirect_uri not in self.settings.redirect_allowlist:
            raise Invalid("redirect_uri_not_allowed", "redirect_uri is not on the allow-list")
        state, verifier, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(64), secrets.token_urlsafe(16)
        binding, binding_hash = new_binding()
        flow = {
            "provider": provider_name,
            "verifier": verifier,
            "nonce": nonce,
            "redirect_uri": redirect_uri,
            "binding": binding_hash,
        }
        try:
            url = provider.authorization_url(self._callback_url(provider_name), state, verifier, nonce, login_hint)
        except ProviderFailure as exc:
            raise UpstreamFailed(exc.code, exc.message) from None
        self.flows.put(state, flow)
        return url, binding_cookie(cookie_name(state), binding, *self._cookie_scope(provider_name))

    def callback_redirect(
        self, provider_name: str, params: Mapping[str, str], cookies: Mapping[str, str], client_ip: str
    ) -> tuple[str, str]:
        """Where to send the browser (the app with tokens, or the app with an error), and
        the Set-Cookie that clears this sign-in's binding."""
        provider = self._provider(provider_name)
        self.limit("callback", client_ip)
        state = params.get("state")
        if not state:
            self.store.audit("sign_in_failed", client_ip=client_ip, provider=provider_name, reason="missing_state")
            raise Invalid("missing_state", "the callback has no state parameter")
        flow = self.flows.peek(state)
        if flow is None or flow["provider"] != provider_name:
            self.store.audit("sign_in_failed", client_ip=client_ip, provider=provider_name, reason="invalid_state")
            raise Invalid("invalid_state", "the sign-in state is unknown, expired or already used; start again")
        name = cookie_name(state)
        cleared = cleared_cookie(name, *self._cookie_scope(provider_name))
        back = flow["redirect_uri"]
        if not bound_to(flow, cookies.get(name)):
            # Another browser holds this code and state: never sign it in, and leave the flow
            # to the browser that started it.
            self.store.audit("sign_in_failed", client_ip=client_ip, provider=provider_name, reason="browser_mismatch")
            return _with_fragment(
                back,
                error="browser_mismatch",
                error_description="This sign-in was started in another browser. Sign in again here.",
            ), cleared
        if self.flows.take(state) is None:  # the same browser's other callback took it first
            raise Invalid("invalid_state", "the sign-in state is unknown, expired or already used; start again")
        return self._finish_sign_in(provider, provider_name, flow, params, client_ip), cleared

    def _finish_sign_in(
        self, provider, provider_name: str, flow: dict, params: Mapping[str, str], client_ip: str
    ) -> str:
        back = flow["redirect_uri"]
        if params.get("error"):
            self.store.audit("sign_in_failed", client_ip=client_ip, provider=provider_name, reason=params["error"])
            return _with_fragment(
                back, error=params["error"][:64], error_description="The provider did not sign you in."
            )
        if not params.get("code"):
            return _with_fragment(back, error="invalid_request", error_description="The provider sent no code.")
        try:
            identity = provider.identity(
                params["code"], self._callback_url(provider_name), flow["verifier"], flow["nonce"]
            )
            if not identity.email_verified:
                raise ProviderFailure("email_not_verified", "the account's email is not verified")
        except ProviderFailure as exc:
            self.store.audit("sign_in_failed", client_ip=client_ip, provider=provider_name, reason=exc.code)
            return _with_fragment(back, error=exc.code, error_description=exc.message)
        user = self.store.sign_in(identity.provider, identity.subject, identity.email, identity.name)
        tokens = self._start_session(user, provider_name, client_ip)
        return _with_fragment(
            back,
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            token_type="Bearer",
            expires_in=str(tokens["expires_in"]),
        )

    def _cookie_scope(self, provider_name: str) -> tuple[str, bool]:
        """The binding cookie's Path (this provider's callback, as browsers see it) and
        whether it is Secure (whenever auth is served over https)."""
        return urlsplit(self._callback_url(provider_name)).path, self.settings.public_url.startswith("https://")

    def _callback_url(self, provider_name: str) -> str:
        return f"{self.settings.public_url}/auth/callback/{provider_name}"

    def _start_session(self, user, provider: str, client_ip: str) -> dict:
        jti, expires = self.issuer.new_refresh_jti()
        session_id = self.store.start_session(user, provider, jti, expires)
        self.store.audit("sign_in", user.id, session_id, client_ip, provider=provider)
        return self.issuer.pair(user, session_id, jti)

    # --- tokens ---------------------------------------------------------------------

    def refresh(self, refresh_token: str, client_ip: str) -> dict:
        self.limit("refresh", client_ip)
        claims = self.verifier.verify(refresh_token, REFRESH)
        new_jti, expires = self.issuer.new_refresh_jti()
        try:
            session = self.store.rotate_refresh(claims["jti"], new_jti, expires)
        except RefreshRejected as exc:
            if exc.reason == "reused":
                self.revocations.revoke(exc.session_id, self.settings.refresh_ttl)
                self.store.audit("refresh_reuse", exc.user_id, exc.session_id, client_ip)
                raise InvalidToken(
                    "refresh_token_reused", "this refresh token was already used; the session is revoked"
                ) from None
            if exc.reason == "revoked":
                raise InvalidToken("token_revoked", "the session of this token was revoked") from None
            raise InvalidToken("invalid_token", "the refresh token is not known") from None
        user = self.store.user(session.user_id)
        self.store.audit("refresh", session.user_id, session.id, client_ip)
        return self.issuer.pair(user, session.id, new_jti)

    def logout(self, principal: Principal, client_ip: str) -> dict:
        self.store.revoke_session(principal.session_id, "logout")
        # Refuse the session's outstanding access tokens everywhere, as long as any may live.
        self.revocations.revoke(principal.session_id, self.settings.refresh_ttl)
        self.store.audit("logout", principal.user_id, principal.session_id, client_ip)
        return {"revoked": True}

    def exchange(self, principal: Principal, scope: str, actor: str | None) -> dict:
        """Token exchange: the user's access token for a delegated, read-only token that the
        agents of a run present to analytics (RFC 8693 in spirit)."""
        # Per user, not per address: the chat function asks for every message it accepts.
        self.limit("exchange", str(principal.user_id))
        scopes = sorted(set((scope or "").split()))
        if not scopes or set(scopes) - DELEGABLE_SCOPES:
            raise Invalid("invalid_scope", f"scope must name some of: {', '.join(sorted(DELEGABLE_SCOPES))}")
        actor = actor or "netra-agents"
        if not _ACTOR.match(actor):
            raise Invalid("invalid_field", "field 'actor' must be a short service name")
        return self.issuer.delegated(principal, scopes, actor, DELEGATED_TTL)

    def me(self, principal: Principal) -> dict:
        user = self.store.user(principal.user_id)
        session = self.store.session(principal.session_id)
        if user is None or session is None:
            raise InvalidToken("invalid_token", "the user of this token no longer exists")
        return {
            "user_id": user.id,
            "email": user.email,
            "name": user.name,
            "provider": session.provider,
            "org_id": user.org_id,
        }

    def validate(self, token: str, caller_ip: str, client_ip: str | None = None) -> dict:
        """For components that prefer a call: cached at most 5 minutes, never past the
        token's expiry, and a revoked session is refused even while cached. Refusals spend
        the budget of `client_ip` (the client a component validates for) under `caller_ip`;
        once it is spent, whatever is not cached as valid is answered 429."""
        digest = _digest(token)
        cache_key = _VALIDATION + digest
        is_api_key = token.startswith(API_KEY_PREFIX)
        # One round trip: the answer cached as valid, and whether this API key is known unknown.
        cached, unknown = (*self.redis.mget([cache_key, _UNKNOWN_KEY + digest] if is_api_key else [cache_key]), None)[
            :2
        ]
        if cached is not None:
            answer = json.loads(cached)
            if answer.get("session_id") and self.revocations.is_revoked(answer["session_id"]):
                return {"valid": False, "error": "token_revoked"}
            return _public(answer)
        self.misses.check(caller_ip, client_ip)
        try:
            if unknown is not None:
                raise InvalidToken("invalid_api_key", "the API key is unknown or revoked")
            principal = self._api_key(token) if is_api_key else self.verifier.principal(token)
        except InvalidToken as exc:
            self.misses.spend(caller_ip, client_ip)
            if is_api_key and unknown is None:
                self.redis.set(_UNKNOWN_KEY + digest, "1", ex=UNKNOWN_KEY_CACHE_SECONDS)
            return {"valid": False, "error": exc.code}
        answer = {**principal.as_validation(), "session_id": principal.session_id}
        ttl = VALIDATION_CACHE_SECONDS
        if principal.expires_at is not None:
            ttl = min(ttl, principal.expires_at - int(self.clock()))
        if ttl > 0:
            self.redis.set(cache_key, json.dumps(answer), ex=ttl)
        return _public(answer)

    def _api_key(self, token: str) -> Principal:
        key = self.store.api_key_by_hash(hashlib.sha256(token.encode()).digest())
        if key is None:
            raise InvalidToken("invalid_api_key", "the API key is unknown or revoked")
        return Principal(kind="api_key", org_id=key.org_id, user_id=None, permissions=key.permissions, expires_at=None)

    # --- API keys -------------------------------------------------------------------

    def list_api_keys(self, principal: Principal) -> dict:
        return {"api_keys": [key.public() for key in self.store.api_keys(principal.org_id)]}

    def create_api_key(self, principal: Principal, name: str, scopes: list | None, client_ip: str) -> dict:
        name = (name or "").strip()
        if not 1 <= len(name) <= 100:
            raise Invalid("invalid_field", "field 'name' must be 1-100 characters")
        scopes = _api_key_scopes(scopes)
        secret = self.new_secret()
        display = secret[: len(API_KEY_PREFIX) + 4] + "…"
        key = self.store.create_api_key(
            principal.org_id, principal.user_id, name, display, hashlib.sha256(secret.encode()).digest(), scopes
        )
        # Nobody but this caller learns the secret, and only from this answer: clearing its
        # "unknown" entry now means no validation can find one afterwards.
        self.redis.delete(_UNKNOWN_KEY + key.key_hash.hex())
        self.store.audit("api_key_created", principal.user_id, principal.session_id, client_ip, api_key_id=key.id)
        return {**key.public(), "key": secret}  # shown once, never stored in clear

    def revoke_api_key(self, principal: Principal, key_id: str, client_ip: str) -> dict:
        if not re.fullmatch(r"[0-9a-f-]{36}", key_id):
            raise NotFound("not_found", "no such API key")
        key = self.store.revoke_api_key(principal.org_id, key_id)
        if key is None:
            raise NotFound("not_found", "no such API key")
        self.redis.delete(_VALIDATION + key.key_hash.hex())  # a cached "valid" must not outlive the key
        self.store.audit("api_key_revoked", principal.user_id, principal.session_id, client_ip, api_key_id=key.id)
        return key.public()


def _public(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "session_id"}


def _with_fragment(url: str, **values: str) -> str:
    # Tokens travel in the fragment: browsers never send it to a server or into its logs.
    return f"{url}#{urlencode(values)}"


def _api_key_scopes(requested) -> tuple[str, ...]:
    """The scopes asked for, in canonical order; omitted means write-only, as keys always were."""
    if requested is None:
        return DEFAULT_API_KEY_SCOPES
    allowed = ", ".join(API_KEY_SCOPES)
    if not requested or not all(isinstance(scope, str) for scope in requested):
        raise Invalid("invalid_scopes", f"field 'scopes' must be a non-empty list of: {allowed}")
    unknown = sorted(set(requested) - set(API_KEY_SCOPES))
    if unknown:
        raise Invalid("invalid_scopes", f"unknown scope(s) {', '.join(unknown)}; an API key may have: {allowed}")
    return tuple(scope for scope in API_KEY_SCOPES if scope in requested)
