"""The signing key ring: private ES256 keys from Secret Manager, newest signs, all verify.

The secret `jwt-signing-keys` holds a JSON list of `{"kid", "pem"}`, oldest first. To
rotate, add a version with a new key appended; once tokens signed by the oldest key have
expired, add a version without it. The ring re-reads the secret every few minutes, so
every instance picks up a rotation without a redeploy.

PyJWT and cryptography are imported where keys are parsed or published: heavy SDKs, kept
off the cold start.
"""

from __future__ import annotations

import json
import threading
import time

from shared_lib.auth import InvalidToken

SECRET_NAME = "jwt-signing-keys"


class KeyRing:
    def __init__(self, load_secret, refresh_seconds: float = 300, clock=time.monotonic):
        self._load_secret = load_secret  # () -> bytes: the secret's latest version
        self._refresh = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._loaded_at: float | None = None
        self._keys: list[tuple[str, object]] = []

    def _current(self) -> list[tuple[str, object]]:
        with self._lock:
            if self._loaded_at is None or self._clock() - self._loaded_at > self._refresh:
                self._keys = _parse(self._load_secret())
                self._loaded_at = self._clock()
            return self._keys

    def signing_key(self) -> tuple[str, object]:
        return self._current()[-1]

    def public_key(self, kid: str):
        for key_id, private in self._current():
            if key_id == kid:
                return private.public_key()
        raise InvalidToken("unknown_key", f"no signing key with kid {kid!r}")

    def jwks(self) -> dict:
        from jwt.algorithms import ECAlgorithm

        keys = []
        for kid, private in self._current():
            jwk = json.loads(ECAlgorithm.to_jwk(private.public_key()))
            jwk.update(kid=kid, use="sig", alg="ES256")
            keys.append(jwk)
        return {"keys": keys}


def _parse(raw: bytes) -> list[tuple[str, object]]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        entries = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"secret {SECRET_NAME} is not a JSON list of {{kid, pem}}") from None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"secret {SECRET_NAME} must be a non-empty JSON list of {{kid, pem}}")
    keys = []
    for entry in entries:
        key = serialization.load_pem_private_key(entry["pem"].encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError(f"key {entry.get('kid')!r} in {SECRET_NAME} is not an EC P-256 key (ES256)")
        keys.append((str(entry["kid"]), key))
    if len({kid for kid, _ in keys}) != len(keys):
        raise ValueError(f"secret {SECRET_NAME} repeats a kid")
    return keys
