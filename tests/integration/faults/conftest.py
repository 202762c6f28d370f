"""A platform of its own for the fault suite: it kills children and the bus, so it must not
be the one other tests share; and its deadlines are short, so a stranded run fails in
seconds. How short is measured when the suite starts (calibration.py): the steps of real
questions, timed on the shared platform, set the percent of the real deadlines the agents
use (5% on an idle machine: triage 9 s, data 15 s, a request's start 30 s). A sweep every
second, auth's own limit of 30 token exchanges a minute per user. A crashed child comes back
after the triage deadline (at least 8 s): so a killed bus is an outage the sweeper has to
handle, not a blip its publishers ride out."""

from __future__ import annotations

import os

import pytest

from tests.conftest import APP_CALLBACK, FIXTURES, FUNCTION_DIRS, TEST_DATABASE_URL
from tests.integration.faults.calibration import Deadlines, measure

# A Redis database of its own: the shared platform keeps running beside this one, and its
# tickets, claims and streams must survive this platform's flush.
FAULTS_REDIS_URL = os.environ.get("NETRA_TEST_FAULTS_REDIS_URL", "redis://127.0.0.1:6379/14")

SWEEP_SECONDS = 1
EXCHANGES_PER_MINUTE = 30


@pytest.fixture(scope="package")
def platform(platform, tmp_path_factory):
    """The fault suite's platform. The `platform` it takes is the shared one (tests/conftest.py):
    the step times are measured there, with the real deadlines (it is up anyway in a full run)."""
    import uuid

    import redis

    from emulators.platform.launcher import PlatformOptions, Supervisor
    from emulators.platform.processes import RestartPolicy
    from emulators.platform.workspace import Workspace
    from shared_lib.clients.http import http_client

    with http_client(timeout=30) as http:
        deadlines = measure(http, platform, uuid.uuid4().hex[:12])
    # Longer than triage's deadline: a result published once a killed bus is back is late.
    restart_delay = max(8.0, deadlines.triage)
    redis.Redis.from_url(FAULTS_REDIS_URL).flushdb()
    environ = {
        **os.environ,
        "DATABASE_URL": TEST_DATABASE_URL,
        "REDIS_URL": FAULTS_REDIS_URL,
        "AUTH_REDIRECT_ALLOWLIST": APP_CALLBACK,
        "AUTH_RATE_LIMIT_PER_MINUTE": str(EXCHANGES_PER_MINUTE),
        "AGENT_DEADLINE_PERCENT": str(deadlines.percent),
        "NETRA_SCHEDULE_SECONDS": str(SWEEP_SECONDS),
    }
    for name in ("PUBSUB_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST", "SECRET_MANAGER_EMULATOR_HOST", "CLICKHOUSE_DSN"):
        environ.pop(name, None)
    options = PlatformOptions(
        Workspace(tmp_path_factory.mktemp("faults")),
        FIXTURES / "topology.yaml",
        FUNCTION_DIRS,
        restart=RestartPolicy(first_delay=restart_delay, max_delay=restart_delay),
    )
    said: list[str] = []  # what `netra up` would print (restarts, give-ups): shown when a test fails
    supervisor = Supervisor(options, environ=environ, say=said.append)
    supervisor.said = said
    supervisor.deadlines, supervisor.restart_delay = deadlines, restart_delay
    said.append(f"fault suite: {deadlines}; a crashed child comes back after {restart_delay:g} s")
    print(said[-1])  # seen with -s: what the suite measured on this machine now
    try:
        supervisor.start()
    except BaseException:
        supervisor.stop()
        raise
    yield supervisor
    supervisor.stop()


@pytest.fixture(scope="package")
def deadlines(platform) -> Deadlines:
    return platform.deadlines


@pytest.fixture(scope="package")
def restart_delay(platform) -> float:
    return platform.restart_delay


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
