"""Issuing Netra's tokens: short-lived access tokens and rotating refresh tokens (ES256).

Both carry `typ` and different audiences, so neither can pass for the other; both carry
the session id (`sid`) so that revoking a session refuses all of its tokens. PyJWT is
imported when a token is signed: a heavy SDK, kept off the cold start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import time

from shared_lib.auth import ACCESS, DELEGATED, REFRESH, REFRESH_AUDIENCE_SUFFIX, Principal

from netra_auth.keys import KeyRing
from netra_auth.store import User


@dataclasses.dataclass(frozen=True)
class TokenPolicy:
    issuer: str
    audience: str
    access_ttl: int
    refresh_ttl: int


class TokenIssuer:
    def __init__(self, keys: KeyRing, policy: TokenPolicy, clock=time.time):
        self._keys = keys
        self.policy = policy
        self._clock = clock

    def new_refresh_jti(self) -> tuple[str, dt.datetime]:
        expires = dt.datetime.fromtimestamp(int(self._clock()) + self.policy.refresh_ttl, dt.timezone.utc)
        return secrets.token_urlsafe(24), expires

    def pair(self, user: User, session_id: str, refresh_jti: str) -> dict:
        now = int(self._clock())
        access = self._sign(
            {
                "typ": ACCESS,
                "aud": self.policy.audience,
                "sub": user.id,
                "sid": session_id,
                "org_id": user.org_id,
                "email": user.email,
                "permissions": [],
                "iat": now,
                "nbf": now,
                "exp": now + self.policy.access_ttl,
                "jti": secrets.token_urlsafe(16),
            }
        )
        refresh = self._sign(
            {
                "typ": REFRESH,
                "aud": self.policy.issuer + REFRESH_AUDIENCE_SUFFIX,
                "sub": user.id,
                "sid": session_id,
                "iat": now,
                "nbf": now,
                "exp": now + self.policy.refresh_ttl,
                "jti": refresh_jti,
            }
        )
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": self.policy.access_ttl,
            "user": {"user_id": user.id, "email": user.email, "name": user.name, "org_id": user.org_id},
        }

    def delegated(self, user: Principal, scopes: list[str], actor: str, ttl: int) -> dict:
        """A read-only token for a service acting for `user` (proven by an access token), in
        the same session: logging out or revoking the session ends it too."""
        now = int(self._clock())
        expires = min(now + ttl, now + self.policy.refresh_ttl)
        token = self._sign(
            {
                "typ": DELEGATED,
                "aud": self.policy.audience,
                "sub": user.user_id,
                "sid": user.session_id,
                "org_id": user.org_id,
                "email": user.email,
                "permissions": scopes,
                "act": {"sub": actor},
                "iat": now,
                "nbf": now,
                "exp": expires,
                "jti": secrets.token_urlsafe(16),
            }
        )
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": expires - now,
            "scope": " ".join(scopes),
            "issued_token_type": "urn:netra:token-type:delegated",
        }

    def _sign(self, claims: dict) -> str:
        import jwt

        kid, key = self._keys.signing_key()
        return jwt.encode({"iss": self.policy.issuer, **claims}, key, algorithm="ES256", headers={"kid": kid})
