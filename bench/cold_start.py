"""Cold start of a function: process start -> first 200, against a bare hello function.

Subjects: the auth function's /health (its imports; clients are built on the first real
request), and fixture functions under tests/fixtures/functions: `hello` answers /health,
`recorder` handles its first Pub/Sub push (decode, idempotency claim in Redis, write).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from emulators.platform.processes import free_port, stop_group

ROOT = Path(__file__).resolve().parents[1]
BARE = ROOT / "bench" / "fixtures" / "bare_hello" / "main.py"
FIXTURES = ROOT / "tests" / "fixtures" / "functions"


def time_to_first_200(
    source: Path, target: str, signature: str, request: dict, env: dict[str, str], timeout: float = 30.0
) -> float:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "functions_framework",
        "--target",
        target,
        "--source",
        str(source),
        "--signature-type",
        signature,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        url = f"http://127.0.0.1:{port}{request.get('path', '/')}"
        with httpx.Client(timeout=2.0) as client:
            while time.perf_counter() - started < timeout:
                try:
                    response = client.request(request.get("method", "GET"), url, json=request.get("json"))
                    if response.status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    raise RuntimeError(f"{source} exited with {process.returncode}")
                time.sleep(0.005)
        raise RuntimeError(f"{source} gave no 200 within {timeout} s")
    finally:
        stop_group(process.pid, timeout=5)


def push_request() -> dict:
    message_id = uuid.uuid4().hex
    envelope = {
        "message": {
            "data": base64.b64encode(b"{}").decode(),
            "attributes": {"test_key": "bench"},
            "messageId": message_id,
            "publishTime": "2026-11-25T00:00:00Z",
        },
        "subscription": "projects/netra-local/subscriptions/bench",
    }
    return {"method": "POST", "path": "/projects/netra-local/topics/test-events", "json": envelope}


def bare(env):
    return lambda: time_to_first_200(BARE, "hello", "http", {}, env)


def benchmarks(repeat: int):
    from bench.harness import compare

    # AUTH_URL: auth validates its configuration at cold start, and cannot build a callback URL without it.
    env = {
        **os.environ,
        "NETRA_ENV": "local",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
        "AUTH_URL": os.environ.get("AUTH_URL", "http://127.0.0.1:8090"),
    }
    yield compare(
        "cold start: hello /health",
        lambda: time_to_first_200(FIXTURES / "hello" / "main.py", "hello", "http", {"path": "/health"}, env),
        "bare functions-framework hello",
        bare(env),
        repeat,
    )
    yield compare(
        "cold start: auth /health",
        lambda: time_to_first_200(ROOT / "functions" / "auth" / "main.py", "auth", "http", {"path": "/health"}, env),
        "bare functions-framework hello",
        bare(env),
        repeat,
    )
    yield compare(
        "cold start: recorder first push",
        lambda: time_to_first_200(FIXTURES / "recorder" / "main.py", "record", "cloudevent", push_request(), env),
        "bare functions-framework hello",
        bare(env),
        repeat,
    )
