"""OTLP/HTTP ingest with real producers: the official `openai` client instrumented by the
official OpenTelemetry OpenAI instrumentation (opentelemetry-instrumentation-openai-v2) or by
OpenLLMetry's, calling the LLM emulator, exporting with the official OTLP/HTTP protobuf
exporter configured only by the environment variables a user sets, to the running analytics."""

from __future__ import annotations

import gzip
import threading
from decimal import Decimal

import pytest

from tests.helpers import bearer, dev_login, eventually, url_of
from tests.unit.analytics.test_otlp import otlp_json

# gpt-4o-mini in the catalog: $0.15 / M input, $0.075 / M cached input, $0.60 / M output.
INPUT, CACHED, OUTPUT = Decimal("0.15") / 10**6, Decimal("0.075") / 10**6, Decimal("0.60") / 10**6


@pytest.fixture(scope="module")
def emulator():
    from werkzeug.serving import make_server

    from emulators.llm.server import EmulatorState, create_app
    from emulators.platform.processes import free_port

    port = free_port()
    server = make_server("127.0.0.1", port, create_app(EmulatorState()), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def analytics_url(platform) -> str:
    return url_of(platform, "analytics")


@pytest.fixture
def owner(http, auth_url, unique):
    return bearer(dev_login(http, auth_url, f"otel-{unique}@example.com")["access_token"])


@pytest.fixture
def key(http, auth_url, owner) -> str:
    answer = http.post(f"{auth_url}/auth/api-keys", json={"name": "otel"}, headers=owner)
    assert answer.status_code == 201, answer.text
    return answer.json()["key"]


@pytest.fixture
def producer(monkeypatch, analytics_url, key):
    """A tracer provider exporting as a user configures it, also keeping what it exported."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", analytics_url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"Authorization=Bearer%20{key}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")

    def make(service: str):
        exporter, kept = OTLPSpanExporter(), InMemorySpanExporter()
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(SimpleSpanProcessor(kept))
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        made.append(provider)
        return provider, exporter, kept

    made = []
    instrumentor = OpenAIInstrumentor()
    yield make, instrumentor
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
    for provider in made:
        provider.shutdown()


def calls(emulator: str, provider, instrumentor, unique: str, n: int, cache_key: str | None = None) -> list:
    """n chat completions through the instrumented client, inside a plain (non-LLM) span; with
    a cache key, after a shared system prompt of ~1,250 tokens that the emulator caches."""
    import openai

    system = (
        [{"role": "system", "content": f"You answer for shop {unique}. " + "Be brief and exact. " * 250}]
        if cache_key
        else []
    )
    extra = {"prompt_cache_key": cache_key} if cache_key else {}
    instrumentor.instrument(tracer_provider=provider)
    try:
        client = openai.OpenAI(base_url=f"{emulator}/v1", api_key="emulator", max_retries=0)
        with provider.get_tracer("app").start_as_current_span("POST /checkout"):
            answers = [
                client.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=[
                        *system,
                        {"role": "user", "content": f"Summarise order {i} of {unique} " + "in detail " * i},
                    ],
                    **extra,
                )
                for i in range(n)
            ]
        client.close()
    finally:
        instrumentor.uninstrument()
    return answers


def summary(http, analytics_url, owner, feature: str) -> dict:
    response = http.get(
        f"{analytics_url}/api/usage/summary", params={"group_by": "model", "feature": feature}, headers=owner
    )
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(http, analytics_url, owner, feature: str, calls_wanted: int, timeout: float = 30.0) -> dict:
    return eventually(
        lambda: (report := summary(http, analytics_url, owner, feature))["totals"]["calls"] == calls_wanted and report,
        timeout=timeout,
        interval=0.3,
        what=lambda: f"expected {calls_wanted} calls, have {summary(http, analytics_url, owner, feature)['totals']}",
    )


def expected_cost(answers, cached: int = 0) -> str:
    prompt = sum(a.usage.prompt_tokens for a in answers)
    completion = sum(a.usage.completion_tokens for a in answers)
    return str(((prompt - cached) * INPUT + cached * CACHED + completion * OUTPUT).normalize())


def test_instrumented_openai_calls_arrive_priced_and_a_retry_counts_once(
    http, emulator, analytics_url, owner, producer, unique
):
    make, instrumentor = producer
    service = f"checkout-{unique}"
    provider, exporter, kept = make(service)
    answers = calls(emulator, provider, instrumentor, unique, 3)
    report = wait_for(http, analytics_url, owner, service, 3)
    [group] = report["groups"]
    assert group["key"] == "gpt-4o-mini"
    assert group["input_tokens"] == sum(a.usage.prompt_tokens for a in answers) > 0
    assert group["output_tokens"] == sum(a.usage.completion_tokens for a in answers) > 0
    assert group["cached_input_tokens"] == 0  # the emulator caches nothing, and openai-v2 2.3b0 reports no cache
    assert report["totals"]["cost_usd"] == expected_cost(answers)
    assert group["p50_latency_ms"] is not None

    # The exporter sends the same spans again (what its retry does): the same events.
    spans = kept.get_finished_spans()
    assert len(spans) == 4  # 3 LLM calls and the checkout span
    from opentelemetry.sdk.trace.export import SpanExportResult

    assert exporter.export(spans) == SpanExportResult.SUCCESS
    more = calls(emulator, provider, instrumentor, unique, 1)
    report = wait_for(http, analytics_url, owner, service, 4)  # the new call is in, the retried three once
    assert report["totals"]["cost_usd"] == expected_cost(answers + more)


# OpenLLMetry 0.62.4 declares a pydantic model the old way; its warning is not ours.
@pytest.mark.filterwarnings("ignore:Support for class-based `config` is deprecated:DeprecationWarning")
def test_a_second_producer_reports_cached_tokens(http, emulator, analytics_url, owner, producer, unique):
    """OpenLLMetry's (Traceloop) instrumentation of the same client, which also reports the
    prompt cache (gen_ai.usage.cache_read.input_tokens): calls 2 and 3 reuse a cached prefix."""
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    make, _ = producer
    service = f"openllmetry-{unique}"
    provider, _, kept = make(service)
    answers = calls(emulator, provider, OpenAIInstrumentor(), unique, 3, cache_key=unique)
    cached = [a.usage.prompt_tokens_details.cached_tokens for a in answers]
    assert cached[0] == 0 and cached[1] >= 1024 and cached[2] >= 1024  # the emulator caches in 128-token steps
    report = wait_for(http, analytics_url, owner, service, 3)
    [group] = report["groups"]
    assert (group["key"], group["input_tokens"], group["output_tokens"], group["cached_input_tokens"]) == (
        "gpt-4o-mini",
        sum(a.usage.prompt_tokens for a in answers),
        sum(a.usage.completion_tokens for a in answers),
        sum(cached),
    )
    assert report["totals"]["cost_usd"] == expected_cost(answers, sum(cached))


def test_the_json_encoding_of_the_same_spans_and_what_the_answer_says(
    http, emulator, analytics_url, owner, key, producer, unique
):
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    make, instrumentor = producer
    service = f"json-{unique}"
    provider, exporter, kept = make(service)
    exporter.shutdown()  # only kept: these spans reach analytics as JSON below
    answers = calls(emulator, provider, instrumentor, unique, 2)
    body = otlp_json(encode_spans(kept.get_finished_spans()))
    response = http.post(
        f"{analytics_url}/v1/traces",
        content=gzip.compress(body),
        headers={**bearer(key), "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json", response.text
    # Nothing rejected; the skipped checkout span is said in error_message (the spec's warning).
    assert response.json() == {"partialSuccess": {"errorMessage": "1 of 3 span(s) skipped: not LLM calls"}}
    report = wait_for(http, analytics_url, owner, service, 2)
    assert report["totals"]["cost_usd"] == expected_cost(answers)


def test_a_span_with_a_bad_value_is_rejected_and_the_rest_stored(http, analytics_url, owner, key, producer, unique):
    """Spans from the SDK with the attributes newer instrumentations set (cache reads),
    one of them with a negative token count."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    make, _ = producer
    service = f"bad-{unique}"
    provider, exporter, kept = make(service)
    exporter.shutdown()
    tracer = provider.get_tracer("app")
    good = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 10_000,
        "gen_ai.usage.output_tokens": 500,
        "gen_ai.usage.cache_read.input_tokens": 8_000,
    }
    for attributes in (good, {**good, "gen_ai.usage.output_tokens": -1}):
        with tracer.start_as_current_span("chat gpt-4o-mini", attributes=attributes):
            pass
    response = http.post(
        f"{analytics_url}/v1/traces",
        content=encode_spans(kept.get_finished_spans()).SerializeToString(),
        headers={**bearer(key), "Content-Type": "application/x-protobuf"},
    )
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/x-protobuf"
    partial = ExportTraceServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_spans == 1
    assert "gen_ai.usage.output_tokens must be a non-negative integer, got -1" in partial.error_message
    report = wait_for(http, analytics_url, owner, service, 1)
    assert report["totals"]["cached_input_tokens"] == 8_000
    # 2,000 x 0.15/M + 8,000 x 0.075/M + 500 x 0.60/M = 0.0003 + 0.0006 + 0.0003
    assert report["totals"]["cost_usd"] == "0.0012"


def test_only_org_api_keys_that_may_write_and_only_otlp_bodies(http, analytics_url, owner, key):
    url = f"{analytics_url}/v1/traces"
    assert http.post(url, content=b"", headers={"Content-Type": "application/x-protobuf"}).status_code == 401
    assert http.post(url, content=b"{}", headers={**bearer(key), "Content-Type": "text/plain"}).status_code == 415
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))
    response = http.post(
        url, content=bomb, headers={**bearer(key), "Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    empty = http.post(url, content=b"", headers={**bearer(key), "Content-Type": "application/x-protobuf"})
    assert empty.status_code == 200 and empty.content == b""  # an empty request, an empty (all accepted) answer
