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
    from shared_lib.safejson import JsonRefused, loads

    try:
        return loads(raw)
    except JsonRefused as exc:
        raise ApiError(400, "malformed_json", f"the body is not acceptable JSON: {exc}") from None


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


def client_ip(request, trusted_hops: int) -> str:
    """The caller's address, for rate limits and the audit log.

    Each of the `trusted_hops` proxies in front of us appends the address it saw to
    X-Forwarded-For, so the Nth entry from the right is the client as our outermost proxy saw
    it; everything left of it is whatever the client wrote. With no trusted proxy (local),
    or a header shorter than the proxy chain (the request did not come through it), the
    peer address is all that cannot be forged."""
    peer = request.remote_addr or "unknown"
    if trusted_hops < 1:
        return peer
    # A proxy may append its own header line instead of extending the first one.
    lines = request.headers.getlist("X-Forwarded-For") if hasattr(request.headers, "getlist") else [request.headers.get("X-Forwarded-For", "")]
    hops = [hop.strip() for line in lines for hop in (line or "").split(",")]
    if len(hops) < trusted_hops or not hops[-trusted_hops]:
        return peer
    return hops[-trusted_hops][:64]


_CORS_HEADERS = "Authorization, Content-Type, Idempotency-Key"


class Router:
    """Path routing for an HTTP function: 404/405 as JSON, /health and /openapi.json,
    CORS for the allowed browser origins, ApiError -> its JSON, anything else -> a 500
    without a stack trace (logged)."""

    def __init__(self, rules: list[tuple[str, str, list[str]]], openapi: dict, logger, cors_origins=None):
        self._rules = rules
        self._openapi = openapi
        self._log = logger
        # Default: the web chat's origins from the process settings (CORS_ALLOWED_ORIGINS).
        self._cors_origins = cors_origins or _configured_origins
        self._map = None

    def dispatch(self, request, handle):
        """`handle(endpoint, args, request)` answers a matched route."""
        from werkzeug.exceptions import MethodNotAllowed, NotFound
        from werkzeug.routing import Map, Rule

        if self._map is None:
            self._map = Map(
                [Rule("/health", endpoint="health", methods=["GET"]), Rule("/openapi.json", endpoint="openapi", methods=["GET"])]
                + [Rule(path, endpoint=endpoint, methods=methods) for path, endpoint, methods in self._rules],
                strict_slashes=False,
            )
        cors = self._cors(request)
        adapter = self._map.bind("netra", path_info=request.path)
        if request.method == "OPTIONS" and cors:
            return "", 204, {**cors, "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE", "Access-Control-Max-Age": "600"}
        try:
            endpoint, args = adapter.match(method=request.method)
        except NotFound:
            return _with(error_response(404, "not_found", "no such route"), cors)
        except MethodNotAllowed as exc:
            return _with(error_response(405, "method_not_allowed", "method not allowed", {"Allow": ", ".join(exc.valid_methods or [])}), cors)
        if endpoint == "health":
            return json_response({"status": "ok"})
        if endpoint == "openapi":
            return json_response(self._openapi)
        try:
            return _with(handle(endpoint, args, request), cors)
        except ApiError as exc:
            return _with(exc.response(), cors)
        except Exception:
            self._log.exception("request failed", extra={"endpoint": endpoint})
            return _with(error_response(500, "internal", "the request could not be completed"), cors)

    def _cors(self, request) -> dict[str, str]:
        origin = request.headers.get("Origin")
        if not origin or origin not in self._cors_origins():
            return {}
        return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Headers": _CORS_HEADERS, "Vary": "Origin"}


def _configured_origins() -> tuple[str, ...]:
    from shared_lib.config import settings

    return settings().cors_allowed_origins


def _with(response, headers: Mapping[str, str]):
    if not headers:
        return response
    body, status, existing = response
    return body, status, {**existing, **headers}
