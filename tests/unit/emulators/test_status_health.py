"""`netra status` checks each service live: one whose health check times out (it accepts and
never answers, as a function whose threads are all held does) is unhealthy, and says why.
Real servers on real ports; a live child process stands for each service's process."""

from __future__ import annotations

import http.server
import json
import os
import socket
import threading

import pytest

from emulators.cli import main as netra
from emulators.platform import launcher
from emulators.platform.launcher import PlatformOptions, Started, Supervisor
from emulators.platform.processes import ManagedProcess
from emulators.platform.workspace import Workspace


class Silent:
    """Accepts every connection and never answers."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


class Answers(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def answering(status: int) -> http.server.ThreadingHTTPServer:
    handler = type("Handler", (Answers,), {"status": status})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def services(tmp_path, monkeypatch):
    """A running platform's state: a silent service, one answering 503, a healthy one."""
    silent, failing, healthy = Silent(), answering(503), answering(200)
    ws = Workspace(tmp_path)
    supervisor = Supervisor(PlatformOptions(ws), environ=dict(os.environ), say=lambda _: None)
    probe = {"type": "http", "path": "/health", "expect": 200}
    for name, port in (("silent", silent.port), ("failing", failing.server_port), ("healthy", healthy.server_port)):
        process = ManagedProcess(name, ["sleep", "60"], ws.logs_dir / f"{name}.log").start()
        supervisor.started.append(
            Started(name, "function", process, "127.0.0.1", port, f"http://127.0.0.1:{port}", probe)
        )
    supervisor._write_state(ready=True)
    monkeypatch.setenv("NETRA_WORKSPACE", str(tmp_path))
    yield ws
    supervisor.stop()
    for server in (failing, healthy):
        server.shutdown()
        server.server_close()
    silent.close()


def test_a_service_whose_health_check_times_out_is_unhealthy_and_says_why(services, capsys):
    report = {service["name"]: service for service in launcher.status(services)["services"]}
    assert report["silent"]["state"] == "unhealthy"
    assert report["silent"]["reason"] == "the health check timed out after 1 s: connected, no answer"
    assert (report["failing"]["state"], report["failing"]["reason"]) == (
        "unhealthy",
        "/health answered 503, expected 200",
    )
    assert (report["healthy"]["state"], report["healthy"]["reason"]) == ("healthy", None)

    assert netra(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["services"][0]["reason"].startswith("the health check timed out")
    assert netra(["status"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")}
    assert "unhealthy" in lines["silent"] and lines["silent"].endswith(
        "(the health check timed out after 1 s: connected, no answer)"
    )
    assert "healthy" in lines["healthy"] and "(" not in lines["healthy"]
