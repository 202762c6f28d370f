"""OTLP spans -> usage rows, on spans made by the OpenTelemetry SDK and encoded by its own
OTLP encoder (the bytes an exporter sends), for each family of attribute names."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json

import pytest

from shared_lib.http import ApiError
from shared_lib.usage import parse_batch

from netra_analytics import otlp

NOW = dt.datetime.now(dt.timezone.utc)


def otlp_json(request) -> bytes:
    """The OTLP JSON encoding of a protobuf request: protobuf's JSON mapping with trace and
    span ids in hex (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding)."""
    from google.protobuf import json_format

    document = json_format.MessageToDict(request)
    for resource_spans in document.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64decode(span[key]).hex()
    return json.dumps(document).encode()


def exported(spans: list[tuple[str, dict, bool]], resource: dict | None = None):
    """The ExportTraceServiceRequest an OTLP exporter sends for these (name, attributes, failed) spans."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Status, StatusCode

    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create(resource or {"service.name": "checkout"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("test")
    for name, attributes, failed in spans:
        start = int(NOW.timestamp() * 1e9)
        span = tracer.start_span(name, attributes=attributes, start_time=start)
        if failed:
            span.set_attribute("error.type", "RateLimitError")
            span.set_status(Status(StatusCode.ERROR, "429 Too Many Requests"))
        span.end(end_time=start + 1_250_000_000)  # 1.25 s
    provider.shutdown()
    return encode_spans(memory.get_finished_spans())


SEMCONV = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "anthropic",
    "gen_ai.request.model": "claude-sonnet-4-5",
    "gen_ai.response.model": "claude-sonnet-4-5-20250929",
    "gen_ai.usage.input_tokens": 6000,
    "gen_ai.usage.output_tokens": 300,
    "gen_ai.usage.cache_read.input_tokens": 4800,
    "gen_ai.usage.cache_creation.input_tokens": 200,
    "gen_ai.usage.reasoning.output_tokens": 120,
    "netra.feature": "support",
    "enduser.id": "u-1",
}
OLDER = {
    "gen_ai.system": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.usage.prompt_tokens": 1000,
    "gen_ai.usage.completion_tokens": 50,
    "user.id": "u-2",
}
OPENINFERENCE = {
    "openinference.span.kind": "LLM",
    "llm.model_name": "gpt-4o",
    "llm.provider": "openai",
    "llm.token_count.prompt": 900,
    "llm.token_count.completion": 40,
    "llm.token_count.prompt_details.cache_read": 512,
    "llm.token_count.completion_details.reasoning": 10,
}


def test_each_attribute_family_maps_to_the_same_usage_fields():
    spans = otlp.usage_rows(
        exported(
            [
                ("chat", SEMCONV, False),
                ("openai.chat", OLDER, False),
                ("ChatCompletion", OPENINFERENCE, False),
                ("GET /orders", {"http.request.method": "GET"}, False),
            ]
        )
    )
    assert (spans.total, spans.skipped) == (4, 1)
    events, rejected = parse_batch(spans.rows, "org-x", NOW)
    assert rejected == []
    semconv, older, openinference = events
    assert (
        semconv.provider,
        semconv.model,
        semconv.input_tokens,
        semconv.output_tokens,
        semconv.cached_input_tokens,
        semconv.cache_write_tokens,
        semconv.reasoning_tokens,
    ) == ("anthropic", "claude-sonnet-4-5-20250929", 6000, 300, 4800, 200, 120)
    assert (semconv.feature, semconv.user_id, semconv.latency_ms, semconv.status) == ("support", "u-1", 1250, "success")
    assert semconv.metadata == {"operation": "chat"}
    assert (older.provider, older.model, older.input_tokens, older.output_tokens, older.feature, older.user_id) == (
        "openai",
        "gpt-4o-mini",
        1000,
        50,
        "checkout",
        "u-2",
    )  # feature: the resource's service.name
    assert (
        openinference.model,
        openinference.input_tokens,
        openinference.cached_input_tokens,
        openinference.reasoning_tokens,
    ) == ("gpt-4o", 900, 512, 10)
    assert len({e.event_id for e in events}) == 3 and all(e.event_id.startswith("otel-") for e in events)


def test_cache_counted_apart_from_the_input_is_added_to_it():
    # Anthropic's usage object: input_tokens excludes cache reads and writes.
    apart = {**SEMCONV, "gen_ai.usage.input_tokens": 1000}
    [row] = otlp.usage_rows(exported([("chat", apart, False)])).rows
    assert (row["input_tokens"], row["cached_input_tokens"], row["cache_write_tokens"]) == (6000, 4800, 200)


def test_resource_feature_wins_over_service_name_and_a_failed_span_is_a_failed_call():
    failed = {"gen_ai.request.model": "gpt-4o", "gen_ai.provider.name": "openai"}  # no usage: the call failed
    [row] = otlp.usage_rows(exported([("chat", failed, True)], {"service.name": "api", "netra.feature": "search"})).rows
    assert (row["feature"], row["status"], row["input_tokens"], row["output_tokens"]) == (
        "search",
        "rate_limited",
        0,
        0,
    )


def test_time_to_first_token_from_the_span_attribute_and_missing_is_not_zero():
    streamed = {**OLDER, "gen_ai.response.time_to_first_chunk": 0.3125}
    sentry = {**OLDER, "gen_ai.response.time_to_first_token": 1}  # an int of seconds
    late = {**OLDER, "gen_ai.response.time_to_first_chunk": 1.5}  # after the span's 1.25 s end
    bad = {**OLDER, "gen_ai.response.time_to_first_chunk": -0.1}
    spans = otlp.usage_rows(
        exported(
            [
                ("chat", streamed, False),
                ("chat", sentry, False),
                ("chat", OLDER, False),
                ("chat", late, False),
                ("chat", bad, False),
            ]
        )
    )
    events, rejected = parse_batch(spans.rows, "org-x", NOW)
    # 0.3125 s is 312.5 ms, rounded half to even: 312; 1 s is 1000 ms; none given stays none, never 0.
    assert [(e.ttft_ms, e.latency_ms) for e in events] == [(312, 1250), (1000, 1250), (None, 1250)]
    assert [r["index"] for r in rejected] == [3, 4]
    assert rejected[0]["error"] == "ttft_ms cannot exceed latency_ms"
    assert rejected[1]["error"].startswith("span ")
    assert rejected[1]["error"].endswith(
        ": gen_ai.response.time_to_first_chunk must be seconds between 0 and a day, got -0.1"
    )


def test_a_bad_value_rejects_its_span_only():
    bad = {**OLDER, "gen_ai.usage.prompt_tokens": -3}
    spans = otlp.usage_rows(
        exported([("chat", bad, False), ("chat", OLDER, False), ("chat", {"gen_ai.request.model": "gpt-4o"}, False)])
    )
    events, rejected = parse_batch(spans.rows, "org-x", NOW)
    assert len(events) == 1 and [r["index"] for r in rejected] == [0, 2]
    assert "gen_ai.usage.prompt_tokens must be a non-negative integer, got -3" in rejected[0]["error"]
    assert "no token counts" in rejected[1]["error"]


def test_json_encoding_reads_as_the_protobuf_does():
    request = exported([("chat", SEMCONV, False), ("chat", OLDER, False)])
    from_protobuf = otlp.usage_rows(otlp.decode(request.SerializeToString(), otlp.PROTOBUF)).rows
    from_json = otlp.usage_rows(otlp.decode(otlp_json(request), otlp.JSON)).rows
    assert from_json == from_protobuf and len(from_json) == 2


@pytest.mark.parametrize(
    ("raw", "content_type", "code"),
    [
        (b"\xff\xff\xff", otlp.PROTOBUF, "malformed_protobuf"),
        (b"{bad", otlp.JSON, "malformed_json"),
        (b"[]", otlp.JSON, "invalid_body"),
        (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz"}]}]}]}', otlp.JSON, "invalid_body"),
        (b'{"resourceSpans": 7}', otlp.JSON, "invalid_body"),
    ],
)
def test_bodies_that_are_not_otlp_are_a_400(raw, content_type, code):
    with pytest.raises(ApiError) as caught:
        otlp.decode(raw, content_type)
    assert (caught.value.status, caught.value.code) == (400, code)


def test_gzip_is_inflated_up_to_the_bound_only():
    assert otlp.body(gzip.compress(b"x" * 1000), "gzip", 1000) == b"x" * 1000
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))  # ~50 KB that inflates to 50 MB
    with pytest.raises(ApiError) as caught:
        otlp.body(bomb, "gzip", 5 * 1024 * 1024)
    assert caught.value.status == 413
    for raw, encoding, status in [(b"not gzip", "gzip", 400), (b"x", "br", 415)]:
        with pytest.raises(ApiError) as caught:
            otlp.body(raw, encoding, 100)
        assert caught.value.status == status


