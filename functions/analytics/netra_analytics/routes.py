"""HTTP routes of the analytics function, and the local home of its usage consumer."""

from __future__ import annotations

import logging

from shared_lib import safejson
from shared_lib.envelope import EnvelopeError, from_http
from shared_lib.http import ApiError, Router, error_response, json_response, read_json
from shared_lib.push_auth import PushRefused

from netra_analytics.openapi import OPENAPI

log = logging.getLogger("netra.analytics")
MAX_BODY = 5 * 1024 * 1024

ROUTER = Router(
    [
        ("/api/usage", "usage", ["POST"]),
        ("/api/usage/import", "import", ["POST"]),
        # OTLP/HTTP: exporters append /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT.
        ("/v1/traces", "otlp_traces", ["POST"]),
        ("/api/usage/summary", "summary", ["GET"]),
        ("/api/usage/prompts", "prompts", ["GET"]),
        ("/api/usage/timeseries", "timeseries", ["GET"]),
        ("/api/usage/unpriced", "unpriced", ["GET"]),
        ("/api/usage/profile", "profile", ["GET"]),
        ("/api/usage/model-names", "model_names", ["GET", "PUT"]),
        ("/projects/<project>/topics/<topic>", "push", ["POST"]),
    ],
    OPENAPI,
    log,
)


def dispatch(request, service_factory, local: bool):
    return ROUTER.dispatch(request, lambda endpoint, args, req: _handle(endpoint, req, service_factory, local))


def _handle(endpoint: str, request, service_factory, local: bool):
    if endpoint == "push":
        # Locally the usage consumer shares this process (chDB allows one per data path);
        # deployed, it is its own function and this route does not exist.
        if not local:
            raise ApiError(404, "not_found", "no such route")
        return consume(request, service_factory())
    service = service_factory()
    if endpoint == "usage":
        return json_response(service.accept_usage(request.headers, _rows(request)))
    if endpoint == "otlp_traces":
        return _traces(request, service)
    if endpoint == "model_names":
        if request.method == "PUT":
            return json_response(service.set_model_names(request.headers, read_json(request)))
        return json_response(service.model_names(request.headers))
    if endpoint == "import":
        return json_response(service.import_usage(request.headers, request.args.get("format"), _file(request),
                                                  request.args.get("feature"), request.args.get("timestamp")))
    reads = {"summary": service.usage_summary, "prompts": service.prompt_statistics, "timeseries": service.usage_timeseries,
             "unpriced": service.unpriced_calls, "profile": service.workload_profile}
    return json_response(reads[endpoint](request.headers, request.args))


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


def _traces(request, service):
    from netra_analytics.otlp import JSON, PROTOBUF

    content_type = (request.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if content_type not in (PROTOBUF, JSON):
        raise ApiError(415, "unsupported_media_type", f"send OTLP as {PROTOBUF} or {JSON}")
    if (request.content_length or 0) > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"the body exceeds {MAX_BODY} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"the body exceeds {MAX_BODY} bytes")
    return service.export_traces(request.headers, raw, content_type, request.headers.get("Content-Encoding"), MAX_BODY)


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
    """A JSON array, or NDJSON (one event per line; a bad line becomes a null row that is rejected)."""
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
            return safejson.loads(raw)
        except safejson.JsonRefused as exc:
            raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    rows = []
    for line in raw.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            rows.append(safejson.loads(line))
        except safejson.JsonRefused:
            rows.append(None)
    return rows
