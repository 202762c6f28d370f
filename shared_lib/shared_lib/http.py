"""What every HTTP function does the same way: JSON bodies in, JSON answers and errors out.

Errors are `{"error": {"code", "message"}}` with a 4xx/5xx status. Works on the Flask
request functions-framework hands a function; answers are (body, status, headers) tuples.
`ApiError` is for what the edge itself refuses (a body that is not JSON); services raise the
domain refusals of `shared_lib.errors`, which `REFUSAL_STATUS` maps to statuses here.
Flask and werkzeug are imported at the top: functions-framework loads them before any
function's module, so they add nothing to a cold start.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import flask
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as NoRoute
from werkzeug.routing import Map, Rule, UnicodeConverter, ValidationError

from shared_lib.access import Access
from shared_lib.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Refused, Unavailable, UpstreamFailed
from shared_lib.safejson import JsonRefused, loads

DEFAULT_MAX_BODY = 1 * 1024 * 1024
# Ids a client names in a path or a cursor: ours are uuids, and Firestore takes at most
# 1,500 bytes, so anything longer names nothing.
MAX_ID_CHARS = 128
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
        body = loads(raw)
    except JsonRefused as exc:
        raise ApiError(400, "malformed_json", f"the body is not acceptable JSON: {exc}") from None
    if not _all_text(body):
        # A lone surrogate cannot be stored (UTF-8 has no encoding for it) and Postgres text
        # refuses NUL: either would fail the write deep inside a handler.
        raise ApiError(400, "invalid_text", "the body has a string with a lone UTF-16 surrogate or a NUL character")
    return body


def _all_text(value: Any) -> bool:
    """Every string (and key) in a parsed body is storable text; walks without recursing."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item or not _encodable(item):
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def int_param(args: Mapping[str, str], name: str, default: int, minimum: int, maximum: int) -> int:
    """A query parameter that must be a plain decimal integer in [minimum, maximum]; 400 otherwise.
    Checked as text first: int() takes other scripts' digits and refuses over 4,300 of them."""
    raw = args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(maximum))) or not minimum <= int(raw) <= maximum:
        raise ApiError(400, f"invalid_{name}", f"{name} must be an integer from {minimum} to {maximum}")
    return int(raw)


def valid_id(value: str) -> bool:
    """Whether `value` can name a document: what Firestore accepts as an id (no '/', not '.' or
    '..', not reserved `__…__`), printable, at most MAX_ID_CHARS. Checked before any lookup, so
    a hostile id is an ordinary "not found" instead of an error from the database."""
    return (
        0 < len(value) <= MAX_ID_CHARS
        and "/" not in value
        and value not in (".", "..")
        and not (value.startswith("__") and value.endswith("__"))
        and value.isprintable()
    )


def json_object(
    request,
    fields: Mapping[str, type | tuple[type, ...]],
    required: tuple[str, ...] = (),
    max_bytes: int = DEFAULT_MAX_BODY,
) -> dict:
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
        if (
            name in body
            and body[name] is not None
            and (not isinstance(body[name], kind) or isinstance(body[name], bool) and bool not in _as_tuple(kind))
        ):
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
    lines = (
        request.headers.getlist("X-Forwarded-For")
        if hasattr(request.headers, "getlist")
        else [request.headers.get("X-Forwarded-For", "")]
    )
    hops = [hop.strip() for line in lines for hop in (line or "").split(",")]
    if len(hops) < trusted_hops or not hops[-trusted_hops]:
        return peer
    return hops[-trusted_hops][:64]


_CORS_HEADERS = "Authorization, Content-Type, Idempotency-Key"

# The one place a refusal becomes a status. A kind not listed here is a defect: a 500.
REFUSAL_STATUS: dict[type[Refused], int] = {
    Invalid: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
    UpstreamFailed: 502,
    Unavailable: 503,
}


if TYPE_CHECKING:
    from shared_lib.auth import Principal


