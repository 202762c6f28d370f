"""Authenticating Pub/Sub pushes: Pub/Sub's OIDC token in GCP, a shared token locally."""

from __future__ import annotations

import hmac


class PushRefused(Exception):
    pass


class PushAuthenticator:
    def __init__(self, shared_token: str | None, service_account: str | None, audience: str | None):
        self._shared_token = shared_token
        self._service_account = service_account
        self._audience = audience

    def check(self, headers, query) -> None:
        if self._service_account:
            self._check_oidc(headers)
            return
        offered = query.get("token", "")
        if not self._shared_token or not hmac.compare_digest(offered.encode(), self._shared_token.encode()):
            raise PushRefused("missing or wrong push token")

    def _check_oidc(self, headers) -> None:
        from google.auth.transport import requests as google_requests
        from google.oauth2 import id_token

        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise PushRefused("missing OIDC token")
        try:
            claims = id_token.verify_oauth2_token(token, google_requests.Request(), audience=self._audience)
        except ValueError as exc:
            raise PushRefused(f"OIDC token refused: {exc}") from None
        if claims.get("email") != self._service_account or not claims.get("email_verified"):
            raise PushRefused("OIDC token is not the push identity's")
