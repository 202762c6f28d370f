"""Fixtures shared by the integration and e2e tests: a real local platform, started once.

The platform is the launcher's own (`emulators.platform.launcher.Supervisor`) built from
`tests/fixtures/topology.yaml` with the fixture functions, in a temporary workspace, so
tests exercise exactly what `netra up` does, beside any platform a developer runs.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
FUNCTION_DIRS = (FIXTURES / "functions", ROOT / "functions")
# The tests' frontend: a URL the auth function may redirect to (nobody serves it).
APP_CALLBACK = "http://127.0.0.1:9/app/auth/callback"

# Each component's own package (netra_auth, netra_relay, …) is importable by tests, as it
# is in its deploy.
for _component in [*sorted((ROOT / "functions").iterdir()), ROOT / "websocket_relay"]:
    if _component.is_dir() and str(_component) not in sys.path:
        sys.path.append(str(_component))
TEST_DATABASE_URL = os.environ.get("NETRA_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("NETRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    import redis

    from emulators.platform.launcher import PlatformOptions, Supervisor
    from emulators.platform.workspace import Workspace

    # The test database is ours: start every session from an empty one.
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    workspace = Workspace(tmp_path_factory.mktemp("platform"))
    environ = {
        **os.environ,
        "DATABASE_URL": TEST_DATABASE_URL,
        "REDIS_URL": TEST_REDIS_URL,
        "AUTH_REDIRECT_ALLOWLIST": APP_CALLBACK,
        "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
    }
    for name in ("PUBSUB_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST", "SECRET_MANAGER_EMULATOR_HOST", "CLICKHOUSE_DSN"):
        environ.pop(name, None)
    supervisor = Supervisor(
        PlatformOptions(workspace, FIXTURES / "topology.yaml", FUNCTION_DIRS), environ=environ, say=lambda _: None
    )
    try:
        supervisor.start()
    except BaseException:
        supervisor.stop()
        raise
    patch = pytest.MonkeyPatch()
    # Client libraries that read the emulator variables themselves must see this platform.
    for name in ("PUBSUB_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST", "SECRET_MANAGER_EMULATOR_HOST"):
        patch.setenv(name, supervisor.child_env[name])
    yield supervisor
    patch.undo()
    supervisor.stop()


@pytest.fixture(scope="session")
def settings(platform):
    from shared_lib.config import load_settings

    return load_settings({**platform.child_env, "NETRA_ENV": "test"})


@pytest.fixture
def firestore_db(settings):
    """A Firestore client on the emulator, emptied before and after each test."""
    import httpx

    from shared_lib.clients.firestore import firestore_client

    reset_url = f"http://{settings.firestore_emulator_host}/emulator/v1/projects/{settings.project_id}/databases/(default)/documents"
    httpx.delete(reset_url).raise_for_status()
    client = firestore_client(settings)
    yield client
    client.close()
    httpx.delete(reset_url).raise_for_status()


@pytest.fixture
def redis(settings):
    from shared_lib.clients.redis_store import redis_client

    client = redis_client(settings)
    yield client
    client.close()


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture
def http():
    from shared_lib.clients.http import http_client

    with http_client(timeout=10) as client:
        yield client


@pytest.fixture
def auth_url(platform) -> str:
    from tests.helpers import url_of

    return url_of(platform, "auth")


@pytest.fixture
def oauth_url(platform) -> str:
    from tests.helpers import url_of

    return url_of(platform, "oauth-emulator")


@pytest.fixture
def chat_url(platform) -> str:
    from tests.helpers import url_of

    return url_of(platform, "chat")


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright (never a downloaded browser), per test module."""
    import shutil

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
