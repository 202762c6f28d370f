"""What every HTTP function does the same way: JSON bodies in, JSON answers and errors out.

Errors are `{"error": {"code", "message"}}` with a 4xx/5xx status. Works on the Flask
request functions-framework hands a function; answers are (body, status, headers) tuples.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

DEFAULT_MAX_BODY = 1 * 1024 * 1024
_JSON = {"Content-Type": "application/json", "Cache-Control": "no-store"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def response(self):
        return error_response(self.status, self.code, self.message, self.headers)


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None):
    return json.dumps(data), status, {**_JSON, **(headers or {})}


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None):
    return json_response({"error": {"code": code, "message": message}}, status, headers)


def read_json(request, max_bytes: int = DEFAULT_MAX_BODY) -> Any:
    """The request's JSON body; 415 when not JSON, 413 when too large, 400 when malformed."""
    content_type = (request.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "the body must be application/json")
    length = request.content_length
    if length is not None and length > max_bytes:
        raise ApiError(413, "payload_too_large", f"the body exceeds {max_bytes} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > max_bytes:
        raise ApiError(413, "payload_too_large", f"the body exceeds {max_bytes} bytes")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None


def json_object(request, fields: Mapping[str, type | tuple[type, ...]], required: tuple[str, ...] = (), max_bytes: int = DEFAULT_MAX_BODY) -> dict:
    """A JSON object body whose listed fields have the given types; unknown fields refused."""
    body = read_json(request, max_bytes)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise ApiError(400, "unknown_field", f"unknown field(s): {', '.join(unknown)}")
    for name in required:
        if name not in body or body[name] is None:
            raise ApiError(400, "missing_field", f"field {name!r} is required")
    for name, kind in fields.items():
        if name in body and body[name] is not None and (not isinstance(body[name], kind) or isinstance(body[name], bool) and bool not in _as_tuple(kind)):
            raise ApiError(400, "invalid_field", f"field {name!r} has the wrong type")
    return body


def _as_tuple(kind) -> tuple:
    return kind if isinstance(kind, tuple) else (kind,)


def client_ip(request) -> str:
    """The caller's address. Behind Google's front end the last X-Forwarded-For entry is the
    one it appended (earlier entries are whatever the client sent, so not trusted)."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else (request.remote_addr or "unknown")
