"""Token validation: `/auth/validate` with a warm cache vs cold, and offline verification
through `shared_lib.auth` against the same tokens, on a platform started for the run.

Each measurement is the mean time per operation over a batch; the harness repeats it and
alternates subject and baseline.
"""

from __future__ import annotations

import time

import httpx

BATCH = 200


def benchmarks(repeat: int):
    from bench.harness import compare
    from bench.running_platform import RunningPlatform
    from shared_lib.auth import JwksKeys, TokenVerifier
    from shared_lib.config import DEFAULT_AUDIENCE

    with RunningPlatform() as platform, httpx.Client(timeout=10) as client:
        auth_url = platform.url("auth")

        def fresh_tokens(count: int) -> list[str]:
            return [
                client.post(f"{auth_url}/auth/dev/login", json={"email": f"bench-{i}@example.com"}).json()[
                    "access_token"
                ]
                for i in range(count)
            ]

        def per_request(tokens: list[str]) -> float:
            started = time.perf_counter()
            for token in tokens:
                assert client.post(f"{auth_url}/auth/validate", json={"token": token}).json()["valid"]
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
