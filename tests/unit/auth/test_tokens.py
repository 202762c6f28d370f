"""Token issue and verification logic: every forged, stale or misused token is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shared_lib.auth import REFRESH, REVOCATION_CHANNEL, InvalidToken, JwksKeys, Revocations, TokenVerifier

from netra_auth.keys import KeyRing
from netra_auth.store import User
from netra_auth.tokens import TokenIssuer, TokenPolicy

ISSUER, AUDIENCE = "https://auth.netra.test", "netra-api"
USER = User("u-1", "ann@example.com", "Ann", "org-1")


def pem_key() -> tuple[object, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key, pem


class SecretVersions:
    """Stands in for Secret Manager's `latest` in a unit test of the key ring's logic."""

    def __init__(self, *kids: str):
        self.entries = [{"kid": kid, "pem": pem_key()[1]} for kid in kids]

    def __call__(self) -> bytes:
        return json.dumps(self.entries).encode()


class MemoryRedis:
    def __init__(self):
        self.values = {}
        self.published = []

    def publish(self, channel, message):
        self.published.append((channel, message))

    def set(self, key, value, ex=None):
        self.values[key] = value

    def exists(self, key):
        return int(key in self.values)


def make(kids=("k1",), clock=time.time, versions=None):
    versions = versions or SecretVersions(*kids)
    ring = KeyRing(versions, refresh_seconds=0)
    issuer = TokenIssuer(ring, TokenPolicy(ISSUER, AUDIENCE, 900, 86400), clock=clock)
    revocations = Revocations(MemoryRedis())
    verifier = TokenVerifier(ring.public_key, ISSUER, AUDIENCE, revocations)
    return ring, issuer, verifier, revocations, versions


def code_of(verifier, token, token_type="access") -> str:
    with pytest.raises(InvalidToken) as caught:
        verifier.verify(token, token_type)
    return caught.value.code


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_fresh_access_token_verifies_into_a_principal():
    _, issuer, verifier, _, _ = make()
    pair = issuer.pair(USER, "s-1", "r-1")
    principal = verifier.principal(pair["access_token"])
    assert (principal.user_id, principal.org_id, principal.session_id, principal.kind) == (
        "u-1",
        "org-1",
        "s-1",
        "user",
    )
    assert principal.expires_at - time.time() == pytest.approx(900, abs=2)
    assert verifier.verify(pair["refresh_token"], REFRESH)["jti"] == "r-1"
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 900


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "....", "eyJ.eyJ.sig"])
def test_garbage_is_malformed(garbage):
    assert code_of(make()[2], garbage) == "malformed_token"


def test_alg_none_is_refused():
    _, issuer, verifier, _, _ = make()
    claims = jwt.decode(issuer.pair(USER, "s", "r")["access_token"], options={"verify_signature": False})
    token = f"{b64(json.dumps({'alg': 'none', 'kid': 'k1'}).encode())}.{b64(json.dumps(claims).encode())}."
    assert code_of(verifier, token) == "unsupported_algorithm"


def test_hs256_signed_with_the_public_key_is_refused():
    ring, issuer, verifier, _, _ = make()
    claims = jwt.decode(issuer.pair(USER, "s", "r")["access_token"], options={"verify_signature": False})
    public_pem = ring.public_key("k1").public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = (
        f"{b64(json.dumps({'alg': 'HS256', 'kid': 'k1', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    )
    signature = b64(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    assert code_of(verifier, f"{signing_input}.{signature}") == "unsupported_algorithm"


def test_expired_and_not_yet_valid_tokens_are_refused():
    versions = SecretVersions("k1")
    _, past, verifier, _, _ = make(clock=lambda: time.time() - 3600, versions=versions)
    _, future, _, _, _ = make(clock=lambda: time.time() + 3600, versions=versions)
    assert code_of(verifier, past.pair(USER, "s", "r")["access_token"]) == "token_expired"
    assert code_of(verifier, future.pair(USER, "s", "r")["access_token"]) == "token_not_yet_valid"


def test_wrong_audience_and_wrong_issuer_are_refused():
    ring, issuer, _, _, _ = make()
    token = issuer.pair(USER, "s", "r")["access_token"]
    assert code_of(TokenVerifier(ring.public_key, ISSUER, "another-api", None), token) == "wrong_audience"
    assert code_of(TokenVerifier(ring.public_key, "https://evil.example", AUDIENCE, None), token) == "wrong_issuer"


def test_an_unknown_kid_is_refused():
    _, _, verifier, _, _ = make(kids=("k1",))
    _, stranger, _, _, _ = make(kids=("ghost",))
    assert code_of(verifier, stranger.pair(USER, "s", "r")["access_token"]) == "unknown_key"


def test_a_tampered_payload_is_refused():
    _, issuer, verifier, _, _ = make()
    header, payload, signature = issuer.pair(USER, "s", "r")["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["org_id"] = "someone-elses-org"
    assert code_of(verifier, f"{header}.{b64(json.dumps(claims).encode())}.{signature}") == "bad_signature"


def test_token_types_cannot_stand_in_for_each_other():
    _, issuer, verifier, _, _ = make()
    pair = issuer.pair(USER, "s", "r")
    assert code_of(verifier, pair["refresh_token"], "access") == "wrong_token_type"
    assert code_of(verifier, pair["access_token"], REFRESH) == "wrong_token_type"


def test_a_token_without_a_required_claim_is_refused():
    ring, _, verifier, _, _ = make()
    kid, key = ring.signing_key()
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u", "typ": "access", "iat": now, "exp": now + 60, "jti": "j"}
    assert code_of(verifier, jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})) == "missing_claim"


def test_a_revoked_session_refuses_its_tokens():
    _, issuer, verifier, revocations, _ = make()
    token = issuer.pair(USER, "s-9", "r")["access_token"]
    revocations.revoke("s-9", 60)
    assert code_of(verifier, token) == "token_revoked"
    # Holders of open connections are told at once.
    assert revocations._redis.published == [(REVOCATION_CHANNEL, '{"session_id": "s-9"}')]


def test_key_rotation_old_tokens_verify_until_their_key_is_retired():
    versions = SecretVersions("k1")
    ring, issuer, verifier, _, _ = make(versions=versions)
    old = issuer.pair(USER, "s", "r")["access_token"]
    versions.entries.append({"kid": "k2", "pem": pem_key()[1]})  # a new version: k2 appended
    new = issuer.pair(USER, "s", "r")["access_token"]
    assert jwt.get_unverified_header(new)["kid"] == "k2"
    assert verifier.verify(old)["sub"] == verifier.verify(new)["sub"] == "u-1"
    assert [k["kid"] for k in ring.jwks()["keys"]] == ["k1", "k2"]
    versions.entries.pop(0)  # k1 retired
    assert code_of(verifier, old) == "unknown_key"
    assert verifier.verify(new)


def test_the_key_ring_refuses_keys_that_are_not_p256():
    from cryptography.hazmat.primitives.asymmetric import rsa

    rsa_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    with pytest.raises(ValueError, match="not an EC P-256 key"):
        KeyRing(lambda: json.dumps([{"kid": "r", "pem": rsa_pem}]).encode()).signing_key()


def test_jwks_keys_refetch_an_unknown_kid_but_not_on_every_request():
    ring, issuer, _, _, versions = make()
    calls = []

    def serve(request):
        calls.append(request.url.path)
        return httpx.Response(200, json=ring.jwks())

    now = [0.0]
    keys = JwksKeys(
        "https://auth.test/auth/.well-known/jwks.json",
        http=httpx.Client(transport=httpx.MockTransport(serve)),
        min_refetch_seconds=30,
        clock=lambda: now[0],
    )
    verifier = TokenVerifier(keys, ISSUER, AUDIENCE, None)
    assert verifier.verify(issuer.pair(USER, "s", "r")["access_token"])
    assert len(calls) == 1
    for _ in range(5):  # forged kids do not hammer auth
        with pytest.raises(InvalidToken):
            keys("forged")
    assert len(calls) == 1
    versions.entries.append({"kid": "k2", "pem": pem_key()[1]})
    now[0] = 31.0
    assert verifier.verify(issuer.pair(USER, "s", "r")["access_token"])  # new kid: refetched once
    assert len(calls) == 2
