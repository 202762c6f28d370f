"""Each HTTP function validates its configuration when its module loads (cold start): a bad
setting stops the instance before any request, and the error names the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GOOD = {"NETRA_ENV": "local", "AUTH_URL": "http://127.0.0.1:8090"}


def start(function: str, **settings: str) -> subprocess.CompletedProcess:
    """Loads the function's entry module as functions-framework does at cold start."""
    environ = {
        k: v for k, v in os.environ.items() if k not in ("LOG_LEVEL", "TRUSTED_PROXY_HOPS", "AUTH_REFRESH_TTL_SECONDS")
    }
    return subprocess.run(
        [sys.executable, "-c", "import main"],
        cwd=ROOT / "functions" / function,
        env={**environ, **GOOD, **settings},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("function", ["chat", "analytics", "auth"])
def test_a_function_with_good_settings_starts(function):
    started = start(function)
    assert started.returncode == 0, started.stderr


@pytest.mark.parametrize(
    ("function", "name", "value"),
    [
        ("chat", "LOG_LEVEL", "loud"),
        ("analytics", "TRUSTED_PROXY_HOPS", "many"),
        ("auth", "AUTH_REFRESH_TTL_SECONDS", "60"),  # auth's own setting, below its one-hour floor
    ],
)
def test_a_bad_setting_fails_start_up_with_its_name(function, name, value):
    started = start(function, **{name: value})
    assert started.returncode != 0 and "ConfigError" in started.stderr and name in started.stderr


@pytest.mark.parametrize("function", ["chat", "analytics", "auth"])
def test_cold_start_loads_the_route_table_and_settings_but_not_the_service(function):
    environ = {
        k: v for k, v in os.environ.items() if k not in ("LOG_LEVEL", "TRUSTED_PROXY_HOPS", "AUTH_REFRESH_TTL_SECONDS")
    }
    probe = "import sys, main; print(' '.join(sorted(sys.modules)))"
    started = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT / "functions" / function,
        env={**environ, **GOOD},
        capture_output=True,
        text=True,
        timeout=60,
    )
    loaded = set(started.stdout.split())
    assert {f"netra_{function}.routes", "shared_lib.config"} <= loaded, started.stderr
    assert loaded & {f"netra_{function}.service", "shared_lib.auth", "httpx"} == set()
