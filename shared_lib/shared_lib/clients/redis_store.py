"""Redis client from a URL (`redis://` locally, `rediss://` for Memorystore with TLS)."""

from __future__ import annotations

from shared_lib.config import ConfigError, Settings


def redis_client(settings: Settings):
    import redis  # a heavy SDK: kept off the cold start of every importer

    if not settings.redis_url:
        raise ConfigError(["REDIS_URL is not set"])
    return redis.Redis.from_url(
        settings.redis_url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
    )
