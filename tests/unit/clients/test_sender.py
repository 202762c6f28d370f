"""Sending against a real local HTTP server: batches, retries with backoff and Retry-After, the
queue's bound, flush and close, and the flush at exit."""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
import time

from tests.unit.clients.collector import Collector
from tests.unit.clients.conftest import CLIENT

from netra_client import Netra
from netra_client.sender import Sender, retry_after


def event(n: int) -> dict:
    return {"event_id": f"e{n}", "provider": "openai", "model": "gpt-4o", "input_tokens": n, "output_tokens": 1}


def sender(collector: Collector, **options) -> Sender:
    return Sender(collector.url + "/api/usage", "nk_test", **{"flush_interval": 30.0, "backoff": 0.05, **options})


def test_events_go_in_batches_of_at_most_batch_size_each_once_with_the_key():
    with Collector() as collector:
        s = sender(collector, batch_size=3)
        for n in range(7):
            s.submit(event(n))
        assert s.flush(10)
        batches = collector.batches()
        assert all(1 <= len(b) <= 3 for b in batches)
        assert sorted(e["event_id"] for b in batches for e in b) == [f"e{n}" for n in range(7)]
        request = collector.received[0]
        assert request["path"] == "/api/usage"
        assert request["headers"]["Authorization"] == "Bearer nk_test"
        assert request["headers"]["Content-Type"] == "application/json"
        assert s.stats().sent == 7 and s.stats().queued == 0


def test_a_full_batch_is_sent_without_waiting_for_the_interval():
    with Collector() as collector:
        s = sender(collector, batch_size=2)
        s.submit(event(1))
        s.submit(event(2))
        assert collector.arrived.wait(5), "a full batch waited for the 30 s interval"


def test_429_and_5xx_are_retried_with_exponential_backoff_and_retry_after():
    with Collector() as collector:
        collector.script = [(503, {}, {}), (502, {}, {}), (429, {"Retry-After": "1"}, {})]
        s = sender(collector, backoff=0.2)
        s.submit(event(1))
        assert s.flush(15)
        times = [r["at"] for r in collector.received]
        assert len(times) == 4 and s.stats().retries == 3 and s.stats().sent == 1
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # 0.2 s, then 0.4 s, then the server's 1 s rather than 0.8 s.
        assert gaps[0] >= 0.2 and gaps[1] >= 0.4 and gaps[2] >= 1.0
        assert [e["event_id"] for e in collector.batches()[-1]] == ["e1"]


def test_a_dropped_connection_is_retried_and_a_refused_batch_is_not():
    with Collector() as collector:
        collector.script = ["drop", (400, {}, {"error": {"code": "invalid_body"}})]
        s = sender(collector)
        s.submit(event(1))
        assert s.flush(10)
        # The dropped request is sent again, answered 400: given up on, not sent a third time.
        assert len(collector.received) == 2
        assert (s.stats().retries, s.stats().dropped_failed, s.stats().sent) == (1, 1, 0)


def test_a_batch_is_given_up_after_the_retries_and_the_next_one_still_goes():
    with Collector() as collector:
        collector.script = [(500, {}, {})] * 3
        s = sender(collector, max_retries=2)
        s.submit(event(1))
        assert s.flush(10)
        s.submit(event(2))
        assert s.flush(10)
        assert len(collector.received) == 4
        assert (s.stats().dropped_failed, s.stats().sent) == (1, 1)


def test_rows_netra_rejects_are_counted_apart_from_those_sent():
    with Collector() as collector:
        collector.script = [(200, {}, {"accepted": 1, "rejected": [{"index": 1, "error": "model is required"}]})]
        s = sender(collector)
        s.submit(event(1))
        s.submit(event(2))
        assert s.flush(10)
        assert (s.stats().sent, s.stats().rejected) == (1, 1)


def test_a_full_queue_drops_its_oldest_events_and_never_blocks():
    with Collector() as collector:
        collector.gate.clear()  # the server holds the first request
        s = sender(collector, max_queue=3, batch_size=1)
        s.submit(event(0))
        assert collector.arrived.wait(5)
        started = time.monotonic()
        for n in range(1, 7):
            s.submit(event(n))
        assert time.monotonic() - started < 1.0
        assert s.stats().dropped_queue_full == 3 and s.stats().queued == 3
        assert not s.flush(0.3)  # the server still holds it
        collector.gate.set()
        assert s.flush(10)
        assert [e["event_id"] for e in collector.events()] == ["e0", "e4", "e5", "e6"]


def test_an_event_json_cannot_hold_is_dropped_alone():
    with Collector() as collector:
        s = sender(collector)
        s.submit(event(1))
        s.submit({**event(2), "metadata": {"at": object()}})
        s.submit(event(3))
        assert s.flush(10)
        assert [e["event_id"] for e in collector.events()] == ["e1", "e3"]
        assert (s.stats().sent, s.stats().dropped_failed) == (2, 1)


def test_close_sends_what_is_queued_and_drops_what_comes_after():
    with Collector() as collector:
        s = sender(collector)
        s.submit(event(1))
        assert s.close(10)
        s.submit(event(2))
        assert [e["event_id"] for e in collector.events()] == ["e1"]
        assert s.stats().dropped_after_close == 1


def test_close_gives_up_on_a_server_that_never_answers_within_its_timeout():
    with Collector() as collector:
        collector.script = [(503, {"Retry-After": "60"}, {})] * 5
        s = sender(collector)
        s.submit(event(1))
        started = time.monotonic()
        assert not s.close(0.5)
        assert time.monotonic() - started < 5


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after("3") == 3.0
    assert retry_after(None) is None and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: now


def test_what_is_recorded_just_before_the_program_ends_is_sent_at_exit():
    with Collector() as collector:
        script = f"""
            import sys
            sys.path.insert(0, {str(CLIENT)!r})
            from netra_client import Netra
            netra = Netra(api_key="nk_exit", base_url={collector.url!r}, flush_interval=60)
            netra.record_anthropic(
                {{"model": "claude-haiku-4-5", "messages": [{{"role": "user", "content": "hi"}}]}},
                {{"id": "msg_exit", "usage": {{"input_tokens": 8, "output_tokens": 2}}}},
            )
        """
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert [e["event_id"] for e in collector.events()] == ["msg_exit"]


def test_recording_never_raises_into_the_caller():
    with Collector() as collector:
        netra = Netra(api_key="nk", base_url=collector.url)
        assert netra.record_openai({"messages": 5}, object()) is None  # not a list of messages
        assert netra.stats().queued == 0
        netra.close(1)


def test_a_client_without_a_key_or_url_is_refused_at_construction(monkeypatch):
    import pytest

    monkeypatch.delenv("NETRA_API_KEY", raising=False)
    monkeypatch.delenv("NETRA_ANALYTICS_URL", raising=False)
    with pytest.raises(ValueError, match="API key"):
        Netra(base_url="http://127.0.0.1:9")
    with pytest.raises(ValueError, match="base_url"):
        Netra(api_key="nk", base_url="127.0.0.1:9")
