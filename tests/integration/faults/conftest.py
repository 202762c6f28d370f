"""A platform of its own for the fault suite: it kills children and the bus, so it must not
be the one other tests share; and its deadlines are short, so a stranded run fails in
seconds: every deadline at 5% (triage 9 s, data 15 s, a request's start 30 s), a sweep
every second, auth's own limit of 30 token exchanges a minute per user. A crashed child
comes back after 8 s: longer than a step's deadline, so a killed bus is an outage the
sweeper has to handle, not a blip its publishers ride out."""

from __future__ import annotations

import os

import pytest

from tests.conftest import APP_CALLBACK, FIXTURES, FUNCTION_DIRS, TEST_DATABASE_URL

# A Redis database of its own: the shared platform keeps running beside this one, and its
# tickets, claims and streams must survive this platform's flush.
FAULTS_REDIS_URL = os.environ.get("NETRA_TEST_FAULTS_REDIS_URL", "redis://127.0.0.1:6379/14")

DEADLINE_PERCENT = 5
TRIAGE_DEADLINE = 180 * DEADLINE_PERCENT / 100
SWEEP_SECONDS = 1
RESTART_DELAY = 8.0
EXCHANGES_PER_MINUTE = 30


@pytest.fixture(scope="package")
def platform(tmp_path_factory):
    import redis

    from emulators.platform.launcher import PlatformOptions, Supervisor
    from emulators.platform.processes import RestartPolicy
    from emulators.platform.workspace import Workspace

    redis.Redis.from_url(FAULTS_REDIS_URL).flushdb()
    environ = {
        **os.environ,
        "DATABASE_URL": TEST_DATABASE_URL,
        "REDIS_URL": FAULTS_REDIS_URL,
        "AUTH_REDIRECT_ALLOWLIST": APP_CALLBACK,
        "AUTH_RATE_LIMIT_PER_MINUTE": str(EXCHANGES_PER_MINUTE),
        "AGENT_DEADLINE_PERCENT": str(DEADLINE_PERCENT),
        "NETRA_SCHEDULE_SECONDS": str(SWEEP_SECONDS),
    }
    for name in ("PUBSUB_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST", "SECRET_MANAGER_EMULATOR_HOST", "CLICKHOUSE_DSN"):
        environ.pop(name, None)
    options = PlatformOptions(
        Workspace(tmp_path_factory.mktemp("faults")),
        FIXTURES / "topology.yaml",
        FUNCTION_DIRS,
        restart=RestartPolicy(first_delay=RESTART_DELAY, max_delay=RESTART_DELAY),
    )
    said: list[str] = []  # what `netra up` would print (restarts, give-ups): shown when a test fails
    supervisor = Supervisor(options, environ=environ, say=said.append)
    supervisor.said = said
    try:
        supervisor.start()
    except BaseException:
        supervisor.stop()
        raise
    yield supervisor
    supervisor.stop()


@pytest.fixture(autouse=True)
def _this_platforms_emulators(platform, monkeypatch):
    """Client libraries that read the emulator variables see this platform during each fault
    test, and the shared platform's values are back after it (however long pytest keeps this
    platform alive)."""
    for name in ("PUBSUB_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST", "SECRET_MANAGER_EMULATOR_HOST"):
        monkeypatch.setenv(name, platform.child_env[name])


@pytest.fixture(scope="package")
def settings(platform):
    from shared_lib.config import load_settings

    return load_settings({**platform.child_env, "NETRA_ENV": "test"})


@pytest.fixture
def firestore_db(settings):
    """The platform's Firestore, not emptied between tests (every test here uses ids of its
    own; an emptying call is slow on a busy machine and the fault tests need no clean slate)."""
    from shared_lib.clients.firestore import firestore_client

    client = firestore_client(settings)
    yield client
    client.close()
