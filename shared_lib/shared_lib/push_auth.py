"""Authenticating Pub/Sub pushes: Pub/Sub's OIDC token in GCP, a shared token locally.

Locally the launcher appends `?token=` (the `relay-push-token` secret) to every push
endpoint it wires; in GCP a push carries an OIDC token of the push identity, minted for
the receiver's audience.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping


class PushRefused(Exception):
    pass


class PushAuthenticator:
    def __init__(
        self,
        shared_token: str | Callable[[], str | None] | None,
        service_account: str | None = None,
        audience: str | None = None,
    ):
        # A callable is read at the first push: a component that is never pushed to never
        # needs the secret.
        self._shared_token = shared_token
        self._service_account = service_account
        self._audience = audience

    def check(self, headers: Mapping[str, str], query: Mapping[str, str]) -> None:
        if self._service_account:
            self._check_oidc(headers)
            return
        if callable(self._shared_token):
            self._shared_token = self._shared_token()
        expected = self._shared_token
        offered = query.get("token", "") or ""
        if not expected or not hmac.compare_digest(offered.encode(), expected.encode()):
            raise PushRefused("missing or wrong push token")

    def _check_oidc(self, headers) -> None:
        # google-auth is heavy: loaded by the first push in GCP, never locally.
        from google.auth.exceptions import TransportError
        from google.auth.transport import requests as google_requests
        from google.oauth2 import id_token

        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise PushRefused("missing OIDC token")
        try:
            claims = id_token.verify_oauth2_token(token, google_requests.Request(), audience=self._audience)
        except ValueError as exc:
            raise PushRefused(f"OIDC token refused: {exc}") from None
        except TransportError:  # Google's keys out of reach: refused now, Pub/Sub pushes again
            raise PushRefused("OIDC token not checked: Google's keys could not be fetched") from None
        if claims.get("email") != self._service_account or not claims.get("email_verified"):
            raise PushRefused("OIDC token is not the push identity's")
