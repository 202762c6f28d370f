"""Authenticating Pub/Sub pushes (and Cloud Scheduler's calls): the caller's OIDC token in
GCP, a shared token locally.

Locally the launcher appends `?token=` (the `relay-push-token` secret) to every push
endpoint it wires, and to its scheduled calls; in GCP a push carries an OIDC token of the
push identity (a scheduled call, of the scheduler's), minted for the receiver's audience.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

# Google's signing keys rotate over days and are served with max-age of hours: kept this
# long, so a push does not wait on a fetch of them.
CERTS_SECONDS = 600.0


class PushRefused(Exception):
    pass


class PushAuthenticator:
    """`audience`: what the OIDC token must be minted for. None: the URL the request was
    sent to (`https://{Host}`), which is what a push subscription or a scheduler job whose
    audience is the receiver's own URL mints it for (a function cannot be told its own
    URL by the Terraform that creates it)."""

    def __init__(
        self,
        shared_token: str | Callable[[], str | None] | None,
        service_account: str | None = None,
        audience: str | None = None,
        transport: Callable[..., Any] | None = None,
    ):
        # A callable is read at the first push: a component that is never pushed to never
        # needs the secret.
        self._shared_token = shared_token
        self._service_account = service_account
        self._audience = audience
        self._transport = transport  # google.auth.transport.Request; built at the first OIDC push
        self._lock = threading.Lock()

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

    def _check_oidc(self, headers: Mapping[str, str]) -> None:
        # google-auth is heavy: loaded by the first push in GCP, never locally.
        from google.auth.exceptions import GoogleAuthError, TransportError
        from google.oauth2 import id_token

        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise PushRefused("missing OIDC token")
        audience = self._audience or _own_url(headers)
        try:
            claims = id_token.verify_oauth2_token(token, self._certs(), audience=audience)
        except TransportError:  # Google's keys out of reach: refused now, Pub/Sub pushes again
            raise PushRefused("OIDC token not checked: Google's keys could not be fetched") from None
        except (ValueError, GoogleAuthError) as exc:  # a bad signature, expiry, audience; a foreign issuer
            raise PushRefused(f"OIDC token refused: {exc}") from None
        if claims.get("email") != self._service_account or not claims.get("email_verified"):
            raise PushRefused("OIDC token is not the push identity's")

    def _certs(self) -> Callable[..., Any]:
        with self._lock:
            if self._transport is None:
                from google.auth.transport import requests as google_requests

                self._transport = _KeptCerts(google_requests.Request())
            return self._transport


def _own_url(headers: Mapping[str, str]) -> str:
    host = (headers.get("Host") or "").strip()
    if not host or "/" in host:
        raise PushRefused("the request names no host to check the OIDC audience against")
    return f"https://{host}"


class _KeptCerts:
    """A google-auth transport that answers Google's public keys from memory for
    CERTS_SECONDS: google-auth fetches them for every token it verifies."""

    def __init__(self, transport: Callable[..., Any], clock: Callable[[], float] = time.monotonic):
        self._transport, self._clock = transport, clock
        self._kept: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, url: str, method: str = "GET", **kwargs: Any) -> Any:
        if method != "GET":
            return self._transport(url, method=method, **kwargs)
        with self._lock:
            kept = self._kept.get(url)
        if kept is not None and self._clock() - kept[0] < CERTS_SECONDS:
            return kept[1]
        response = self._transport(url, method=method, **kwargs)
        if response.status == 200:
            with self._lock:
                self._kept[url] = (self._clock(), response)
        return response
