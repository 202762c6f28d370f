"""HTTP routes of the analytics function, and the local home of its usage consumer."""

from __future__ import annotations

import logging
import threading

from shared_lib import safejson
from shared_lib.access import Access
from shared_lib.envelope import EnvelopeError, from_http
from shared_lib.errors import Invalid, RateLimited
from shared_lib.http import ApiError, Call, Endpoint, Router, error_response, int_param, json_response, read_json
from shared_lib.push_auth import PushRefused

from netra_analytics.openapi import OPENAPI

log = logging.getLogger("netra.analytics")
MAX_BODY = 5 * 1024 * 1024

RULES = [
    ("/api/usage", "usage", ["POST"]),
    ("/api/usage/import", "import", ["POST"]),
    # OTLP/HTTP: exporters append /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT.
    ("/v1/traces", "otlp_traces", ["POST"]),
    ("/api/usage/summary", "summary", ["GET"]),
    ("/api/usage/names", "names", ["GET"]),
    ("/api/usage/prompts", "prompts", ["GET"]),
    ("/api/usage/timeseries", "timeseries", ["GET"]),
    ("/api/usage/unpriced", "unpriced", ["GET"]),
    ("/api/usage/profile", "profile", ["GET"]),
    ("/api/usage/realised", "realised", ["GET"]),
    ("/api/usage/model-names", "model_names", ["GET", "PUT"]),
    ("/projects/<project>/topics/<topic>", "push", ["POST"]),
]

# Writers: a user, or an org API key made to send usage. Readers: a user, or an API key or a
# delegated token (the agents, for a run) that holds usage:read.
WRITE = Access(api_key=True, scope="usage:write", scope_allows="write usage")
READ = Access(api_key=True, delegated=True, scope="usage:read", scope_allows="read usage")
# Changing the org's model names is a signed-in user's (the service refuses keys, after the body).
CHANGE = Access(api_key=True)


# Intake counts each request against its key's and org's limits before reading the body: a
# refused request (429, Retry-After) costs no parsing and queues nothing.


MAX_WAIT_SECONDS = 30
# Requests of this process waiting for their writes at once: a wait holds a worker thread
# (8 here), so at most half of them; past it a waiting request is refused before anything is
# queued, and one without `wait` is served as always.
MAX_WAITING = 4
_WAITING = threading.BoundedSemaphore(MAX_WAITING)


def accept_usage(service, call: Call):
    service.admit_intake(call.caller, call.request.headers)
    wait = _wait(call.request.args.get("wait"))
    if not wait:
        return json_response(service.accept_usage(call.caller, _rows(call.request)))
    if not _WAITING.acquire(blocking=False):
        raise RateLimited(
            "too_many_waits", f"{MAX_WAITING} requests are already waiting for their writes here; send again", 1
        )
    try:
        return json_response(service.accept_usage(call.caller, _rows(call.request), wait))
    finally:
        _WAITING.release()


def _wait(value: str | None) -> float:
    """`wait=`: seconds to wait for what was accepted to be stored (read your writes), 0-30."""
    if value is None:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_WAIT_SECONDS:
        raise Invalid(
            "invalid_wait", f"wait must be a number of seconds from 0 to {MAX_WAIT_SECONDS}, got {value[:20]!r}"
        )
    return seconds


def import_usage(service, call: Call):
    service.admit_intake(call.caller, call.request.headers)
    args = call.request.args
    return json_response(
        service.import_usage(
            call.caller,
            args.get("format"),
            _file(call.request),
            args.get("feature"),
            args.get("timestamp"),
            args.get("timezone"),
        )
    )


def export_traces(service, call: Call):
    service.admit_intake(call.caller, call.request.headers)
    return _traces(call.request, call.caller, service)


def _period(call: Call) -> tuple[str | None, str | None]:
    return call.request.args.get("from"), call.request.args.get("to")


def _filters(call: Call) -> dict[str, list[str]]:
    # Every parameter's values; the service picks the dimensions it filters on.
    return {name: call.request.args.getlist(name) for name in call.request.args}


def summary(service, call: Call):
    return json_response(
        service.usage_summary(
            call.caller, *_period(call), _filters(call), group_by=call.request.args.get("group_by", "model")
        )
    )


# What triage asks for by default: the 500 costliest names of each dimension.
DEFAULT_NAMES = 500


def names(service, call: Call):
    from netra_analytics.service import MAX_NAMES  # the service loads with the first request

    limit = int_param(call.request.args, "limit", DEFAULT_NAMES, 1, MAX_NAMES)
    return json_response(service.usage_names(call.caller, *_period(call), limit))


def timeseries(service, call: Call):
    args = call.request.args
    return json_response(
        service.usage_timeseries(
            call.caller,
            *_period(call),
            _filters(call),
            interval=args.get("interval", "day"),
            group_by=args.get("group_by") or None,
        )
    )


