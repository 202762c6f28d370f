"""Typed configuration, read once from the environment, with the source of every value.

Secrets are not configuration: they are read from Secret Manager through
`shared_lib.secrets`, and only their names appear here.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from typing import Literal, get_args

Environment = Literal["local", "test", "staging", "production"]
ENVIRONMENTS: tuple[str, ...] = get_args(Environment)
LOCAL_PROJECT_ID = "netra-local"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """The environment does not describe a valid configuration; lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))


@dataclasses.dataclass(frozen=True)
class Settings:
    env: Environment
    project_id: str
    log_level: str
    pubsub_emulator_host: str | None
    firestore_emulator_host: str | None
    secret_manager_emulator_host: str | None
    database_url: str | None
    cloud_sql_instance: str | None
    redis_url: str | None
    clickhouse_dsn: str | None
    # field name -> where its value came from ("env:NAME" or "default")
    sources: Mapping[str, str] = dataclasses.field(compare=False, repr=False)

    @property
    def is_local(self) -> bool:
        """Local and test runs: emulators, dev login, generated secrets."""
        return self.env in ("local", "test")

    def describe(self) -> dict[str, dict[str, str | None]]:
        """Every value with its source, credentials in URLs masked (safe to log)."""
        out: dict[str, dict[str, str | None]] = {}
        for field in dataclasses.fields(self):
            if field.name == "sources":
                continue
            value = getattr(self, field.name)
            out[field.name] = {"value": _mask_credentials(value), "source": self.sources[field.name]}
        return out


# field -> (environment variables tried in order, default)
_SPEC: dict[str, tuple[tuple[str, ...], str | None]] = {
    "env": (("NETRA_ENV",), "local"),
    "project_id": (("NETRA_PROJECT_ID", "GOOGLE_CLOUD_PROJECT"), None),
    "log_level": (("LOG_LEVEL",), "INFO"),
    "pubsub_emulator_host": (("PUBSUB_EMULATOR_HOST",), None),
    "firestore_emulator_host": (("FIRESTORE_EMULATOR_HOST",), None),
    "secret_manager_emulator_host": (("SECRET_MANAGER_EMULATOR_HOST",), None),
    "database_url": (("DATABASE_URL",), None),
    "cloud_sql_instance": (("CLOUD_SQL_INSTANCE",), None),
    "redis_url": (("REDIS_URL",), None),
    "clickhouse_dsn": (("CLICKHOUSE_DSN",), None),
}
_EMULATOR_FIELDS = ("pubsub_emulator_host", "firestore_emulator_host", "secret_manager_emulator_host")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from `environ` (default: the process environment) and validate them."""
    environ = os.environ if environ is None else environ
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    for field, (names, default) in _SPEC.items():
        values[field], sources[field] = _lookup(environ, names, default)

    problems: list[str] = []
    env = values["env"]
    if env not in ENVIRONMENTS:
        problems.append(f"NETRA_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    local = env in ("local", "test")
    if values["project_id"] is None:
        if local:
            values["project_id"], sources["project_id"] = LOCAL_PROJECT_ID, "default"
        elif env in ENVIRONMENTS:
            problems.append(f"NETRA_PROJECT_ID (or GOOGLE_CLOUD_PROJECT) is required when NETRA_ENV={env}")
    level = (values["log_level"] or "").upper()
    if level not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {values['log_level']!r}")
    values["log_level"] = level
    for field in _EMULATOR_FIELDS:
        host = values[field]
        if host is None:
            continue
        if env in ("staging", "production"):
            # An emulator in staging or production would silently route real traffic nowhere.
            problems.append(f"{_SPEC[field][0][0]} must not be set when NETRA_ENV={env}")
        elif not _is_host_port(host):
            problems.append(f"{_SPEC[field][0][0]} must be HOST:PORT, got {host!r}")
    if problems:
        raise ConfigError(problems)
    return Settings(**values, sources=sources)  # type: ignore[arg-type]


@functools.cache
def settings() -> Settings:
    """The process's settings, read once (cold start reads the environment a single time)."""
    return load_settings()


def _lookup(environ: Mapping[str, str], names: tuple[str, ...], default: str | None) -> tuple[str | None, str]:
    for name in names:
        value = environ.get(name)
        if value is not None and value.strip() != "":
            return value.strip(), f"env:{name}"
    return default, "default"


def _is_host_port(value: str) -> bool:
    host, sep, port = value.rpartition(":")
    return bool(sep and host and port.isdigit() and 0 < int(port) < 65536)


def _mask_credentials(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    scheme, sep, rest = text.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return text
    userinfo, _, hostpart = rest.partition("@")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{hostpart}" if ":" in userinfo else text
