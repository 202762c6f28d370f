"""Liveness probes recorded in the run state, so `netra status` can re-check them later."""

from __future__ import annotations

import urllib.error
import urllib.request

from emulators.platform.processes import pid_alive, port_open


def probe(record: dict) -> bool:
    kind = record["probe"]["type"]
    if kind == "process":
        return pid_alive(record["pid"])
    if kind == "tcp":
        return port_open(record["host"], record["port"])
    if kind == "http":
        status = _http_status(f"http://{record['host']}:{record['port']}{record['probe']['path']}")
        expect = record["probe"]["expect"]
        return status is not None and (status < 500 if expect == "<500" else status == expect)
    raise ValueError(f"unknown probe type {kind!r}")


def _http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None
