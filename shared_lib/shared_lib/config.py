"""Typed configuration, read once from the environment, with the source of every value.

`Settings` holds what every component needs. A component with settings of its own reads
them with the same `EnvReader`, so every value anywhere says where it came from and every
problem is reported at once. Secrets are not configuration: they are read from Secret
Manager through `shared_lib.secrets`; only their names appear here.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Mapping
from typing import Literal, get_args

Environment = Literal["local", "test", "staging", "production"]
ENVIRONMENTS: tuple[str, ...] = get_args(Environment)
LOCAL_PROJECT_ID = "netra-local"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_AUDIENCE = "netra-api"
USAGE_BATCH_ENCODINGS = ("gzip", "json")
# A ClickHouse cluster as the servers' remote_servers names it, or the macro naming it.
CLICKHOUSE_CLUSTER_NAME = re.compile(r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*|\{[A-Za-z0-9_]+\})$")


class ConfigError(ValueError):
    """The environment does not describe a valid configuration; lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))


class EnvReader:
    """Reads typed values from an environment mapping, recording sources and problems."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        self.environ = os.environ if environ is None else environ
        self.sources: dict[str, str] = {}
        self.problems: list[str] = []

    def text(self, field: str, names: tuple[str, ...], default: str | None = None) -> str | None:
        for name in names:
            value = self.environ.get(name)
            if value is not None and value.strip() != "":
                self.sources[field] = f"env:{name}"
                return value.strip()
        self.sources[field] = "default"
        return default

    def integer(self, field: str, names: tuple[str, ...], default: int, low: int, high: int) -> int:
        raw = self.text(field, names)
        if raw is None:
            return default
        if not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
            self.problems.append(f"{names[0]} must be an integer from {low} to {high}, got {raw!r}")
            return default
        return int(raw)

    def choice(self, field: str, names: tuple[str, ...], default: str, choices: tuple[str, ...]) -> str:
        value = self.text(field, names, default)
        if value not in choices:
            self.problems.append(f"{names[0]} must be one of {', '.join(choices)}, got {value!r}")
        return value  # type: ignore[return-value]

    def items(self, field: str, names: tuple[str, ...]) -> tuple[str, ...]:
        """A comma-separated list; empty entries dropped."""
        raw = self.text(field, names) or ""
        return tuple(item.strip() for item in raw.split(",") if item.strip())

    def check(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)


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
    # The cluster whose replicas hold the warehouse (self-managed; ADR 0013). None: one node
    # (chDB, one server, ClickHouse Cloud, which replicates by itself).
    clickhouse_cluster: str | None
    auth_url: str | None  # base URL of the auth function (JWKS, /auth/validate)
    token_issuer: str  # `iss` of Netra's tokens
    token_audience: str  # `aud` of Netra's access tokens
    cors_allowed_origins: tuple[str, ...]  # browser origins (the web chat) allowed to call the APIs
    # Proxies in front of the components that each append to X-Forwarded-For (Google's front
    # end: 1; behind an external load balancer as well: 2). 0: use the peer address.
    trusted_proxy_hops: int
    # How usage batches are written on `usage-events` (`contracts.usage_events`): "gzip" or
    # "json". Every consumer reads both; a producer writes gzip only once every consumer that
    # may read its messages does, so deployed the default stays "json" for a release (a
    # rollback to one before gzip would dead-letter compressed batches). Locally: gzip.
    usage_batch_encoding: str
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


_EMULATORS = {
    "pubsub_emulator_host": "PUBSUB_EMULATOR_HOST",
    "firestore_emulator_host": "FIRESTORE_EMULATOR_HOST",
    "secret_manager_emulator_host": "SECRET_MANAGER_EMULATOR_HOST",
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from `environ` (default: the process environment) and validate them."""
    read = EnvReader(environ)
    env = read.text("env", ("NETRA_ENV",), "local")
    if env not in ENVIRONMENTS:
        read.problems.append(f"NETRA_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    local = env in ("local", "test")
    deployed = env in ("staging", "production")
    project_id = read.text("project_id", ("NETRA_PROJECT_ID", "GOOGLE_CLOUD_PROJECT"))
    if project_id is None and local:
        project_id = LOCAL_PROJECT_ID
    elif project_id is None and deployed:
        read.problems.append(f"NETRA_PROJECT_ID (or GOOGLE_CLOUD_PROJECT) is required when NETRA_ENV={env}")
    level = (read.text("log_level", ("LOG_LEVEL",), "INFO") or "").upper()
    if level not in LOG_LEVELS:
        read.problems.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level.lower()!r}")
    emulators = {}
    for field, name in _EMULATORS.items():
        host = emulators[field] = read.text(field, (name,))
        if host is None:
            continue
        if deployed:
            # An emulator in staging or production would silently route real traffic nowhere.
            read.problems.append(f"{name} must not be set when NETRA_ENV={env}")
        elif not _is_host_port(host):
            read.problems.append(f"{name} must be HOST:PORT, got {host!r}")
    auth_url = read.text("auth_url", ("AUTH_URL",))
    if auth_url is not None:
        auth_url = auth_url.rstrip("/")
        if deployed and not auth_url.startswith("https://"):
            read.problems.append(f"AUTH_URL must be https:// when NETRA_ENV={env}")
    clickhouse_dsn = read.text("clickhouse_dsn", ("CLICKHOUSE_DSN",))
    clickhouse_cluster = read.text("clickhouse_cluster", ("CLICKHOUSE_CLUSTER",))
    if clickhouse_cluster is not None:
        if not CLICKHOUSE_CLUSTER_NAME.match(clickhouse_cluster):
            read.problems.append(
                f"CLICKHOUSE_CLUSTER must be a cluster name (letters, digits, _ . -) or a macro such as {{cluster}}, "
                f"got {clickhouse_cluster!r}"
            )
        if not (clickhouse_dsn or "").startswith(("http://", "https://")):
            read.problems.append("CLICKHOUSE_CLUSTER needs CLICKHOUSE_DSN to name a server (http:// or https://)")
    issuer = read.text("token_issuer", ("AUTH_TOKEN_ISSUER",), auth_url or f"netra-{env}")
    settings_values = dict(
        env=env,
        project_id=project_id or "",
        log_level=level,
        **emulators,
        database_url=read.text("database_url", ("DATABASE_URL",)),
        cloud_sql_instance=read.text("cloud_sql_instance", ("CLOUD_SQL_INSTANCE",)),
        redis_url=read.text("redis_url", ("REDIS_URL",)),
        clickhouse_dsn=clickhouse_dsn,
        clickhouse_cluster=clickhouse_cluster,
        auth_url=auth_url,
        token_issuer=issuer,
        token_audience=read.text("token_audience", ("AUTH_TOKEN_AUDIENCE",), DEFAULT_AUDIENCE),
        cors_allowed_origins=read.items("cors_allowed_origins", ("CORS_ALLOWED_ORIGINS",)),
        trusted_proxy_hops=read.integer("trusted_proxy_hops", ("TRUSTED_PROXY_HOPS",), 0, 0, 10),
        usage_batch_encoding=read.choice(
            "usage_batch_encoding", ("USAGE_BATCH_ENCODING",), "gzip" if local else "json", USAGE_BATCH_ENCODINGS
        ),
    )
    read.check()
    return Settings(**settings_values, sources=read.sources)  # type: ignore[arg-type]


@functools.cache
def settings() -> Settings:
    """The process's settings, read once (cold start reads the environment a single time)."""
    return load_settings()


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
