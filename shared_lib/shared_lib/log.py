"""Structured JSON logging in the format Cloud Logging parses from stdout.

One JSON object per line with `severity`, `message`, `time`, and, when a request carries a
trace context, `logging.googleapis.com/trace` so Cloud Logging groups a request's lines.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import json
import logging
import sys
from collections.abc import Mapping

_trace: contextvars.ContextVar[str | None] = contextvars.ContextVar("netra_trace", default=None)
_SEVERITY = {"WARNING": "WARNING", "CRITICAL": "CRITICAL", "ERROR": "ERROR", "INFO": "INFO", "DEBUG": "DEBUG"}
# Attributes every LogRecord has; anything else passed through `extra=` becomes a JSON field.
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class CloudLoggingFormatter(logging.Formatter):
    def __init__(self, project_id: str):
        super().__init__()
        self.project_id = project_id

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "severity": _SEVERITY.get(record.levelname, "DEFAULT"),
            "message": record.getMessage(),
            "time": _dt.datetime.fromtimestamp(record.created, _dt.timezone.utc).isoformat(),
            "logger": record.name,
        }
        trace_id = _trace.get()
        if trace_id:
            entry["logging.googleapis.com/trace"] = f"projects/{self.project_id}/traces/{trace_id}"
        if record.exc_info:
            entry["stack_trace"] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        return json.dumps(entry, default=str)


def configure_logging(project_id: str, level: str = "INFO", stream=None) -> None:
    """Route the root logger to one JSON line per record (idempotent)."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(CloudLoggingFormatter(project_id))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h.formatter, CloudLoggingFormatter)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def trace_id_from_headers(headers: Mapping[str, str]) -> str | None:
    """Trace id from `traceparent` (W3C) or `X-Cloud-Trace-Context` (`TRACE/SPAN;o=1`)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    parent = lowered.get("traceparent")
    if parent:
        parts = parent.split("-")
        if len(parts) == 4 and len(parts[1]) == 32:
            return parts[1]
    cloud = lowered.get("x-cloud-trace-context")
    if cloud:
        trace = cloud.split("/", 1)[0].strip()
        if trace:
            return trace
    return None


def bind_trace(trace_id: str | None) -> contextvars.Token:
    """Attach `trace_id` to every line logged in the current context until `reset_trace`."""
    return _trace.set(trace_id)


def reset_trace(token: contextvars.Token) -> None:
    _trace.reset(token)
