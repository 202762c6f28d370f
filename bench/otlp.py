"""OTLP/HTTP trace ingest of N LLM-call spans against `POST /api/usage` of the same calls as
JSON, end to end (request -> Pub/Sub emulator -> consumer -> chDB, until the summary counts
every call), in the same run, alternated. Spans are made by the OpenTelemetry SDK and encoded
by its OTLP encoder (what an exporter sends), in requests of 500 (an SDK batch is 512);
the JSON rows are what ingest makes of those spans, in requests of 500 too. Both bodies are
encoded before the clock starts; each run is a fresh org, so the same ids are new each time.
Reported as seconds per call."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
import uuid
from pathlib import Path

import httpx

SPANS = 5000
PER_REQUEST = 500
ROOT = Path(__file__).resolve().parents[1]


def _spans() -> list:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    kept = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "bench"}))
    provider.add_span_processor(SimpleSpanProcessor(kept))
    tracer, models = provider.get_tracer("bench"), ("gpt-4o", "gpt-4o-mini", "claude-3-5-haiku-latest")
    start = int((dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).timestamp() * 1e9)
    for n in range(SPANS):
        model = models[n % 3]
        span = tracer.start_span(
            f"chat {model}",
            start_time=start + n * 1_000_000,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "anthropic" if "claude" in model else "openai",
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": 1000 + n % 500,
                "gen_ai.usage.output_tokens": 200 + n % 50,
                "gen_ai.usage.cache_read.input_tokens": n % 400,
                "netra.feature": f"feature-{n % 7}",
                "enduser.id": f"u-{n % 40}",
            },
        )
        span.end(end_time=start + n * 1_000_000 + (300 + n % 900) * 1_000_000)
    provider.shutdown()
    return list(kept.get_finished_spans())


def benchmarks(repeat: int):
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    from bench.harness import compare
    from bench.running_platform import RunningPlatform

    sys.path.insert(0, str(ROOT / "functions" / "analytics"))
    from netra_analytics import otlp

    spans = _spans()
    protobuf = [encode_spans(spans[i : i + PER_REQUEST]).SerializeToString() for i in range(0, SPANS, PER_REQUEST)]
    rows = [otlp.usage_rows(otlp.decode(body, otlp.PROTOBUF)).rows for body in protobuf]
    as_json = [json.dumps(chunk).encode() for chunk in rows]
    assert sum(len(chunk) for chunk in rows) == SPANS

    with RunningPlatform() as platform, httpx.Client(timeout=120) as client:
        auth, analytics = platform.url("auth"), platform.url("analytics")

        def run(path: str, content_type: str, bodies: list[bytes]):
            def timed() -> float:
                token = client.post(
                    f"{auth}/auth/dev/login", json={"email": f"otlp-{uuid.uuid4().hex[:8]}@example.com"}
                ).json()["access_token"]
                headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
                started = time.perf_counter()
                for body in bodies:
                    client.post(f"{analytics}{path}", content=body, headers=headers).raise_for_status()
                while client.get(f"{analytics}/api/usage/summary", headers=headers).json()["totals"]["calls"] < SPANS:
                    time.sleep(0.05)
                return (time.perf_counter() - started) / SPANS

            return timed

        yield compare(
            f"OTLP/HTTP protobuf ingest, s/call ({SPANS})",
            run("/v1/traces", otlp.PROTOBUF, protobuf),
            "POST /api/usage JSON, s/call",
            run("/api/usage", "application/json", as_json),
            repeat,
        )
