"""Google (OpenID Connect) and GitHub (OAuth 2.0) sign-in through Authlib.

Both use the authorization-code flow with `state` and PKCE S256. Google's ID token is
verified against the provider's JWKS (signature, `iss`, `aud`, `exp`, `nonce`); GitHub's
user and primary verified email are fetched server-side. Base URLs are configuration, so
the code path is the same against the emulator and the real providers.

Authlib, requests, httpx and PyJWT are imported where a sign-in uses them: heavy SDKs
(Authlib alone ~125 ms), loaded by the first sign-in rather than with the service.
"""

from __future__ import annotations

import dataclasses
import threading

from shared_lib.auth import InvalidToken, JwksKeys


@dataclasses.dataclass(frozen=True)
class ProviderIdentity:
    provider: str
    subject: str
    email: str
    email_verified: bool
    name: str


class ProviderFailure(Exception):
    """The provider refused or answered something unusable; `code` is shown to the user."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclasses.dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str


def _session(credentials: ClientCredentials, redirect_uri: str, scope: str):
    from authlib.integrations.requests_client import OAuth2Session

    return OAuth2Session(
        credentials.client_id,
        credentials.client_secret,
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def _exchange(session, token_url: str, code: str, verifier: str) -> dict:
    from authlib.integrations.base_client.errors import OAuthError
    from requests import RequestException

    try:
        return session.fetch_token(
            token_url, code=code, code_verifier=verifier, headers={"Accept": "application/json"}, timeout=10
        )
    except OAuthError as exc:
        raise ProviderFailure("provider_error", f"the provider refused the code: {exc.error}") from None
    except (RequestException, ValueError) as exc:
        raise ProviderFailure(
            "provider_unavailable", f"the provider could not be reached: {type(exc).__name__}"
        ) from None


class GoogleProvider:
    name = "google"
    scope = "openid email profile"

    def __init__(self, credentials: ClientCredentials, discovery_url: str, http):
        self._credentials = credentials
        self._discovery_url = discovery_url
        self._http = http  # an httpx.Client, built once by the composition root
        self._discovery: dict | None = None
        self._jwks: JwksKeys | None = None
        self._lock = threading.Lock()

    def _metadata(self) -> dict:
        with self._lock:
            if self._discovery is None:
                import httpx

                try:
                    response = self._http.get(self._discovery_url, timeout=10)
                    response.raise_for_status()
                    self._discovery = response.json()
                except (httpx.HTTPError, ValueError) as exc:
                    raise ProviderFailure(
                        "provider_unavailable", f"OpenID discovery failed: {type(exc).__name__}"
                    ) from None
                self._jwks = JwksKeys(self._discovery["jwks_uri"], http=self._http)
            return self._discovery

    def authorization_url(
        self, redirect_uri: str, state: str, verifier: str, nonce: str, login_hint: str | None
    ) -> str:
        extra = {"login_hint": login_hint} if login_hint else {}
        url, _ = _session(self._credentials, redirect_uri, self.scope).create_authorization_url(
            self._metadata()["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce, **extra
        )
        return url

    def identity(self, code: str, redirect_uri: str, verifier: str, nonce: str) -> ProviderIdentity:
        import jwt

        metadata = self._metadata()
        token = _exchange(
            _session(self._credentials, redirect_uri, self.scope), metadata["token_endpoint"], code, verifier
        )
        id_token = token.get("id_token")
        if not id_token:
            raise ProviderFailure("provider_error", "the provider returned no ID token")
        try:
            header = jwt.get_unverified_header(id_token)
            claims = jwt.decode(
                id_token,
                self._jwks(header.get("kid", "")),
                algorithms=["RS256"],
                audience=self._credentials.client_id,
                issuer=metadata["issuer"],
                options={"require": ["iss", "aud", "sub", "exp", "iat"]},
                leeway=30,
            )
        except (jwt.InvalidTokenError, InvalidToken) as exc:
            raise ProviderFailure("invalid_id_token", f"the ID token does not verify: {exc}") from None
        if claims.get("nonce") != nonce:
            raise ProviderFailure("invalid_id_token", "the ID token nonce does not match this sign-in")
        if not claims.get("email"):
            raise ProviderFailure("email_not_verified", "the Google account has no email")
        return ProviderIdentity(
            "google", str(claims["sub"]), claims["email"], claims.get("email_verified") is True, claims.get("name", "")
        )


class GitHubProvider:
    name = "github"
    scope = "read:user user:email"

    def __init__(self, credentials: ClientCredentials, authorize_url: str, token_url: str, api_url: str):
        self._credentials = credentials
        self._authorize_url = authorize_url
        self._token_url = token_url
        self._api_url = api_url.rstrip("/")

    def authorization_url(
        self, redirect_uri: str, state: str, verifier: str, nonce: str, login_hint: str | None
    ) -> str:
        extra = {"login": login_hint} if login_hint else {}
        url, _ = _session(self._credentials, redirect_uri, self.scope).create_authorization_url(
            self._authorize_url, state=state, code_verifier=verifier, **extra
        )
        return url

    def identity(self, code: str, redirect_uri: str, verifier: str, nonce: str) -> ProviderIdentity:
        from requests import RequestException

        session = _session(self._credentials, redirect_uri, self.scope)
        _exchange(session, self._token_url, code, verifier)
        headers = {"Accept": "application/vnd.github+json"}
        try:
            user = session.get(f"{self._api_url}/user", headers=headers, timeout=10)
            emails = session.get(f"{self._api_url}/user/emails", headers=headers, timeout=10)
            user.raise_for_status()
            emails.raise_for_status()
            profile, addresses = user.json(), emails.json()
        except (RequestException, ValueError) as exc:
            raise ProviderFailure("provider_unavailable", f"GitHub's API failed: {type(exc).__name__}") from None
        primary = next((e for e in addresses if e.get("primary")), None)
        if primary is None or not primary.get("verified"):
            raise ProviderFailure("email_not_verified", "the GitHub account's primary email is not verified")
        return ProviderIdentity(
            "github", str(profile["id"]), primary["email"], True, profile.get("name") or profile.get("login", "")
        )
