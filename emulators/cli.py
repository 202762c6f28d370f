"""`netra`: run Netra's local platform (`up`, `status`, `env`, `down`)."""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from emulators.demo import DemoOptions, seed_demo
from emulators.platform import launcher
from emulators.platform.processes import pid_alive
from emulators.platform.workspace import REPO_ROOT, Workspace

DETACH_TIMEOUT = 240.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="netra", description="Run Netra's local platform on the GCP emulators.")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start every emulator, datastore, function and service")
    up.add_argument("--detach", action="store_true", help="return once everything is healthy; `netra down` stops it")
    up.add_argument(
        "--topology", type=Path, default=_env_path("NETRA_TOPOLOGY"), help="topology YAML (default: shared_lib's)"
    )
    up.add_argument(
        "--functions-dir",
        type=Path,
        action="append",
        dest="functions_dirs",
        help="folder of functions/<component>/main.py; repeatable, searched in order (default: functions/)",
    )
    up.add_argument(
        "--no-demo",
        action="store_true",
        help="do not add demo usage for the local developer (added when they have none)",
    )
    status = commands.add_parser("status", help="what runs, its state, pid and url")
    status.add_argument("--json", action="store_true")
    commands.add_parser("env", help="print the `export` lines a shell needs to reach the platform")
    commands.add_parser("down", help="stop everything `up` started")
    imports = commands.add_parser(
        "import",
        help="send an export file (OpenAI responses or Batch output, Anthropic "
        "Messages responses, LiteLLM or Langfuse JSON/CSV) to the running analytics",
    )
    imports.add_argument("file", type=Path)
    imports.add_argument(
        "--format",
        choices=["openai", "openai_batch", "litellm", "langfuse", "anthropic"],
        help="default: told by the records' shape",
    )
    imports.add_argument("--feature", help="feature tag for records that carry none")
    imports.add_argument("--timestamp", help="ISO 8601 time for records that carry none (bare Anthropic responses)")
    imports.add_argument(
        "--timezone",
        help="zone of times written without one: Europe/Berlin or +02:00 (default: UTC for LiteLLM, Langfuse, OpenAI)",
    )
    imports.add_argument(
        "--api-key",
        default=os.environ.get("NETRA_API_KEY"),
        help="an org API key (default: $NETRA_API_KEY; locally, a developer sign-in)",
    )
    demo = commands.add_parser(
        "seed-demo", help="send a month of synthetic usage for the local developer, with an answer key"
    )
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--days", type=int, default=30)
    demo.add_argument("--calls-per-day", type=int, default=_demo_calls_per_day())
    demo.add_argument("--email", help="whose usage (default: the local developer)")
    demo.add_argument("--if-empty", action="store_true", help="only when that user has no usage yet")
    demo.add_argument(
        "--answer-key", type=Path, help="where to write the answer key (default: .netra/demo/answer_key.json)"
    )
    args = parser.parse_args(argv)

    ws = Workspace.default()
    if args.command == "up":
        dirs = args.functions_dirs or _env_paths("NETRA_FUNCTIONS_DIRS") or [REPO_ROOT / "functions"]
        seed = (
            None
            if args.no_demo
            else DemoOptions(ws.answer_key_file, calls_per_day=_demo_calls_per_day(), only_if_empty=True)
        )
        options = launcher.PlatformOptions(ws, args.topology, tuple(dirs), demo=seed)
        if args.detach:
            return _up_detached(ws, argv if argv is not None else sys.argv[1:])
        return launcher.Supervisor(options).run()
    if args.command == "status":
        return _status(ws, args.json)
    if args.command == "env":
        return _env(ws)
    if args.command == "import":
        return _import(ws, args)
    if args.command == "seed-demo":
        options = DemoOptions(
            args.answer_key or ws.answer_key_file, args.email, args.seed, args.days, args.calls_per_day, args.if_empty
        )
        return 0 if seed_demo(ws.discovered_url, options) is not None or args.if_empty else 1
    return _down(ws)


def _demo_calls_per_day() -> int:
    # A smaller demo month for quick starts and tests.
    return int(os.environ.get("NETRA_DEMO_CALLS_PER_DAY", "3000"))


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _env_paths(name: str) -> list[Path]:
    return [Path(p) for p in os.environ.get(name, "").split(os.pathsep) if p]


def _up_detached(ws: Workspace, argv: list[str]) -> int:
    if _lock_held(ws):
        state = ws.read_state() or {}
        print(
            f"netra: a platform is already running (pid {state.get('supervisor_pid', '?')}); `netra down` stops it",
            file=sys.stderr,
        )
        return 1
    ws.run_dir.mkdir(parents=True, exist_ok=True)
    log_path = ws.run_dir / "netra.log"
    foreground = [a for a in argv if a != "--detach"]
    with open(log_path, "wb") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "emulators.cli", *foreground],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + DETACH_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            print(
                f"netra: the platform did not start (exit {child.returncode}):\n{log_path.read_text()}", file=sys.stderr
            )
            return 1
        state = ws.read_state()
        if state and state.get("ready") and state.get("supervisor_pid") == child.pid:
            print(log_path.read_text().strip())
            print(f"\nRunning in the background (supervisor pid {child.pid}); log: {log_path}")
            return 0
        time.sleep(0.2)
    launcher.down(ws)
    print(
        f"netra: the platform was not ready after {DETACH_TIMEOUT:.0f} s; stopped it. Log: {log_path}", file=sys.stderr
    )
    return 1


