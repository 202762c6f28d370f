"""Secret Manager's resource model and rules, in memory, without any transport.

Errors carry the gRPC status the real service answers with, so the server only maps
them; the rules live here.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time

import google_crc32c

MAX_PAYLOAD_BYTES = 64 * 1024
MAX_PAGE_SIZE = 25000
_SECRET_ID = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_PROJECT = re.compile(r"^projects/([^/]+)$")
_SECRET = re.compile(r"^projects/([^/]+)/secrets/([^/]+)$")
_VERSION = re.compile(r"^projects/([^/]+)/secrets/([^/]+)/versions/([^/]+)$")

ENABLED, DISABLED, DESTROYED = "ENABLED", "DISABLED", "DESTROYED"


class SecretError(Exception):
    """A request the real service would refuse; `code` is the gRPC status name."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclasses.dataclass
class Version:
    name: str
    number: int
    data: bytes
    state: str
    create_time: float
    destroy_time: float | None = None
    client_checksum: bool = False

    @property
    def crc32c(self) -> int:
        return google_crc32c.value(self.data)


@dataclasses.dataclass
class SecretRecord:
    name: str
    labels: dict[str, str]
    create_time: float
    etag: str
    versions: list[Version] = dataclasses.field(default_factory=list)


class SecretStore:
    def __init__(self, clock=time.time):
        self._secrets: dict[str, SecretRecord] = {}
        self._lock = threading.Lock()
        self._clock = clock

    # --- secrets -------------------------------------------------------------------

    def create_secret(self, parent: str, secret_id: str, labels: dict[str, str] | None = None) -> SecretRecord:
        _match(_PROJECT, parent, "parent", "projects/{project}")
        if not _SECRET_ID.match(secret_id or ""):
            raise SecretError("INVALID_ARGUMENT", f"secret_id {secret_id!r} must be 1-255 letters, digits, - or _")
        name = f"{parent}/secrets/{secret_id}"
        with self._lock:
            if name in self._secrets:
                raise SecretError("ALREADY_EXISTS", f"Secret [{name}] already exists.")
            now = self._clock()
            record = SecretRecord(name, dict(labels or {}), now, etag=_etag(now))
            self._secrets[name] = record
            return record

    def get_secret(self, name: str) -> SecretRecord:
        _match(_SECRET, name, "name", "projects/{project}/secrets/{secret}")
        with self._lock:
            return self._secret(name)

    def list_secrets(self, parent: str, page_size: int, page_token: str) -> tuple[list[SecretRecord], str, int]:
        _match(_PROJECT, parent, "parent", "projects/{project}")
        with self._lock:
            records = sorted(
                (r for r in self._secrets.values() if r.name.startswith(parent + "/")), key=lambda r: r.name
            )
        return _page(records, page_size, page_token)

    def delete_secret(self, name: str, etag: str = "") -> None:
        _match(_SECRET, name, "name", "projects/{project}/secrets/{secret}")
        with self._lock:
            record = self._secret(name)
            if etag and etag != record.etag:
                raise SecretError("ABORTED", f"etag {etag} does not match the current etag of [{name}]")
            del self._secrets[name]

    # --- versions ------------------------------------------------------------------

    def add_version(self, parent: str, data: bytes, crc32c: int | None) -> Version:
        _match(_SECRET, parent, "parent", "projects/{project}/secrets/{secret}")
        if len(data) > MAX_PAYLOAD_BYTES:
            raise SecretError("INVALID_ARGUMENT", f"payload is {len(data)} bytes; the limit is {MAX_PAYLOAD_BYTES}")
        if crc32c is not None and google_crc32c.value(data) != crc32c:
            raise SecretError("INVALID_ARGUMENT", "data_crc32c does not match the CRC32C of the payload data")
        with self._lock:
            record = self._secret(parent)
            number = len(record.versions) + 1
            version = Version(
                f"{parent}/versions/{number}", number, data, ENABLED, self._clock(), client_checksum=crc32c is not None
            )
            record.versions.append(version)
            return version

    def get_version(self, name: str) -> Version:
        with self._lock:
            return self._version(name)

    def list_versions(self, parent: str, page_size: int, page_token: str) -> tuple[list[Version], str, int]:
        _match(_SECRET, parent, "parent", "projects/{project}/secrets/{secret}")
        with self._lock:
            versions = list(reversed(self._secret(parent).versions))  # newest first, as the service lists them
        return _page(versions, page_size, page_token)

    def access_version(self, name: str) -> Version:
        with self._lock:
            version = self._version(name)
            if version.state != ENABLED:
                raise SecretError("FAILED_PRECONDITION", f"{version.name} is in {version.state} state.")
            return dataclasses.replace(version)

    def set_version_state(self, name: str, state: str) -> Version:
        with self._lock:
            version = self._version(name)
            if version.state == DESTROYED:
                raise SecretError("FAILED_PRECONDITION", f"{version.name} is in DESTROYED state.")
            version.state = state
            if state == DESTROYED:
                version.data = b""
                version.destroy_time = self._clock()
            return version

    # --- lookups (caller holds the lock) ------------------------------------------

    def _secret(self, name: str) -> SecretRecord:
        record = self._secrets.get(name)
        if record is None:
            raise SecretError("NOT_FOUND", f"Secret [{name}] not found or has no versions.")
        return record

    def _version(self, name: str) -> Version:
        project, secret_id, version_id = _match(
            _VERSION, name, "name", "projects/{project}/secrets/{secret}/versions/{version}"
        )
        record = self._secret(f"projects/{project}/secrets/{secret_id}")
        if version_id == "latest":
            if not record.versions:
                raise SecretError("NOT_FOUND", f"Secret [{record.name}] not found or has no versions.")
            return record.versions[-1]
        if not version_id.isdigit() or int(version_id) < 1:
            raise SecretError("INVALID_ARGUMENT", f"version id {version_id!r} must be a positive number or 'latest'")
        number = int(version_id)
        if number > len(record.versions):
            raise SecretError("NOT_FOUND", f"Secret Version [{name}] not found.")
        return record.versions[number - 1]


def _match(pattern: re.Pattern, value: str, field: str, shape: str) -> tuple[str, ...]:
    found = pattern.match(value or "")
    if not found:
        raise SecretError("INVALID_ARGUMENT", f"{field} {value!r} must have the form {shape}")
    return found.groups()


def _page(items: list, page_size: int, page_token: str) -> tuple[list, str, int]:
    if page_size < 0 or page_size > MAX_PAGE_SIZE:
        raise SecretError("INVALID_ARGUMENT", f"page_size must be from 0 to {MAX_PAGE_SIZE}")
    size = page_size or MAX_PAGE_SIZE
    if page_token and not page_token.isdigit():
        raise SecretError("INVALID_ARGUMENT", f"page_token {page_token!r} is not valid")
    start = int(page_token or 0)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else ""), len(items)


def _etag(now: float) -> str:
    return f'"{int(now * 1_000_000):x}"'
