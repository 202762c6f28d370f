"""Token validation: `/auth/validate` with a warm cache vs cold, and offline verification
through `shared_lib.auth` against the same tokens, on a platform started for the run.

Each measurement is the mean time per operation over a batch; the harness repeats it and
alternates subject and baseline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BATCH = 200


class Platform:
    def __init__(self):
        self.workspace = tempfile.TemporaryDirectory()
        self.env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST")}
        self.env.update(NETRA_WORKSPACE=self.workspace.name, AUTH_RATE_LIMIT_PER_MINUTE="100000")

    def __enter__(self) -> str:
        result = subprocess.run([sys.executable, "-m", "emulators.cli", "up", "--detach"], env=self.env, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(result.stdout + result.stderr)
        return json.loads((Path(self.workspace.name) / ".service_discovery" / "auth.json").read_text())["url"]

    def __exit__(self, *exc):
        subprocess.run([sys.executable, "-m", "emulators.cli", "down"], env=self.env, capture_output=True)
        self.workspace.cleanup()


def benchmarks(repeat: int):
    from bench.harness import compare
    from shared_lib.auth import JwksKeys, TokenVerifier
    from shared_lib.config import DEFAULT_AUDIENCE

    with Platform() as auth_url, httpx.Client(timeout=10) as client:
        def fresh_tokens(count: int) -> list[str]:
            return [client.post(f"{auth_url}/auth/dev/login", json={"email": f"bench-{i}@example.com"}).json()["access_token"]
                    for i in range(count)]

        def per_request(tokens: list[str]) -> float:
            started = time.perf_counter()
            for token in tokens:
                assert client.post(f"{auth_url}/auth/validate", json={"token": token}).json()["valid"]
            return (time.perf_counter() - started) / len(tokens)

        warm_token = fresh_tokens(1)[0]
        per_request([warm_token])  # cached from here on
        verifier = TokenVerifier(JwksKeys(f"{auth_url}/auth/.well-known/jwks.json"), auth_url, DEFAULT_AUDIENCE, None)
        verifier.verify(warm_token)  # JWKS fetched once, as in a warm instance

        def offline(tokens: list[str]) -> float:
            started = time.perf_counter()
            for token in tokens:
                verifier.verify(token)
            return (time.perf_counter() - started) / len(tokens)

        cold_batches = [fresh_tokens(BATCH) for _ in range(repeat)]
        yield compare("validate over HTTP, warm cache", lambda: per_request([warm_token] * BATCH),
                      "validate over HTTP, cold (new tokens)", lambda: per_request(cold_batches.pop()), repeat)
        tokens = fresh_tokens(BATCH)
        yield compare("shared_lib.auth offline verify", lambda: offline(tokens),
                      "validate over HTTP, warm cache", lambda: per_request([warm_token] * BATCH), repeat)
