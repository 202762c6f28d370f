"""Read secrets from Secret Manager by name, verify their checksum, cache them per process.

google-api-core and google-crc32c are imported at the first read: Google SDKs, kept off the
cold start of every importer.
"""

from __future__ import annotations

import threading


class SecretNotAvailable(LookupError):
    """The secret does not exist, has no enabled version, or failed its checksum."""


class SecretReader:
    def __init__(self, client, project_id: str):
        self._client = client
        self._project_id = project_id
        self._cache: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    def get(self, name: str, version: str = "latest", cached: bool = True) -> bytes:
        """The secret's bytes; `cached=False` re-reads it (to pick up a rotation)."""
        key = (name, version)
        with self._lock:
            if cached and key in self._cache:
                return self._cache[key]
        value = self._access(name, version)
        with self._lock:
            self._cache[key] = value
        return value

    def get_text(self, name: str, version: str = "latest", cached: bool = True) -> str:
        return self.get(name, version, cached).decode("utf-8")

    def _access(self, name: str, version: str) -> bytes:
        from google.api_core import exceptions

        path = f"projects/{self._project_id}/secrets/{name}/versions/{version}"
        try:
            response = self._client.access_secret_version(request={"name": path})
        except (exceptions.NotFound, exceptions.FailedPrecondition) as exc:
            raise SecretNotAvailable(f"secret {name} ({version}) is not available: {exc.message}") from None
        payload = response.payload
        if payload.data_crc32c:
            import google_crc32c

            if google_crc32c.value(payload.data) != payload.data_crc32c:
                raise SecretNotAvailable(f"secret {name} ({version}) failed its CRC32C check")
        return payload.data
