"""The OIDC check of pushes and scheduled calls, with google-auth's real verification: tokens
signed by a key of our own, whose certificate a fake transport serves where google-auth
fetches Google's. Without a configured audience the token must be minted for the URL the
call was sent to (what the push subscriptions and the scheduler job mint it for)."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

from shared_lib.push_auth import CERTS_SECONDS, PushAuthenticator, PushRefused, _KeptCerts

PUSHER = "netra-push@netra-prod.iam.gserviceaccount.com"
HOST = "supervisor-abc123-uc.a.run.app"


def _key_and_certificate():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return private, certificate.public_bytes(serialization.Encoding.PEM).decode()


PRIVATE, CERTIFICATE = _key_and_certificate()


class Response:
    def __init__(self, status: int, body: dict):
        self.status, self.data = status, json.dumps(body).encode()


class Keys:
    """Where google-auth fetches Google's certificates: ours, counted."""

    def __init__(self, status: int = 200):
        self.status, self.fetched = status, 0

    def __call__(self, url, method="GET", **kwargs):
        self.fetched += 1
        return Response(self.status, {"k1": CERTIFICATE})


def token(**claims) -> str:
    now = int(time.time())
    payload = {
        "iss": "https://accounts.google.com",
        "aud": f"https://{HOST}",
        "email": PUSHER,
        "email_verified": True,
        "iat": now,
        "exp": now + 600,
        **claims,
    }
    return jwt.encode(crypt.RSASigner.from_string(PRIVATE, "k1"), payload).decode()


def headers(bearer: str, host: str = HOST) -> dict:
    return {"Authorization": f"Bearer {bearer}", "Host": host}


def test_a_token_of_the_push_identity_for_the_url_it_was_sent_to_passes():
    PushAuthenticator(None, PUSHER, transport=Keys()).check(headers(token()), {})


@pytest.mark.parametrize(
    ("claims", "host", "said"),
    [
        ({"aud": "https://triage-abc123-uc.a.run.app"}, HOST, "OIDC token refused"),  # minted for another function
        ({}, "triage-abc123-uc.a.run.app", "OIDC token refused"),  # replayed to another function
        ({"email": "someone@netra-prod.iam.gserviceaccount.com"}, HOST, "not the push identity's"),
        ({"email_verified": False}, HOST, "not the push identity's"),
        ({"iss": "https://evil.example"}, HOST, "OIDC token refused"),  # google-auth: GoogleAuthError, not ValueError
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, HOST, "OIDC token refused"),
    ],
)
def test_any_other_token_is_refused(claims, host, said):
    with pytest.raises(PushRefused, match=said):
        PushAuthenticator(None, PUSHER, transport=Keys()).check(headers(token(**claims), host), {})


def test_a_configured_audience_is_the_one_checked():
    push = PushAuthenticator(None, PUSHER, audience="netra-supervisor-push", transport=Keys())
    push.check(headers(token(aud="netra-supervisor-push"), host="anything.example"), {})
    with pytest.raises(PushRefused, match="OIDC token refused"):
        push.check(headers(token()), {})


def test_without_a_host_the_audience_cannot_be_checked():
    with pytest.raises(PushRefused, match="no host"):
        PushAuthenticator(None, PUSHER, transport=Keys()).check({"Authorization": f"Bearer {token()}"}, {})


def test_keys_out_of_reach_refuse_the_push_for_now():
    with pytest.raises(PushRefused, match="could not be fetched"):
        PushAuthenticator(None, PUSHER, transport=Keys(status=503)).check(headers(token()), {})


def test_googles_keys_are_fetched_once_per_period_not_per_push():
    keys, clock = Keys(), [0.0]
    push = PushAuthenticator(None, PUSHER, transport=_KeptCerts(keys, clock=lambda: clock[0]))
    for _ in range(3):
        push.check(headers(token()), {})
    assert keys.fetched == 1
    clock[0] += CERTS_SECONDS + 1
    push.check(headers(token()), {})
    assert keys.fetched == 2