def _lock_held(ws: Workspace) -> bool:
    path = ws.run_dir / "lock"
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock we may have taken
    return False


def _status(ws: Workspace, as_json: bool) -> int:
    report = launcher.status(ws)
    if as_json:
        print(json.dumps(report, indent=2))
        return 0 if report["running"] else 1
    if not report["running"]:
        print(f"netra: not running (run folder {report['run_dir']})")
        return 1
    print(f"run folder: {report['run_dir']}  (supervisor pid {report['supervisor_pid']})")
    width = max((len(s["name"]) for s in report["services"]), default=10)
    for service in report["services"]:
        line = f"  {service['name']:<{width}}  {service['state']:<10}  pid {service['pid']:<7}  {service['url']}"
        if service.get("restarts") or service.get("last_exit_code") is not None:
            when = (
                time.strftime("%H:%M:%S", time.localtime(service["last_exit_at"]))
                if service.get("last_exit_at")
                else "?"
            )
            line += f"  (restarts {service.get('restarts', 0)}, last exit {service.get('last_exit_code')} at {when})"
        if service.get("reason"):
            line += f"  ({service['reason']})"
        print(line)
    print(f"logs: {Path(report['run_dir']) / 'logs'}")
    return 0


def _env(ws: Workspace) -> int:
    state = ws.read_state()
    if not state or not pid_alive(int(state.get("supervisor_pid", 0) or 0)):
        print("netra: not running; start it with `netra up`", file=sys.stderr)
        return 1
    for name, value in sorted(state.get("env", {}).items()):
        print(f"export {name}={shlex.quote(value)}")
    return 0


def _import(ws: Workspace, args, http=None) -> int:
    """Sends the file and prints the answer; `http`: the client to send with (a test's fake upstream)."""
    import httpx  # heavy: kept off the start of every `netra` command

    if http is None:
        with httpx.Client(timeout=120) as client:
            return _import(ws, args, client)
    if not args.file.is_file():
        print(f"netra: no file {args.file}", file=sys.stderr)
        return 1
    credential = args.api_key
    if not credential:
        signed_in = http.post(f"{ws.discovered_url('auth')}/auth/dev/login", json={}, timeout=30)
        signed_in.raise_for_status()
        credential = signed_in.json()["access_token"]
    params = {
        name: value
        for name, value in (
            ("format", args.format),
            ("feature", args.feature),
            ("timestamp", args.timestamp),
            ("timezone", args.timezone),
        )
        if value
    }
    with open(args.file, "rb") as upload:
        answer = http.post(
            f"{ws.discovered_url('analytics')}/api/usage/import",
            params=params,
            headers={"Authorization": f"Bearer {credential}"},
            files={"file": (args.file.name, upload)},
        )
    body = answer.json()
    if answer.status_code != 200:
        print(f"netra: import refused: {body['error']['message']}", file=sys.stderr)
        return 1
    # Duplicates: events whose id was already stored (re-sent; a re-send replaces).
    rejected = body.get("rejected_count", len(body["rejected"]))
    print(f"accepted {body['accepted']} events, {body.get('duplicates', 0)} duplicates, rejected {rejected}")
    groups = body.get("error_groups", [])
    for group in groups:
        print(f"  {_error_group(group)}")
    unlisted = body.get("rejected_count", 0) - sum(group["count"] for group in groups)
    if unlisted > 0:  # the answer lists the most common errors only
        print(f"  {unlisted} more records with other errors")
    for note in body.get("notes", []):
        print(f"  note: {note}")
    # Duplicates were queued again (a re-send replaces): a file imported twice is no failure.
    if body["accepted"] + body.get("duplicates", 0) == 0:
        print(f"netra: nothing was imported: all {rejected} records were rejected", file=sys.stderr)
        return 2
    return 0


def _error_group(group: dict) -> str:
    # Records counted from 1, as a person counts a file's (the API's indexes are the list's, from 0).
    records = ", ".join(str(index + 1) for index in group["first_records"])
    if group["count"] == 1:
        return f"record {records}: {group['error']}"
    more = ", …" if group["count"] > len(group["first_records"]) else ""
    return f"{group['count']} records: {group['error']} (records {records}{more})"


def _down(ws: Workspace) -> int:
    if not launcher.down(ws):
        print("netra: nothing to stop")
        return 0
    print("netra: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
