"""The launcher's timer (the local Cloud Scheduler) calls a scheduled function with the
push token, as the sweeper requires, and never says the token (a real HTTP server)."""

from __future__ import annotations

import http.server
import os
import threading
import urllib.parse

import pytest

from emulators.platform.launcher import PlatformOptions, Started, Supervisor
from emulators.platform.processes import ManagedProcess
from emulators.platform.workspace import Workspace
from tests.helpers import eventually

TOKEN = "local-push-token-1234"


class ScheduledFunction(http.server.BaseHTTPRequestHandler):
    """Answers as the sweeper does: 200 with the token, 401 without."""

    calls: list[tuple[str, dict]] = []

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        self.calls.append((url.path, query))
        self.send_response(200 if query.get("token") == [TOKEN] else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def scheduled_function():
    ScheduledFunction.calls = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ScheduledFunction)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _supervisor(tmp_path, server, token: str | None, said: list[str]) -> Supervisor:
    ws = Workspace(tmp_path)
    environ = {**os.environ, "NETRA_SCHEDULE_SECONDS": "0.2"}
    supervisor = Supervisor(PlatformOptions(ws), environ=environ, say=said.append)
    supervisor._push_token = token
    port = server.server_address[1]
    # A live child stands for the function's process; the calls go to the real server.
    process = ManagedProcess("sweeper", ["sleep", "60"], ws.logs_dir / "sweeper.log").start()
    probe = {"type": "process", "schedule": "* * * * *"}
    supervisor.started.append(
        Started("sweeper", "function", process, "127.0.0.1", port, f"http://127.0.0.1:{port}", probe)
    )
    return supervisor


def test_the_timer_calls_the_scheduled_function_with_the_push_token(tmp_path, scheduled_function):
    said: list[str] = []
    supervisor = _supervisor(tmp_path, scheduled_function, TOKEN, said)
    supervisor.watch()
    try:
        eventually(lambda: ScheduledFunction.calls, 10, interval=0.05, what="a scheduled call")
    finally:
        supervisor.stop()
    assert ScheduledFunction.calls[0] == ("/", {"token": [TOKEN]})
    assert not [line for line in said if "scheduled call" in line], said


def test_a_refused_scheduled_call_is_reported_without_the_token(tmp_path, scheduled_function):
    said: list[str] = []
    supervisor = _supervisor(tmp_path, scheduled_function, "a-token-the-function-does-not-know", said)
    supervisor.watch()
    try:
        eventually(lambda: any("scheduled call" in line for line in said), 10, interval=0.05, what="a report")
    finally:
        supervisor.stop()
    report = next(line for line in said if "scheduled call" in line)
    assert report == "netra: scheduled call of sweeper failed: HTTP 401"
    assert "a-token-the-function-does-not-know" not in " ".join(said)
