"""A step's progress, told to the user as client events while it works.

Every event carries a key made of the run, the agent and what happened, so that a step
redone after a crash (or a redelivered message) never shows the same progress twice.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

from shared_lib.events import ClientEvent, publish_client_event

log = logging.getLogger("netra.agents")


class Progress:
    def __init__(self, publisher, project_id: str, user_id: str, thread_id: str, run_id: str, agent: str):
        self._publisher, self._project = publisher, project_id
        self._user, self._thread, self._run, self.agent = user_id, thread_id, run_id, agent
        self._futures: list = []

    def emit(self, kind: str, payload: dict, name: str) -> None:
        event = ClientEvent(
            self._user,
            kind,
            {"agent": self.agent, **payload},
            thread_id=self._thread,
            run_id=self._run,
            key=f"{self._run}/{self.agent}/{name}",
        )
        self._futures.append(publish_client_event(self._publisher, self._project, event))

    def started(self, message: str) -> None:
        self.emit("agent_started", {"message": message}, "started")

    def thinking(self, message: str, name: str) -> None:
        self.emit("agent_thinking", {"message": message}, f"thinking/{name}")

    @contextlib.contextmanager
    def tool(self, tool: str, message: str) -> Iterator[dict]:
        """`tool_executing`, then `tool_completed` with its duration and what the body
        put in the yielded dict (an error propagates; the step reports it)."""
        self.emit("tool_executing", {"tool": tool, "message": message}, f"tool/{tool}/executing")
        started, said = time.monotonic(), {}
        yield said
        self.emit(
            "tool_completed",
            {"tool": tool, "duration_ms": int((time.monotonic() - started) * 1000), **said},
            f"tool/{tool}/completed",
        )

    def completed(self, message: str, **facts) -> None:
        self.emit("agent_completed", {"message": message, **facts}, "completed")

    def failed(self, message: str) -> None:
        self.emit("agent_error", {"message": message, "recoverable": False}, "error")

    def flush(self, timeout: float = 30) -> None:
        """Wait for every event to be accepted by Pub/Sub (before the step's result goes out)."""
        for future in self._futures:
            future.result(timeout=timeout)
        self._futures.clear()
