"""PostgreSQL connections through pg8000: by DSN locally, through the Cloud SQL connector in GCP.

DSNs come in many dialects (psql's `sslmode`, SQLAlchemy's `ssl=true`, a Unix socket
directory in `?host=`). They are normalised here into pg8000's arguments, once:
a Unix socket never gets SSL, and the SSL wish becomes an `ssl.SSLContext` or nothing.
pg8000 and the Cloud SQL connector are imported where they are used: heavy SDKs, kept off
the cold start.
"""

from __future__ import annotations

import contextlib
import queue
import ssl
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from shared_lib.config import ConfigError, Settings

_SCHEMES = ("postgres", "postgresql", "postgresql+pg8000")
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_SSL_KEYS = ("sslmode", "ssl", "sslrootcert")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def connect_args(dsn: str) -> dict[str, Any]:
    """pg8000 `connect()` keyword arguments for `dsn`; raises ConfigError on anything unclear."""
    parts = urlsplit(dsn)
    if parts.scheme not in _SCHEMES:
        raise ConfigError([f"database URL scheme must be one of {', '.join(_SCHEMES)}, got {parts.scheme!r}"])
    query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    user = unquote(parts.username) if parts.username else "postgres"
    args: dict[str, Any] = {"user": user, "database": unquote(parts.path.lstrip("/")) or user}
    if parts.password:
        args["password"] = unquote(parts.password)
    host = query.pop("host", None) or parts.hostname or "127.0.0.1"
    port = parts.port or int(query.pop("port", "5432"))
    ssl_wish = {key: query.pop(key) for key in _SSL_KEYS if key in query}
    if "application_name" in query:
        args["application_name"] = query.pop("application_name")
    if "connect_timeout" in query:
        args["timeout"] = int(query.pop("connect_timeout"))
    if query:
        raise ConfigError([f"database URL has unsupported parameters: {', '.join(sorted(query))}"])
    if host.startswith("/"):
        # A Unix socket is local: SSL parameters do not apply and pg8000 would reject them.
        args["unix_sock"] = f"{host.rstrip('/')}/.s.PGSQL.{port}"
        return args
    args["host"], args["port"] = host, port
    context = _ssl_context(ssl_wish)
    if context is not None:
        args["ssl_context"] = context
    return args


def _ssl_context(wish: dict[str, str]) -> ssl.SSLContext | None:
    mode = wish.get("sslmode")
    flag = wish.get("ssl")
    if flag is not None:
        if flag.lower() not in _TRUE + _FALSE:
            raise ConfigError([f"database URL ssl must be true or false, got {flag!r}"])
        implied = "require" if flag.lower() in _TRUE else "disable"
        if mode is not None and mode != implied and not (implied == "require" and mode.startswith("verify")):
            raise ConfigError([f"database URL has conflicting ssl={flag} and sslmode={mode}"])
        mode = mode or implied
    mode = mode or "prefer"
    if mode not in _SSL_MODES:
        raise ConfigError([f"database URL sslmode must be one of {', '.join(_SSL_MODES)}, got {mode!r}"])
    if mode in ("disable", "allow", "prefer"):
        # pg8000 cannot fall back between SSL and plain text; these modes mean "plain is fine".
        return None
    context = ssl.create_default_context(cafile=wish.get("sslrootcert"))
    if mode == "require":
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif mode == "verify-ca":
        context.check_hostname = False
    return context


def connection_factory(settings: Settings) -> Callable[[], Any]:
    """A callable that opens a new pg8000 DB-API connection for these settings."""
    if not settings.database_url:
        raise ConfigError(["DATABASE_URL is not set"])
    args = connect_args(settings.database_url)
    if settings.cloud_sql_instance:
        return _cloud_sql_factory(settings.cloud_sql_instance, args)

    def connect():
        import pg8000.dbapi

        return pg8000.dbapi.connect(**args)

    return connect


def _cloud_sql_factory(instance: str, args: dict[str, Any]) -> Callable[[], Any]:
    from google.cloud.sql.connector import Connector, IPTypes

    connector = Connector(ip_type=IPTypes.PRIVATE, refresh_strategy="lazy")

    # Without a password in the URL the user is an IAM principal (a service account):
    # the connector logs in with its OAuth token, so no database password exists anywhere.
    iam = "password" not in args

    def connect():
        return connector.connect(
            instance,
            "pg8000",
            user=args["user"],
            password=args.get("password"),
            db=args["database"],
            enable_iam_auth=iam,
        )

    return connect


class ConnectionPool:
    """A few reusable connections for one function instance; `transaction()` commits on
    success, rolls back on error, and drops a connection that broke."""

    def __init__(self, connect: Callable[[], Any], size: int = 4):
        self._connect = connect
        self._idle: queue.LifoQueue = queue.LifoQueue(maxsize=size)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        try:
            connection = self._idle.get_nowait()
        except queue.Empty:
            connection = self._connect()
        try:
            cursor = connection.cursor()
            yield cursor
            connection.commit()
        except BaseException:
            try:
                connection.rollback()
            except Exception:  # noqa: BLE001 - a connection that cannot roll back is broken
                connection.close()  # broken: never reuse it
            else:
                self._give_back(connection)
            raise
        self._give_back(connection)

    def _give_back(self, connection) -> None:
        try:
            self._idle.put_nowait(connection)
        except queue.Full:
            connection.close()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
