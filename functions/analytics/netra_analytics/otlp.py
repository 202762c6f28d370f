"""OTLP/HTTP traces in, usage rows out: each LLM-call span becomes one usage event.

Spec: https://opentelemetry.io/docs/specs/otlp/#otlphttp (protobuf or JSON bodies, gzip,
ExportTraceServiceResponse with partial_success). Attributes read, in order of preference:
- GenAI semantic conventions: gen_ai.usage.input_tokens / output_tokens,
  gen_ai.usage.cache_read.input_tokens, gen_ai.usage.cache_creation.input_tokens,
  gen_ai.usage.reasoning.output_tokens, gen_ai.request.model / gen_ai.response.model,
  gen_ai.provider.name (older: gen_ai.system), gen_ai.operation.name,
  gen_ai.response.finish_reasons (the first choice's, mapped to the usage event's values);
- the older names still emitted (OpenLLMetry): gen_ai.usage.prompt_tokens / completion_tokens,
  gen_ai.usage.cache_read_input_tokens / cache_creation_input_tokens;
- OpenInference (Arize): llm.model_name, llm.provider / llm.system, llm.token_count.prompt /
  completion, llm.token_count.prompt_details.cache_read / cache_write,
  llm.token_count.completion_details.reasoning;
- Netra's own: netra.feature, netra.prompt_hash, netra.prefix_hash and netra.prefix_chain (the
  usage event's prefix_chain list as JSON text).

A span is an LLM call when it names a model or counts tokens; any other span (HTTP, DB, a
chain step) is skipped and counted. Per the conventions, input tokens include cache reads
and writes; a producer that counts them apart (Anthropic's API does) is recognised by the
cache exceeding the input, and they are added.

protobuf and opentelemetry-proto are imported where a body is decoded or answered: heavy SDKs,
kept off the cold start.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import zlib
from collections.abc import Mapping
from typing import Any

from shared_lib import safejson
from shared_lib.http import ApiError
from shared_lib.usage import InvalidRow, finish_reason_of

PROTOBUF, JSON = "application/x-protobuf", "application/json"
STATUS_ERROR = 2  # Status.StatusCode.STATUS_CODE_ERROR

_MODEL = ("gen_ai.response.model", "gen_ai.request.model", "llm.model_name")
_PROVIDER = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
_INPUT = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt")
_OUTPUT = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion")
_CACHE_READ = (
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "llm.token_count.prompt_details.cache_read",
)
_CACHE_WRITE = (
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
    "llm.token_count.prompt_details.cache_write",
)
_REASONING = (
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.reasoning_tokens",
    "llm.token_count.completion_details.reasoning",
)
_FINISH = "gen_ai.response.finish_reasons"
_TOKENS = _INPUT + _OUTPUT + _CACHE_READ + _CACHE_WRITE + _REASONING
# Time to first token of a streamed call, in seconds: the GenAI conventions' span attribute
# (opentelemetry-semantic-conventions, _incubating/attributes/gen_ai_attributes.py:
# GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK), then the name Sentry's conventions use. The
# gen_ai.server.time_to_first_token of the conventions is a metric, not on spans.
_TTFT = ("gen_ai.response.time_to_first_chunk", "gen_ai.response.time_to_first_token")
# gen_ai.provider.name / gen_ai.system values (and OpenInference's) -> our provider names.
_PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "aws.bedrock": "bedrock",
    "bedrock": "bedrock",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "az.ai.openai": "azure",
    "az.ai.inference": "azure",
    "azure": "azure",
    "gcp.gemini": "google",
    "gemini": "google",
    "google": "google",
    "gcp.vertex_ai": "vertex",
    "vertex_ai": "vertex",
    "vertexai": "vertex",
    "gcp.gen_ai": "google",
    "mistral_ai": "mistral",
    "mistralai": "mistral",
    "mistral": "mistral",
    "cohere": "cohere",
    "groq": "groq",
    "deepseek": "deepseek",
    "x_ai": "xai",
    "xai": "xai",
    "together": "together",
    "together_ai": "together",
    "fireworks": "fireworks",
    "openrouter": "openrouter",
}
_PREFIXES = (
    ("gpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("chatgpt", "openai"),
    ("claude", "anthropic"),
    ("gemini", "google"),
    ("mistral", "mistral"),
    ("deepseek", "deepseek"),
)


@dataclasses.dataclass
class Spans:
    """The usage rows of an export (an InvalidRow for a span with a bad value) and how many
    spans were not LLM calls."""

    rows: list[Any]
    skipped: int
    total: int


def body(raw: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """The request body, gunzipped when sent gzip, never more than `max_bytes` (a gzip bomb
    stops at the bound, it is never inflated whole)."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        return raw
    if encoding != "gzip":
        raise ApiError(415, "unsupported_encoding", "Content-Encoding must be gzip or absent")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        plain = inflater.decompress(raw, max_bytes + 1)
    except zlib.error:
        raise ApiError(400, "malformed_gzip", "the body is not valid gzip") from None
    if len(plain) > max_bytes or inflater.unconsumed_tail:
        raise ApiError(413, "payload_too_large", f"the body exceeds {max_bytes} bytes once decompressed")
    return plain


