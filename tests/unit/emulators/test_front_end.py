"""The local front end (Cloud Run's, emulated) reads each request whole within its deadlines
before a function sees it, so slow clients hold none of the function's threads. Real sockets:
the front end's own loop in a thread, in front of a backend that serves one connection at a
time and records what it was sent (the deadlines are shortened here)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from emulators.front_end import messages
from emulators.front_end.server import FrontEnd
from emulators.platform.processes import free_ports

OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok": 1}\r\n'


class Backend:
    """One connection at a time, as a function with a single thread would be: reads a request
    framed by Content-Length, keeps it, answers `answer` and closes."""

    def __init__(self, answer: bytes = OK):
        self.answer, self.received = answer, []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                while len(body) < length:
                    body += conn.recv(65536)
                self.received.append((head.decode(), body))
                conn.sendall(self.answer)


@pytest.fixture
def short_deadlines(monkeypatch):
    monkeypatch.setattr(messages, "HEAD_SECONDS", 0.5)
    monkeypatch.setattr(messages, "BODY_SECONDS", 0.5)
    monkeypatch.setattr(messages, "IDLE_SECONDS", 1.0)


@contextlib.contextmanager
def front_end(backend_port: int, head_limit: int = messages.MAX_HEAD_BYTES):
    """The front end's loop in a thread, serving a port in front of `backend_port`."""
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        asyncio.start_server(FrontEnd(backend_port).connection, "127.0.0.1", 0, limit=head_limit)
    )
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        asyncio.run_coroutine_threadsafe(_shut(server), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


async def _shut(server: asyncio.Server) -> None:
    server.close()
    connections = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in connections:
        task.cancel()
    await asyncio.gather(*connections, return_exceptions=True)


def exchange(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Send `data`, read until the front end closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def status_and_error(answer: bytes) -> tuple[int, str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)["error"]["code"]


def test_a_request_header_never_finished_is_answered_408_at_its_deadline(short_deadlines):
    backend = Backend()
    with front_end(backend.port) as port:
        started = time.monotonic()
        answer = exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        waited = time.monotonic() - started
    assert status_and_error(answer) == (408, "request_timeout")
    assert 0.4 <= waited < 5 and backend.received == []


def test_a_body_never_finished_is_answered_408_and_a_silent_connection_closed(short_deadlines):
    backend = Backend()
    with front_end(backend.port) as port:
        partial = b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
        assert status_and_error(exchange(port, partial)) == (408, "request_timeout")
        assert exchange(port, b"") == b""  # nothing sent: closed without an answer
    assert backend.received == []


def test_a_single_threaded_function_answers_while_a_hundred_slow_clients_hang(short_deadlines, monkeypatch):
    monkeypatch.setattr(messages, "HEAD_SECONDS", 30.0)
    monkeypatch.setattr(messages, "BODY_SECONDS", 30.0)
    backend = Backend()
    with front_end(backend.port) as port, contextlib.ExitStack() as stack:
        for n in range(100):
            slow = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
            slow.sendall(
                b"GET / HTTP/1.1\r\nHost: x\r\n" if n % 2 else b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n{"
            )
        answer = exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b'{"ok": 1}\r\n')
    assert [head.split("\r\n")[0] for head, _ in backend.received] == ["GET /health HTTP/1.1"]


def test_the_function_gets_one_whole_request_per_connection_framed_by_length(short_deadlines):
    backend = Backend()
    with front_end(backend.port) as port:
        chunked = (
            b"POST /upload?a=1 HTTP/1.1\r\nHost: fn.local\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n"
            b"X-Forwarded-For: 203.0.113.7\r\nKeep-Alive: 5\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n"
        )
        answer = exchange(port, chunked + b"GET /again HTTP/1.1\r\nHost: fn.local\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
    assert answer.count(b"HTTP/1.1 200 OK") == 2  # the kept-alive connection's second request too
    (first_head, first_body), (second_head, _) = backend.received
    lines = first_head.split("\r\n")
    assert lines[0] == "POST /upload?a=1 HTTP/1.1" and first_body == b"Wikipedia"
    assert {
        "Host: fn.local",
        "Content-Length: 9",
        "Connection: close",
        "X-Forwarded-For: 203.0.113.7, 127.0.0.1",
    } <= set(lines)
    assert not any(line.split(":")[0].lower() in ("transfer-encoding", "expect", "keep-alive") for line in lines[1:])
    assert second_head.startswith("GET /again HTTP/1.1\r\n") and "Connection: close" in second_head


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "bad_request"),
        (b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, "bad_request"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "not_implemented"),
        (b"POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n", 413, "payload_too_large"),
        (b"GET / HTTP/2.0\r\n\r\n", 505, "http_version_not_supported"),
        (b"GET / HTTP/1.1\r\n folded: header\r\n\r\n", 400, "bad_request"),
        (b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\n\r\n", 431, "headers_too_large"),
    ],
)
def test_a_request_that_could_be_read_two_ways_or_is_too_large_never_reaches_the_function(
    short_deadlines, monkeypatch, request_bytes, status, code
):
    monkeypatch.setattr(messages, "MAX_BODY_BYTES", 1000)
    backend = Backend()
    with front_end(backend.port, head_limit=2048) as port:  # the head limit is the stream's
        assert status_and_error(exchange(port, request_bytes)) == (status, code)
    assert backend.received == []


def test_answers_are_framed_by_length_and_head_answers_keep_theirs(short_deadlines):
    chunked = (
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Kept: yes\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    with front_end(Backend(chunked).port) as port:
        answer = exchange(port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 201 Created" and body == b"abcde"
    assert b"Content-Length: 5" in head and b"X-Kept: yes" in head and b"chunked" not in head.lower()
    head_answer = b"HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"
    with front_end(Backend(head_answer).port) as port:
        answer = exchange(port, b"HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert answer.endswith(b"Content-Length: 42\r\nConnection: close\r\n\r\n")


def test_a_function_not_serving_is_a_503_to_retry():
    (closed,) = free_ports(1)
    with front_end(closed) as port:
        answer = exchange(port, b"GET /health HTTP/1.1\r\n\r\n")
    assert status_and_error(answer) == (503, "unavailable") and b"Retry-After: 1\r\n" in answer


def test_the_process_serves_its_routes_and_its_health_and_stops_on_sigterm():
    backend = Backend()
    port, health = free_ports(2)
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.front_end", f"--health-port={health}", f"--route={port}:{backend.port}"]
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError):  # its own port is served last
                own = exchange(health, b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n")
                break
            assert time.monotonic() < deadline and process.poll() is None, "the front end did not listen"
            time.sleep(0.05)
        assert own.startswith(b"HTTP/1.1 200 OK") and own.endswith(b'{"status": "ok", "routes": 1}')
        assert backend.received == []  # answered by the front end itself
        answer = exchange(port, b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 200 OK") and len(backend.received) == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
