"""Liveness probes recorded in the run state, so `netra status` can re-check them later, and
say why a check failed (a server that accepts and never answers is unhealthy: timed out)."""

from __future__ import annotations

import dataclasses
import http.client
import urllib.error
import urllib.request

from emulators.platform.processes import pid_alive, port_open

HTTP_TIMEOUT = 1.0


@dataclasses.dataclass(frozen=True)
class Health:
    ok: bool
    reason: str | None = None  # why not, when not


def probe(record: dict) -> bool:
    return check(record).ok


def check(record: dict) -> Health:
    kind = record["probe"]["type"]
    if kind == "process":
        return Health(True) if pid_alive(record["pid"]) else Health(False, "the process is not running")
    if kind == "tcp":
        if port_open(record["host"], record["port"]):
            return Health(True)
        return Health(False, f"nothing accepts connections on port {record['port']}")
    if kind == "http":
        path, expect = record["probe"]["path"], record["probe"]["expect"]
        status, failure = _http_status(f"http://{record['host']}:{record['port']}{path}")
        if status is None:
            return Health(False, failure)
        if status < 500 if expect == "<500" else status == expect:
            return Health(True)
        return Health(False, f"{path} answered {status}, expected {expect}")
    raise ValueError(f"unknown probe type {kind!r}")


def _http_status(url: str) -> tuple[int | None, str | None]:
    """The status `url` answers, or why there is none."""
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except urllib.error.URLError as exc:  # connecting failed
        if isinstance(exc.reason, TimeoutError):
            return None, f"the health check timed out after {HTTP_TIMEOUT:g} s: no connection"
        return None, f"the health check could not connect: {exc.reason}"
    except TimeoutError:  # connected, and no answer in time
        return None, f"the health check timed out after {HTTP_TIMEOUT:g} s: connected, no answer"
    except (OSError, http.client.HTTPException) as exc:  # closed on it, or not HTTP
        return None, f"the health check failed: {exc!r}"