def prompts(service, call: Call):
    return json_response(service.prompt_statistics(call.caller, *_period(call)))


def unpriced(service, call: Call):
    return json_response(service.unpriced_calls(call.caller, *_period(call)))


def profile(service, call: Call):
    return json_response(service.workload_profile(call.caller, *_period(call)))


def realised(service, call: Call):
    return json_response(service.realised_savings(call.caller, call.request.args))


def model_names(service, call: Call):
    return json_response(service.model_names(call.caller))


def set_model_names(service, call: Call):
    service.require_model_names_editor(call.caller)  # before the body: a key learns nothing about it
    return json_response(service.set_model_names(call.caller, read_json(call.request)))


def push(service, call: Call):
    # Locally the usage consumer shares this process (chDB allows one per data path), and
    # the composition root gives it push authentication; deployed, the consumer is its own
    # function and this route does not exist.
    if service.push is None:
        raise ApiError(404, "not_found", "no such route")
    return consume(call.request, service)


HANDLERS = {
    ("usage", "POST"): Endpoint(accept_usage, WRITE),
    ("import", "POST"): Endpoint(import_usage, WRITE),
    ("otlp_traces", "POST"): Endpoint(export_traces, WRITE),
    ("summary", "GET"): Endpoint(summary, READ),
    ("names", "GET"): Endpoint(names, READ),
    ("prompts", "GET"): Endpoint(prompts, READ),
    ("timeseries", "GET"): Endpoint(timeseries, READ),
    ("unpriced", "GET"): Endpoint(unpriced, READ),
    ("profile", "GET"): Endpoint(profile, READ),
    ("realised", "GET"): Endpoint(realised, READ),
    ("model_names", "GET"): Endpoint(model_names, READ),
    ("model_names", "PUT"): Endpoint(set_model_names, CHANGE),
    ("push", "POST"): Endpoint(push, None),  # Pub/Sub's push token, checked by `consume`
}

ROUTER = Router(RULES, HANDLERS, OPENAPI, log)


def dispatch(request, service_factory, cors_origins=()):
    return ROUTER.dispatch(request, service_factory, cors_origins)


def consume(request, service):
    """A push of the usage consumer: only Pub/Sub's, then every row it can store is stored."""
    try:
        if service.push is None:
            raise PushRefused("no push authentication configured")
        service.push.check(request.headers, request.args)
    except PushRefused as exc:
        log.warning("usage push refused: %s", exc)
        return error_response(401, "unauthenticated", "pushes must carry the push token")
    try:
        message = from_http(request.headers, request.get_data())
        result = service.store_usage(message)
    except (EnvelopeError, KeyError, ValueError) as exc:
        # Not a usage batch at all; not acknowledged: redelivered until dead-lettered.
        log.warning("usage batch refused: %s", exc)
        return error_response(400, "invalid_message", f"not a usage batch: {exc}")
    return json_response(result)


def _traces(request, caller, service):
    # otlp, with shared_lib.usage, loads with the first traces request: ~6 ms kept off cold start.
    from netra_analytics.otlp import JSON, PROTOBUF

    content_type = (request.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if content_type not in (PROTOBUF, JSON):
        raise ApiError(415, "unsupported_media_type", f"send OTLP as {PROTOBUF} or {JSON}")
    if (request.content_length or 0) > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"the body exceeds {MAX_BODY} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"the body exceeds {MAX_BODY} bytes")
    return service.export_traces(caller, raw, content_type, request.headers.get("Content-Encoding"), MAX_BODY)


def _file(request) -> bytes:
    """The uploaded export: a multipart `file` field, or the raw body."""
    if (request.content_length or 0) > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"the body exceeds {MAX_BODY} bytes")
    upload = request.files.get("file") if request.mimetype == "multipart/form-data" else None
    raw = upload.read(MAX_BODY + 1) if upload is not None else request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"the body exceeds {MAX_BODY} bytes")
    return raw


def _rows(request) -> list:
    """A JSON array, one JSON object (a single event: what people try first), or NDJSON (one event
    per line; a bad line becomes a null row that is rejected)."""
    content_type = (request.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if content_type not in ("application/json", "application/x-ndjson"):
        raise ApiError(415, "unsupported_media_type", "send application/json (an array) or application/x-ndjson")
    if (request.content_length or 0) > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"the body exceeds {MAX_BODY} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"the body exceeds {MAX_BODY} bytes")
    if content_type == "application/json":
        try:
            body = safejson.loads(raw)
        except safejson.JsonRefused as exc:
            raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
        return [body] if isinstance(body, dict) else body
    rows = []
    for line in raw.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            rows.append(safejson.loads(line))
        except safejson.JsonRefused:
            rows.append(None)
    return rows
