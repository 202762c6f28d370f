"""Token validation: `/auth/validate` with a warm cache vs cold, offline verification
through `shared_lib.auth` against the same tokens, and an org API key against guesses of
unknown keys (each new, or one repeated), on a platform started for the run. The budget of
refused validations is lifted for the run: the guesses measure what a miss costs, not the 429.

Each measurement is the mean time per operation over a batch; the harness repeats it and
alternates subject and baseline.
"""

from __future__ import annotations

import secrets
import time

import httpx

BATCH = 200


def benchmarks(repeat: int):
    from bench.harness import compare
    from bench.running_platform import RunningPlatform
    from shared_lib.auth import API_KEY_PREFIX, JwksKeys, TokenVerifier
    from shared_lib.config import DEFAULT_AUDIENCE

    misses = {"AUTH_VALIDATE_MISSES_PER_MINUTE": "100000", "AUTH_VALIDATE_CALLER_MISSES_PER_MINUTE": "1000000"}
    with RunningPlatform(**misses) as platform, httpx.Client(timeout=10) as client:
        auth_url = platform.url("auth")

        def fresh_tokens(count: int) -> list[str]:
            return [
                client.post(f"{auth_url}/auth/dev/login", json={"email": f"bench-{i}@example.com"}).json()[
                    "access_token"
                ]
                for i in range(count)
            ]

        def per_request(tokens: list[str], valid: bool = True) -> float:
            started = time.perf_counter()
            for token in tokens:
                assert client.post(f"{auth_url}/auth/validate", json={"token": token}).json()["valid"] is valid
            return (time.perf_counter() - started) / len(tokens)

        warm_token = fresh_tokens(1)[0]
        per_request([warm_token])  # cached from here on
        verifier = TokenVerifier(
            JwksKeys(f"{auth_url}/auth/.well-known/jwks.json", client), auth_url, DEFAULT_AUDIENCE, None
        )
        verifier.verify(warm_token)  # JWKS fetched once, as in a warm instance

        def offline(tokens: list[str]) -> float:
            started = time.perf_counter()
            for token in tokens:
                verifier.verify(token)
            return (time.perf_counter() - started) / len(tokens)

        cold_batches = [fresh_tokens(BATCH) for _ in range(repeat)]
        yield compare(
            "validate over HTTP, warm cache",
            lambda: per_request([warm_token] * BATCH),
            "validate over HTTP, cold (new tokens)",
            lambda: per_request(cold_batches.pop()),
            repeat,
        )
        tokens = fresh_tokens(BATCH)
        yield compare(
            "shared_lib.auth offline verify",
            lambda: offline(tokens),
            "validate over HTTP, warm cache",
            lambda: per_request([warm_token] * BATCH),
            repeat,
        )
        owner = {"Authorization": f"Bearer {warm_token}"}
        api_key = client.post(f"{auth_url}/auth/api-keys", json={"name": "bench"}, headers=owner).json()["key"]
        per_request([api_key])  # cached from here on

        def guesses(count: int) -> list[str]:
            return [API_KEY_PREFIX + secrets.token_urlsafe(32) for _ in range(count)]

        repeated = guesses(1)[0]
        yield compare(
            "validate an unknown API key, new each time",
            lambda: per_request(guesses(BATCH), valid=False),
            "validate an API key over HTTP, warm cache",
            lambda: per_request([api_key] * BATCH),
            repeat,
        )
        yield compare(
            "validate an unknown API key, repeated",
            lambda: per_request([repeated] * BATCH, valid=False),
            "validate an API key over HTTP, warm cache",
            lambda: per_request([api_key] * BATCH),
            repeat,
        )
