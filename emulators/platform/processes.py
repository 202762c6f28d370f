"""Child processes of the platform: each in its own process group, one log file each.

A process group per child lets `down` stop a wrapper script together with the JVM (or
server) it started, so nothing is orphaned.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


class StartFailed(RuntimeError):
    """A child exited or never became healthy; the message carries its log tail."""


def free_port(host: str = "127.0.0.1") -> int:
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """`count` distinct free ports. The sockets stay bound until all are chosen: a port
    closed and asked for again may be handed out twice (two emulators, one port)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)))
            sock.bind((host, 0))
            ports.append(sock.getsockname()[1])
        return ports


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists"; it is not running.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def stop_group(pgid: int, timeout: float = 10.0) -> None:
    """SIGTERM the whole group, wait, then SIGKILL whatever is left."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _group_has_live_members(pgid):
                return
            time.sleep(0.05)


def _group_has_live_members(pgid: int) -> bool:
    # killpg(0) succeeds while zombies remain; look for a member that is not a zombie.
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


@dataclasses.dataclass
class ManagedProcess:
    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] | None = None
    cwd: Path | None = None
    popen: subprocess.Popen | None = None
    # Processes this child started in sessions of their own (a daemonising server):
    # stopped after the child's group, so they go even if the child was killed.
    detached_pids: list[int] = dataclasses.field(default_factory=list)

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None, f"{self.name} was not started"
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise StartFailed(f"{self.name} exited with code {self.popen.returncode}\n{self.log_tail()}")
            if ready():
                return
            time.sleep(0.1)
        raise StartFailed(f"{self.name} was not ready after {timeout:.0f} s\n{self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen is None:
            return
        stop_group(self.popen.pid, timeout)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=1)
        for pid in self.detached_pids:
            stop_group(pid, timeout)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except FileNotFoundError:
            return f"(no log at {self.log_path})"
        return f"--- last lines of {self.log_path} ---\n" + "\n".join(text)


@dataclasses.dataclass(frozen=True)
class RestartPolicy:
    """When a crashed child is started again: after an exponential delay (capped); a child
    that keeps crashing soon after each start is given up on and reported instead."""

    first_delay: float = 0.5
    max_delay: float = 30.0
    max_crashes: int = 5  # consecutive early crashes before giving up
    stable_after: float = 60.0  # a child that ran this long had recovered: its count starts over

    def delay(self, crashes: int) -> float:
        return min(self.max_delay, self.first_delay * 2 ** max(0, crashes - 1))


@dataclasses.dataclass
class Lifecycle:
    """One child's restarts, as `netra status` reports them."""

    started_at: float
    restarts: int = 0
    crashes: int = 0  # consecutive early crashes
    last_exit_code: int | None = None
    last_exit_at: float | None = None
    restart_at: float | None = None  # waiting to be started again
    gave_up: bool = False

    def exited(self, code: int | None, now: float, policy: RestartPolicy) -> float | None:
        """Record an exit at `now` (monotonic); when to start again (None: give up)."""
        self.last_exit_code = code
        self.crashes = 1 if now - self.started_at >= policy.stable_after else self.crashes + 1
        if self.crashes > policy.max_crashes:
            self.gave_up, self.restart_at = True, None
            return None
        self.restart_at = now + policy.delay(self.crashes)
        return self.restart_at

    def restarted(self, now: float) -> None:
        self.restarts += 1
        self.started_at, self.restart_at = now, None

    def record(self) -> dict:
        return {
            "restarts": self.restarts,
            "last_exit_code": self.last_exit_code,
            "last_exit_at": self.last_exit_at,
            "gave_up": self.gave_up,
            "restarting": self.restart_at is not None,
        }
