"""Usage ingest end to end (HTTP -> Pub/Sub emulator -> consumer -> chDB, until the summary
counts every event) and the consumer's storage step alone (`warehouse.insert`: looked up,
priced, signed, the rollups fed, a refused row set aside), each against a raw
clickhouse-connect insert of the same rows into a table of the same layout without the
rollup views, in an embedded chDB, in the same run. Reported as seconds per event.

End to end in two shapes: a client sending 5,000 events in requests of 1,000 (the cost of
each request's round trip and each insert's fixed part shows), and one sending 50,000 in
requests of 5,000 (~1 MB bodies, as an exporter or an import sends them: the sustained
rate, which is what "near the storage limit" is about).

Beside them, the floor the local platform puts under any such pipeline: the same rows as
HTTP requests of 5,000 to a bare receiver, and as the queue's message bodies published
through the Pub/Sub emulator to a push receiver that only acknowledges (no validation, no
pricing, no storage), against the same raw insert."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

EVENTS = 5000
SHAPES = ((5000, 1000), (50_000, 5000))  # (events, per request)
ROOT = Path(__file__).resolve().parents[1]


def _rows(run: str, count: int = EVENTS) -> list[dict]:
    models = ("gpt-4o", "gpt-4o-mini", "claude-3-5-haiku-latest")
    return [
        {
            "event_id": f"{run}-{n}",
            "timestamp": "2026-11-20T10:00:00Z",
            "provider": "anthropic" if "claude" in models[n % 3] else "openai",
            "model": models[n % 3],
            "input_tokens": 1000 + n % 500,
            "output_tokens": 200 + n % 50,
            "cached_input_tokens": n % 400,
            "latency_ms": 300 + n % 900,
            "feature": f"feature-{n % 7}",
            "user_id": f"u-{n % 40}",
        }
        for n in range(count)
    ]


class _Receiver(http.server.ThreadingHTTPServer):
    """Takes POSTs, reads each body whole and answers 204: counts what arrived."""

    def __init__(self):
        self.arrived, self.lock = 0, threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(handler):  # noqa: N805 - the server's handler, named apart from the server
                handler.rfile.read(int(handler.headers["Content-Length"]))
                handler.send_response(204)
                handler.end_headers()
                with self.lock:
                    self.arrived += 1

            def log_message(handler, *args):  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def wait_for(self, count: int) -> None:
        while self.arrived < count:
            time.sleep(0.002)


def benchmarks(repeat: int):
    from bench.harness import compare
    from bench.running_platform import RunningPlatform

    sys.path.insert(0, str(ROOT / "functions" / "analytics"))
    from shared_lib.clients.clickhouse import clickhouse_client
    from shared_lib.clients.pubsub import publisher_client, subscriber_client
    from shared_lib.config import load_settings
    from shared_lib.contracts import usage_events
    from shared_lib.usage import EVENT_FIELDS, parse_batch

    from netra_analytics import warehouse

    with RunningPlatform() as platform, httpx.Client(timeout=120) as client:
        auth, analytics = platform.url("auth"), platform.url("analytics")

        def end_to_end(events: int, per_request: int) -> float:
            token = client.post(
                f"{auth}/auth/dev/login", json={"email": f"ingest-{uuid.uuid4().hex[:8]}@example.com"}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            rows = _rows(uuid.uuid4().hex[:8], events)
            started = time.perf_counter()
            for start in range(0, events, per_request):
                client.post(
                    f"{analytics}/api/usage", json=rows[start : start + per_request], headers=headers
                ).raise_for_status()
            while (
                client.get(
                    f"{analytics}/api/usage/summary", params={"from": "2026-11-01", "to": "2026-12-01"}, headers=headers
                ).json()["totals"]["calls"]
                < events
            ):
                time.sleep(0.05)  # each look is a summary query, which would slow the consumer down
            return (time.perf_counter() - started) / events

        settings = platform.settings()
        publisher, subscriber, receiver = publisher_client(settings), subscriber_client(settings), _Receiver()
        topic = f"projects/{settings.project_id}/topics/bench-ingest-floor"
        publisher.create_topic(request={"name": topic})
        subscriber.create_subscription(
            request={
                "name": f"projects/{settings.project_id}/subscriptions/bench-ingest-floor",
                "topic": topic,
                "push_config": {"push_endpoint": receiver.url},
                "ack_deadline_seconds": 60,
            }
        )

        def http_floor(events: int, per_request: int = 5000) -> float:
            bodies = [
                json.dumps(_rows(uuid.uuid4().hex[:8], events)[i : i + per_request]).encode()
                for i in range(0, events, per_request)
            ]
            started, before = time.perf_counter(), receiver.arrived
            for body in bodies:
                client.post(receiver.url, content=body, headers={"Content-Type": "application/json"})
            receiver.wait_for(before + len(bodies))
            return (time.perf_counter() - started) / events

        def queue_floor(events: int) -> float:
            parsed, _ = parse_batch(_rows(uuid.uuid4().hex[:8], events), "org-bench", dt.datetime.now(dt.timezone.utc))
            bodies = usage_events.positional_messages(  # as intake queues them
                "org-bench",
                EVENT_FIELDS,
                [e.json_values() for e in parsed],
                dt.datetime.now(dt.timezone.utc),
                compress=settings.usage_batch_encoding == "gzip",
            )
            started, before = time.perf_counter(), receiver.arrived
            for future in [publisher.publish(topic, body, org_id="org-bench") for body in bodies]:
                future.result(timeout=60)
            receiver.wait_for(before + len(bodies))
            return (time.perf_counter() - started) / events

        with tempfile.TemporaryDirectory() as data:
            raw_client = clickhouse_client(load_settings({"CLICKHOUSE_DSN": f"chdb://{data}"}))
            warehouse.migrate(raw_client)
            # The baseline table has the calls' layout and none of the rollup views: the
            # storage limit, not our pipeline (ADR 0008).
            raw_client.command("CREATE TABLE usage_events_baseline AS usage_events")
            now = dt.datetime.now(dt.timezone.utc)

            def raw_insert(events: int) -> float:
                parsed, _ = parse_batch(_rows(uuid.uuid4().hex[:8], events), "org-bench", now)
                prepared = [warehouse.priced_row(e, now) + [now] for e in parsed]
                started = time.perf_counter()
                raw_client.insert("usage_events_baseline", prepared, column_names=warehouse.COLUMNS)
                return (time.perf_counter() - started) / events

            def stored() -> float:
                parsed, _ = parse_batch(_rows(uuid.uuid4().hex[:8]), "org-bench", now)
                started = time.perf_counter()
                warehouse.insert(raw_client, parsed, now)  # one message of 5,000, as the consumer gets it
                return (time.perf_counter() - started) / EVENTS

            for events, per_request in SHAPES:
                yield compare(
                    f"usage ingest end to end, s/event ({events:,} in requests of {per_request:,})",
                    lambda events=events, per_request=per_request: end_to_end(events, per_request),
                    "raw clickhouse-connect insert, s/event",
                    lambda events=events: raw_insert(events),
                    repeat,
                )
            floor = 50_000
            yield compare(
                f"floor: HTTP requests of 5,000 to a bare receiver, s/event ({floor:,})",
                lambda: http_floor(floor),
                "raw clickhouse-connect insert, s/event",
                lambda: raw_insert(floor),
                repeat,
            )
            yield compare(
                f"floor: the queue's messages through the Pub/Sub emulator to a bare push receiver, s/event ({floor:,})",
                lambda: queue_floor(floor),
                "raw clickhouse-connect insert, s/event",
                lambda: raw_insert(floor),
                repeat,
            )
            yield compare(
                f"consumer storage step, s/event ({EVENTS:,} in one message)",
                stored,
                "raw clickhouse-connect insert, s/event",
                lambda: raw_insert(EVENTS),
                repeat,
            )