def test_the_response_is_an_export_trace_service_response():
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    raw, status, headers = otlp.response(2, "2 span(s) rejected", otlp.PROTOBUF)
    answer = ExportTraceServiceResponse.FromString(raw)
    assert status == 200 and headers["Content-Type"] == otlp.PROTOBUF
    assert (answer.partial_success.rejected_spans, answer.partial_success.error_message) == (2, "2 span(s) rejected")
    assert json.loads(otlp.response(0, "", otlp.JSON)[0]) == {}
    assert json.loads(otlp.response(1, "why", otlp.JSON)[0]) == {
        "partialSuccess": {"rejectedSpans": "1", "errorMessage": "why"}
    }


@pytest.mark.parametrize(
    "document",
    [
        {"resourceSpans": [{"resource": 5}]},
        {
            "resourceSpans": [
                {"scopeSpans": [{"spans": [{"attributes": [{"key": "a", "value": {"intValue": "9" * 30}}]}]}]}
            ]
        },
        {"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "-1"}]}]}]},
        {"resourceSpans": [{"scopeSpans": [{"spans": ["x", 3, None]}]}]},
        {"resourceSpans": [{"scopeSpans": [{"spans": [{"links": [{"traceId": "xyz"}]}]}]}]},
    ],
)
def test_hostile_json_is_a_400_never_an_exception(document):
    with pytest.raises(ApiError) as caught:
        otlp.decode(json.dumps(document).encode(), otlp.JSON)
    assert caught.value.status == 400


def test_extreme_times_and_ids_reject_the_span_only():
    from opentelemetry.proto.trace.v1.trace_pb2 import Span

    request = exported([("chat", OLDER, False)])
    span = request.resource_spans[0].scope_spans[0].spans[0]
    far = Span()
    far.CopyFrom(span)
    far.start_time_unix_nano, far.end_time_unix_nano = 2**64 - 1, 1  # year 2554, ends before it starts
    no_ids = request.resource_spans[0].scope_spans[0].spans.add()
    no_ids.CopyFrom(span)
    no_ids.trace_id = b""
    request.resource_spans[0].scope_spans[0].spans.append(far)
    events, rejected = parse_batch(otlp.usage_rows(request).rows, "org-x", NOW)
    assert len(events) == 1 and [r["index"] for r in rejected] == [1, 2]
    assert "16-byte trace id" in rejected[0]["error"] and "between the years 1900 and 2299" in rejected[1]["error"]


def test_the_first_choices_finish_reason_is_read_and_mapped_to_the_usage_events():
    spans = otlp.usage_rows(
        exported(
            [
                ("chat", {**SEMCONV, "gen_ai.response.finish_reasons": ("max_tokens",)}, False),  # Anthropic's spelling
                ("chat", {**OLDER, "gen_ai.response.finish_reasons": ("tool_calls", "stop")}, False),  # first choice's
                ("chat", {**OLDER, "gen_ai.response.finish_reasons": ("STOP",)}, False),  # Gemini's
                ("chat", {**OLDER, "gen_ai.response.finish_reasons": ("something_new",)}, False),  # unknown: left out
                ("chat", OLDER, False),
            ]
        )
    )
    events, rejected = parse_batch(spans.rows, "org-x", NOW)
    assert rejected == []
    assert [e.finish_reason for e in events] == ["length", "tool_calls", "stop", None, None]


def test_netras_own_attributes_carry_the_hashes_and_the_prefix_chain():
    chain = [{"hash": "sys", "tokens": 1200, "at": "system"}, {"hash": "t1", "tokens": 6000}]
    ours = {**SEMCONV, "netra.prompt_hash": "p1", "netra.prefix_hash": "sys", "netra.prefix_chain": json.dumps(chain)}
    broken = {**SEMCONV, "netra.prefix_chain": "[{"}
    spans = otlp.usage_rows(exported([("chat", ours, False), ("chat", broken, False)]))
    events, rejected = parse_batch(spans.rows, "org-x", NOW)
    [event] = events
    assert (event.prompt_hash, event.prefix_hash) == ("p1", "sys")
    assert event.prefix_chain == (("sys", 1200, "system"), ("t1", 6000, "turn"))
    assert [r["index"] for r in rejected] == [1] and "netra.prefix_chain is not valid JSON" in rejected[0]["error"]
