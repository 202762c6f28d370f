"""ClickHouse client: `chdb:///abs/path` (embedded engine) or an `http(s)://` server DSN.

`https://user:password@host/database` is TLS, on 8443 unless the DSN names a port: what
ClickHouse Cloud serves.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from shared_lib.config import ConfigError, Settings

SCHEMES = ("chdb", "http", "https")


def clickhouse_client(settings: Settings):
    dsn = settings.clickhouse_dsn
    if not dsn:
        raise ConfigError(["CLICKHOUSE_DSN is not set"])
    parts = urlsplit(dsn)
    scheme = parts.scheme
    if scheme not in SCHEMES:
        raise ConfigError([f"CLICKHOUSE_DSN scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}"])
    if scheme == "chdb" and (parts.netloc or not parts.path.startswith("/")):
        raise ConfigError(["CLICKHOUSE_DSN for chdb needs an absolute data path: chdb:///abs/path"])
    import clickhouse_connect

    if scheme == "chdb":
        return clickhouse_connect.get_client(dsn=dsn)
    # The scheme says TLS or not: clickhouse-connect reads it from the port only, and would
    # send an https DSN without a port in the clear to 8123.
    return clickhouse_connect.get_client(dsn=dsn, interface=scheme)