def decode(raw: bytes, content_type: str):
    """An ExportTraceServiceRequest from the protobuf or the OTLP JSON encoding."""
    from google.protobuf import json_format
    from google.protobuf.message import DecodeError
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    request = ExportTraceServiceRequest()
    if content_type == PROTOBUF:
        try:
            request.ParseFromString(raw)
        except (DecodeError, RecursionError, ValueError):
            raise ApiError(400, "malformed_protobuf", "the body is not an OTLP ExportTraceServiceRequest") from None
        return request
    try:
        document = safejson.loads(raw)
    except safejson.JsonRefused as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ApiError(400, "invalid_body", "an OTLP JSON body is an object with resourceSpans")
    try:
        # OTLP JSON differs from protobuf's JSON mapping in one thing: trace and span ids are
        # hex, not base64 (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding).
        json_format.ParseDict(_ids_as_base64(document), request, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
        raise ApiError(400, "invalid_body", f"not an OTLP ExportTraceServiceRequest: {str(exc)[:200]}") from None
    return request


def _ids_as_base64(document: dict) -> dict:
    for resource_spans in _list(document.get("resourceSpans", document.get("resource_spans"))):
        for scope_spans in _list(_get(resource_spans, "scopeSpans", "scope_spans")):
            for span in _list(_get(scope_spans, "spans")):
                if not isinstance(span, dict):
                    continue
                for key in ("traceId", "trace_id", "spanId", "span_id", "parentSpanId", "parent_span_id"):
                    if isinstance(span.get(key), str):
                        try:
                            span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
                        except ValueError:
                            raise ApiError(400, "invalid_body", f"{key} must be hex") from None
                for link in _list(span.get("links")):
                    for key in ("traceId", "trace_id", "spanId", "span_id"):
                        if isinstance(link, dict) and isinstance(link.get(key), str):
                            try:
                                link[key] = base64.b64encode(bytes.fromhex(link[key])).decode()
                            except ValueError:
                                raise ApiError(400, "invalid_body", f"links.{key} must be hex") from None
    return document


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _get(value, *keys):
    return next((value[k] for k in keys if isinstance(value, dict) and k in value), None)


def usage_rows(request) -> Spans:
    """One usage row per LLM-call span of an ExportTraceServiceRequest."""
    rows, skipped, total = [], 0, 0
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                total += 1
                attributes = _attributes(span.attributes)
                if not any(key in attributes for key in _MODEL + _TOKENS):
                    skipped += 1
                    continue
                try:
                    rows.append(_row(span, attributes, resource))
                except InvalidRow as exc:
                    rows.append(InvalidRow(f"span {span.span_id.hex() or '?'}: {exc}"))
    return Spans(rows, skipped, total)


def _row(span, attributes: Mapping[str, Any], resource: Mapping[str, Any]) -> dict:
    if len(span.trace_id) != 16 or len(span.span_id) != 8:
        raise InvalidRow("a span needs a 16-byte trace id and an 8-byte span id")
    model = _text(attributes, _MODEL)
    if model is None:
        raise InvalidRow(f"no model ({' or '.join(_MODEL)})")
    failed = span.status.code == STATUS_ERROR
    input_tokens, output_tokens = _count(attributes, _INPUT), _count(attributes, _OUTPUT)
    if input_tokens is None and not failed:  # an embedding counts input only
        raise InvalidRow(f"no token counts ({' or '.join(_INPUT)})")
    cached, written = _count(attributes, _CACHE_READ) or 0, _count(attributes, _CACHE_WRITE) or 0
    input_tokens = input_tokens or 0
    if cached + written > input_tokens:
        input_tokens += cached + written  # counted apart from the input (Anthropic's usage object)
    provider = _provider(_text(attributes, _PROVIDER), model)
    start, end = span.start_time_unix_nano, span.end_time_unix_nano
    if not start:
        raise InvalidRow("the span has no start time")
    row = {
        "event_id": f"otel-{span.trace_id.hex()}-{span.span_id.hex()}",
        "timestamp": dt.datetime.fromtimestamp(start / 1e9, dt.timezone.utc).isoformat(),
        "provider": provider,
        "model": model,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens or 0,
        "cached_input_tokens": cached,
        "cache_write_tokens": written,
        "reasoning_tokens": _count(attributes, _REASONING) or 0,
        "status": _status(span, attributes) if failed else "success",
        "feature": _text(attributes, ("netra.feature",)) or _text(resource, ("netra.feature", "service.name")),
        "user_id": _text(attributes, ("enduser.id", "user.id")) or _text(resource, ("enduser.id", "user.id")),
    }
    if end >= start and end:
        row["latency_ms"] = round((end - start) / 1e6)
    ttft = _seconds(attributes, _TTFT)
    if ttft is not None:
        row["ttft_ms"] = round(ttft * 1000)
    row["finish_reason"] = _finish_reason(span.attributes)
    operation = _text(attributes, ("gen_ai.operation.name",))
    if operation:
        row["metadata"] = {"operation": operation[:1024]}
    # Netra's own attributes for what caching is judged on (no convention has them): the
    # hashes, and the prefix chain as the JSON text of the usage event's list (ADR 0017).
    for field in ("prompt_hash", "prefix_hash"):
        row[field] = _text(attributes, (f"netra.{field}",))
    chain = _text(attributes, ("netra.prefix_chain",))
    if chain is not None:
        try:
            row["prefix_chain"] = safejson.loads(chain)
        except safejson.JsonRefused as exc:
            raise InvalidRow(f"netra.prefix_chain is not valid JSON: {exc}") from None
    return {k: v for k, v in row.items() if v is not None}


def _attributes(pairs) -> dict[str, Any]:
    """Scalar attribute values by key (arrays and maps are not usage)."""
    out = {}
    for pair in pairs:
        kind = pair.value.WhichOneof("value")
        if kind in ("string_value", "int_value", "double_value", "bool_value"):
            out[pair.key] = getattr(pair.value, kind)
    return out


def _finish_reason(pairs) -> str | None:
    """The first choice's finish reason: the attribute is a string array (one per choice);
    a single string is read too."""
    for pair in pairs:
        if pair.key != _FINISH:
            continue
        kind = pair.value.WhichOneof("value")
        if kind == "array_value":
            first = next(
                (v.string_value for v in pair.value.array_value.values if v.WhichOneof("value") == "string_value"), ""
            )
        else:
            first = pair.value.string_value if kind == "string_value" else ""
        return finish_reason_of(first)
    return None


def _text(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = attributes.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise InvalidRow(f"{key} must be a non-empty string, got {value!r}")
        return value.strip()
    return None


def _count(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = attributes.get(key)
        if value is None:
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidRow(f"{key} must be a non-negative integer, got {value!r}")
        return value
    return None


def _seconds(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> float | None:
    for key in keys:
        value = attributes.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 86_400:
            raise InvalidRow(f"{key} must be seconds between 0 and a day, got {value!r}")
        return float(value)
    return None


def _provider(named: str | None, model: str) -> str:
    if named:
        return _PROVIDERS.get(named.lower(), "other")
    name = model.lower().split("/")[-1]
    return next((provider for prefix, provider in _PREFIXES if name.startswith(prefix)), "other")


def _status(span, attributes: Mapping[str, Any]) -> str:
    """A failed call's status from the error type the instrumentation recorded."""
    kind = f"{attributes.get('error.type', '')} {span.status.message}".lower()
    if "ratelimit" in kind.replace("_", "").replace(" ", "") or "429" in kind:
        return "rate_limited"
    if "timeout" in kind or "timedout" in kind.replace(" ", ""):
        return "timeout"
    return "error"


def response(rejected: int, message: str, content_type: str):
    """An ExportTraceServiceResponse in the request's encoding; partial_success only when
    something was rejected or there is something to say."""
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    answer = ExportTraceServiceResponse()
    if rejected or message:
        answer.partial_success.rejected_spans = rejected
        answer.partial_success.error_message = message
    if content_type == PROTOBUF:
        return answer.SerializeToString(), 200, {"Content-Type": PROTOBUF, "Cache-Control": "no-store"}
    return json.dumps(json_format.MessageToDict(answer)), 200, {"Content-Type": JSON, "Cache-Control": "no-store"}