def refusal_response(exc: Exception):
    """The JSON answer to a domain refusal or a refused credential; None for anything else."""
    # Loaded by then: whoever raised a refusal built a service, and the service shared_lib.auth.
    from shared_lib.auth import InvalidToken

    if isinstance(exc, InvalidToken):
        # Signing keys or API-key validation out of reach is our outage, not a bad token.
        status = 503 if exc.code == "keys_unavailable" else 401
        return error_response(
            status,
            exc.code,
            exc.message,
            {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{exc.code}"'},
        )
    status = next((REFUSAL_STATUS[kind] for kind in type(exc).__mro__ if kind in REFUSAL_STATUS), None)
    if status is None:
        return None
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return error_response(status, exc.code, exc.message, headers)


# NamedTuples, not dataclasses: route tables are built at cold start, where a dataclass
# costs milliseconds to create.
class Call(NamedTuple):
    """What a handler gets: the request, its path variables, and who is calling (None on a
    public endpoint)."""

    request: Any
    args: Mapping[str, str]
    caller: Principal | None


class Endpoint(NamedTuple):
    """How one method of one route is answered: `handle(service, call)`, after the service's
    `authenticator` admitted the caller under `access` (None: a public endpoint)."""

    handle: Callable[[Any, Call], Any]
    access: Access | None


class Router:
    """Path routing for an HTTP function: 404/405 as JSON, /health and /openapi.json,
    CORS for the allowed browser origins, ApiError and domain refusals -> their JSON,
    anything else -> a 500 without a stack trace (logged). A path variable (`<thread_id>`)
    matches only a `valid_id`; any other value is a 404 before a handler runs.

    `rules` are (path, endpoint, methods); `handlers` answer each (endpoint, method). Every
    method of every rule has exactly one handler, checked when the router is built (import
    time), so a route cannot fall through to another's handler or to a 500."""

    def __init__(
        self,
        rules: list[tuple[str, str, list[str]]],
        handlers: Mapping[tuple[str, str], Endpoint],
        openapi: dict,
        logger,
    ):
        routed = {(endpoint, method) for _, endpoint, methods in rules for method in methods}
        if routed != set(handlers):
            raise ValueError(
                f"routes without a handler: {sorted(routed - set(handlers))}; "
                f"handlers without a route: {sorted(set(handlers) - routed)}"
            )
        self._rules = rules
        self._handlers = dict(handlers)
        self._openapi = openapi
        self._log = logger
        self._map = None
        _json_errors_for_the_framework()

    @property
    def routes(self) -> list[tuple[str, str, list[str]]]:
        """(path, endpoint, methods) of every route the function itself serves."""
        return list(self._rules)

    def dispatch(self, request, service_factory: Callable[[], Any], cors_origins: Collection[str] = ()):
        """Answers a request: the matched route's handler runs with the service (built on first
        use) and the caller it admitted. `cors_origins`: browser origins allowed to call."""
        if self._map is None:
            self._map = Map(
                [
                    Rule("/health", endpoint="health", methods=["GET"]),
                    Rule("/openapi.json", endpoint="openapi", methods=["GET"]),
                ]
                + [Rule(path, endpoint=endpoint, methods=methods) for path, endpoint, methods in self._rules],
                strict_slashes=False,
                converters={"default": _PathId},
            )
        cors = _cors(request, cors_origins)
        adapter = self._map.bind("netra", path_info=request.path)
        if request.method == "OPTIONS" and cors:
            return (
                "",
                204,
                {
                    **cors,
                    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
                    "Access-Control-Max-Age": "600",
                },
            )
        try:
            endpoint, args = adapter.match(method=request.method)
        except NoRoute:
            return _with(error_response(404, "not_found", "no such route"), cors)
        except MethodNotAllowed as exc:
            return _with(
                error_response(
                    405, "method_not_allowed", "method not allowed", {"Allow": ", ".join(exc.valid_methods or [])}
                ),
                cors,
            )
        if any("\x00" in text for item in request.args.items(multi=True) for text in item):
            # No parameter of ours takes one, and Postgres text cannot hold one.
            return _with(error_response(400, "invalid_query", "a query parameter has a NUL character"), cors)
        if endpoint == "health":
            return json_response({"status": "ok"})
        if endpoint == "openapi":
            return json_response(self._openapi)
        if request.method == "HEAD":
            # Werkzeug routes HEAD wherever GET is allowed; a handler that tells GET from
            # "anything else" must see a GET, or HEAD /api/threads/{id} deletes the thread.
            # The response body is dropped for HEAD by werkzeug itself.
            request = _HeadAsGet(request)
        try:
            return _with(self._answer(self._handlers[endpoint, request.method], service_factory, request, args), cors)
        except ApiError as exc:
            return _with(exc.response(), cors)
        except Exception as exc:  # noqa: BLE001 - refusals map to statuses, the rest to a 500
            refused = refusal_response(exc)
            if refused is not None:
                return _with(refused, cors)
            self._log.exception("request failed", extra={"endpoint": endpoint})
            return _with(error_response(500, "internal", "the request could not be completed"), cors)

    @staticmethod
    def _answer(endpoint: Endpoint, service_factory, request, args):
        service = service_factory()
        # Before the handler reads the body: an anonymous caller learns nothing of its validity.
        caller = service.authenticator.admit(request.headers, endpoint.access) if endpoint.access is not None else None
        return endpoint.handle(service, Call(request, args, caller))


def _cors(request, origins: Collection[str]) -> dict[str, str]:
    origin = request.headers.get("Origin")
    if not origin or origin not in origins:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Headers": _CORS_HEADERS,
        # The web chat waits what a 429 says; cross-origin it can only read exposed headers.
        "Access-Control-Expose-Headers": "Retry-After",
        "Vary": "Origin",
    }


class _HeadAsGet:
    """A HEAD request as its handler sees it: a GET."""

    method = "GET"

    def __init__(self, request):
        self._request = request

    def __getattr__(self, name: str):
        return getattr(self._request, name)


def _json_errors_for_the_framework() -> None:
    """A few requests never reach the function: functions-framework's own routing answers a
    path werkzeug cannot match (a newline in it) with an HTML 404. Routers are built while
    the framework loads the function's module, inside its app context: make those answers
    the JSON error shape too."""
    if not flask.has_app_context():
        return

    def as_json(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_").replace("-", "_")
        return error_response(exc.code or 500, code, exc.name or "error")

    flask.current_app.register_error_handler(HTTPException, as_json)


class _PathId(UnicodeConverter):
    """A path variable that matches only a `valid_id`."""

    def to_python(self, value: str) -> str:
        if not valid_id(value):
            raise ValidationError()
        return value


def _with(response, headers: Mapping[str, str]):
    if not headers:
        return response
    body, status, existing = response
    return body, status, {**existing, **headers}
