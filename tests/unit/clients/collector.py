"""A real HTTP server standing in for Netra's POST /api/usage: it keeps what it was sent and
answers as a test scripts it (a status, a Retry-After, a dropped connection, a wait)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Collector:
    def __init__(self):
        self.received: list[dict] = []  # {"at", "headers", "body"} per request, in arrival order
        # Answers to give, first to last; then 200 with every row accepted. An answer is
        # (status, headers, body) or "drop" (close the connection without answering).
        self.script: list = []
        self.gate = threading.Event()  # a request waits for it while `hold` is set
        self.gate.set()
        self.arrived = threading.Event()
        self._lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with collector._lock:
                    collector.received.append(
                        {"at": time.monotonic(), "path": self.path, "headers": dict(self.headers), "raw": raw}
                    )
                    answer = collector.script.pop(0) if collector.script else None
                collector.arrived.set()
                collector.gate.wait(30)
                if answer == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                status, headers, body = answer or (200, {}, {"accepted": len(json.loads(raw)), "rejected": []})
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Collector:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()

    def batches(self) -> list[list[dict]]:
        with self._lock:
            return [json.loads(r["raw"]) for r in self.received]

    def events(self) -> list[dict]:
        return [event for batch in self.batches() for event in batch]
