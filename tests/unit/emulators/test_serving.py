"""The emulators' WSGI server: a thread per connection, so clients that never finish their
requests do not stop others being answered; and each of them is dropped once it has sent
nothing for the read timeout (shortened here). Real sockets."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from emulators import serving


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def test_slow_clients_are_dropped_after_the_read_timeout_and_others_answered(monkeypatch):
    monkeypatch.setattr(serving._RequestHandler, "timeout", 0.5)
    server = serving.wsgi_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with contextlib.ExitStack() as stack:
            slow = []
            for _ in range(50):
                sock = stack.enter_context(socket.create_connection(("127.0.0.1", server.server_port), timeout=10))
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                slow.append(sock)
            with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert sock.recv(65536).startswith(b"HTTP/1.1 200")
            started = time.monotonic()
            assert all(sock.recv(65536) == b"" for sock in slow)  # closed by the server
            assert time.monotonic() - started < 5
    finally:
        server.shutdown()
        server.server_close()
