"""`netra up` / `status` / `env` / `down`: the whole local platform from the one topology.

`up` runs as a supervisor process that owns every child (each in its own process group),
holds a lock so that a second `up` refuses to start, records what it started in
`.netra/run/state.json`, and on SIGINT/SIGTERM stops everything in reverse order.
While it runs, a watcher restarts a crashed child with backoff (rewiring Pub/Sub when its
emulator comes back empty), gives up on one that keeps crashing, and calls each
`schedule` function on a timer (`NETRA_SCHEDULE_SECONDS`, the local Cloud Scheduler).

The Pub/Sub client factories and the OAuth emulator's module are imported where `up` uses them:
every `netra` command imports this module, and its start stays as it was.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from emulators.demo import DemoOptions, seed_demo
from emulators.platform import datastores, gcloud, health
from emulators.platform.local_secrets import ensure_local_secrets
from emulators.platform.processes import (
    Lifecycle,
    ManagedProcess,
    RestartPolicy,
    StartFailed,
    free_ports,
    pid_alive,
    stop_group,
)
from emulators.platform.pubsub_wiring import create_subscriptions, create_topics
from emulators.platform.workspace import REPO_ROOT, Workspace
from shared_lib.config import LOCAL_PROJECT_ID, load_settings
from shared_lib.topology import Function, Service, Topology, load_topology

EMULATOR_TIMEOUT = 90.0
COMPONENT_TIMEOUT = 60.0
SCHEDULE_SECONDS = 60.0  # Cloud Scheduler's finest period; NETRA_SCHEDULE_SECONDS shortens it locally
WATCH_SECONDS = 0.2


class AlreadyRunning(RuntimeError):
    pass


@dataclasses.dataclass
class Started:
    name: str
    kind: str  # emulator | datastore | function | service
    process: ManagedProcess
    host: str
    port: int | None
    url: str
    probe: dict
    lifecycle: Lifecycle = dataclasses.field(default_factory=lambda: Lifecycle(time.monotonic()))

    def record(self) -> dict:
        return {
            **self.lifecycle.record(),
            "name": self.name,
            "kind": self.kind,
            "pid": self.process.pid,
            "pgid": self.process.pid,
            "host": self.host,
            "port": self.port,
            "url": self.url,
            "log": str(self.process.log_path),
            "probe": self.probe,
            "detached_pids": list(self.process.detached_pids),
        }


@dataclasses.dataclass(frozen=True)
class PlatformOptions:
    workspace: Workspace
    topology_path: Path | None = None
    # Folders holding functions/<component>/main.py, searched in order (tests put fixtures first).
    functions_dirs: tuple[Path, ...] = (REPO_ROOT / "functions",)
    services_dir: Path = REPO_ROOT
    project: str = LOCAL_PROJECT_ID
    # Demo usage for the local developer, sent once everything runs when they have none.
    demo: DemoOptions | None = None
    restart: RestartPolicy = RestartPolicy()


class Supervisor:
    """Starts, watches and stops one local platform; lives as long as `netra up`."""

    def __init__(
        self, options: PlatformOptions, environ: Mapping[str, str] | None = None, say: Callable[[str], None] = print
    ):
        self.options = options
        self.ws = options.workspace
        self.environ = dict(os.environ if environ is None else environ)
        self.say = say
        self.started: list[Started] = []
        self.notes: list[str] = []
        self.oauth_url: str | None = None
        self.component_ports: dict[str, int] = {}
        self.child_env: dict[str, str] = {}
        self._lock_fd: int | None = None
        self._stop = threading.Event()
        self._halt = threading.Event()  # ends the watcher
        self._watcher: threading.Thread | None = None
        self._topology: Topology | None = None
        self._running: dict[str, str] = {}
        self._push_token: str | None = None
        self._rewire = False
        self._state_lock = threading.Lock()

    # --- lifecycle ------------------------------------------------------------------

    def run(self) -> int:
        """Start everything, then wait for a signal; returns the exit code."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self._stop.set())
        try:
            self.start()
        except AlreadyRunning as exc:
            self.say(f"netra: {exc}")
            return 1
        except (gcloud.PrerequisiteMissing, StartFailed, OSError, ValueError) as exc:
            self.say(f"netra: could not start the platform:\n{exc}")
            self.stop()
            return 1
        except BaseException:
            # Whatever went wrong, nothing we started may outlive us.
            self.stop()
            raise
        if self._stop.is_set():
            self.stop()
            return 0
        self.say(self.summary())
        if self.options.demo is not None:
            threading.Thread(target=self._seed_demo, name="seed-demo", daemon=True).start()
        while not self._stop.wait(0.5):  # the watcher does the work; a timed wait stays responsive to signals
            pass
        self.say("netra: stopping…")
        self.stop()
        self.say("netra: stopped")
        return 0

    def _seed_demo(self) -> None:
        try:
            seed_demo(self.ws.discovered_url, self.options.demo, self.say)
        except Exception as exc:  # noqa: BLE001 - the platform runs on without demo data
            self.say(f"netra: demo data not added: {exc}")

    def start(self) -> None:
        self._take_lock()
        topology = load_topology(self.options.topology_path)
        emulators = gcloud.find_emulators()  # before anything starts: a missing SDK starts nothing
        self.ws.logs_dir.mkdir(parents=True, exist_ok=True)
        self._write_state(ready=False)

        secrets_file = self.ws.secrets_file
        local_secrets = ensure_local_secrets(self.ws, topology)
        self._start_emulators(emulators, secrets_file)
        self._resolve_datastores()
        self._write_state(ready=False)

        from shared_lib.clients.pubsub import publisher_client, subscriber_client

        settings = load_settings({**self.child_env, "NETRA_ENV": "local"})
        create_topics(publisher_client(settings), topology, self.options.project)
        running = self._start_components(topology)
        # Locally a service authenticates pushes by a shared token (Pub/Sub's OIDC in GCP).
        self._topology, self._running, self._push_token = topology, running, local_secrets.get("relay-push-token")
        skipped = create_subscriptions(
            subscriber_client(settings), topology, self.options.project, running, self._push_token
        )
        if skipped:
            self.notes.append("push subscriptions waiting for components not built yet: " + ", ".join(skipped))
        for item in self.started:
            if item.port is not None:
                self.ws.write_discovery(item.name, item.host, item.port, item.url)
        self._write_state(ready=True)
        self.watch()

    def stop(self) -> None:
        self._halt.set()  # first: nothing may be restarted while everything stops
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(timeout=30)
        for item in reversed(self.started):
            item.process.stop()
        self.ws.clear_discovery(item.name for item in self.started)
        self.started.clear()
        self.ws.state_file.unlink(missing_ok=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- steps ----------------------------------------------------------------------

    def _take_lock(self) -> None:
        self.ws.run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.ws.run_dir / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            state = self.ws.read_state() or {}
            raise AlreadyRunning(
                f"a platform is already running (pid {state.get('supervisor_pid', '?')}, run folder {self.ws.run_dir}); "
                "`netra status` shows it, `netra down` stops it"
            ) from None
        self._lock_fd = fd

    def _launch(
        self, name: str, kind: str, argv: list[str], port: int | None, url: str, probe: dict, env=None, cwd=None
    ) -> Started:
        process = ManagedProcess(name, argv, self.ws.logs_dir / f"{name}.log", env=env, cwd=cwd).start()
        item = Started(name, kind, process, "127.0.0.1", port, url, probe)
        self.started.append(item)
        return item

    def _start_emulators(self, emulators: gcloud.GcloudEmulators, secrets_file: Path) -> None:
        java_env = dict(self.environ)
        if emulators.java_home:
            java_env["PATH"] = f"{emulators.java_home / 'bin'}:{java_env.get('PATH', '')}"
        names = ("pubsub-emulator", "firestore-emulator", "secretmanager-emulator", "oauth-emulator", "llm-emulator")
        ports = dict(zip(names, free_ports(len(names)), strict=False))
        launched = [
            self._launch(
                "pubsub-emulator",
                "emulator",
                [str(emulators.pubsub), "--host=127.0.0.1", f"--port={ports['pubsub-emulator']}"],
                ports["pubsub-emulator"],
                f"http://127.0.0.1:{ports['pubsub-emulator']}",
                {"type": "http", "path": "/", "expect": 200},
                env=java_env,
            ),
            self._launch(
                "firestore-emulator",
                "emulator",
                [str(emulators.firestore), "start", "--host=127.0.0.1", f"--port={ports['firestore-emulator']}"],
                ports["firestore-emulator"],
                f"http://127.0.0.1:{ports['firestore-emulator']}",
                {"type": "http", "path": "/", "expect": 200},
                env=java_env,
            ),
            self._launch(
                "secretmanager-emulator",
                "emulator",
                [
                    sys.executable,
                    "-m",
                    "emulators.secretmanager",
                    "--port",
                    str(ports["secretmanager-emulator"]),
                    "--project",
                    self.options.project,
                    "--seed",
                    str(secrets_file),
                ],
                ports["secretmanager-emulator"],
                f"grpc://127.0.0.1:{ports['secretmanager-emulator']}",
                {"type": "tcp"},
            ),
            self._launch(
                "oauth-emulator",
                "emulator",
                [
                    sys.executable,
                    "-m",
                    "emulators.oauth",
                    "--port",
                    str(ports["oauth-emulator"]),
                    "--secrets-file",
                    str(secrets_file),
                ],
                ports["oauth-emulator"],
                f"http://127.0.0.1:{ports['oauth-emulator']}",
                {"type": "http", "path": "/health", "expect": 200},
            ),
            self._launch(
                "llm-emulator",
                "emulator",
                [sys.executable, "-m", "emulators.llm", "--port", str(ports["llm-emulator"])],
                ports["llm-emulator"],
                f"http://127.0.0.1:{ports['llm-emulator']}",
                {"type": "http", "path": "/health", "expect": 200},
            ),
        ]
        for item in launched:
            item.process.wait_until(lambda item=item: health.probe(item.record()), EMULATOR_TIMEOUT)
        self.child_env.update(
            {
                "NETRA_ENV": "local",
                "NETRA_PROJECT_ID": self.options.project,
                "PUBSUB_EMULATOR_HOST": f"127.0.0.1:{ports['pubsub-emulator']}",
                "FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{ports['firestore-emulator']}",
                "SECRET_MANAGER_EMULATOR_HOST": f"127.0.0.1:{ports['secretmanager-emulator']}",
                # Providers without a key configured are served by the LLM emulator.
                "LLM_EMULATOR_URL": f"http://127.0.0.1:{ports['llm-emulator']}",
            }
        )
        self.oauth_url = f"http://127.0.0.1:{ports['oauth-emulator']}"

    def _resolve_datastores(self) -> None:
        for resolve, variable in (
            (datastores.resolve_postgres, "DATABASE_URL"),
            (datastores.resolve_redis, "REDIS_URL"),
            (datastores.resolve_clickhouse, "CLICKHOUSE_DSN"),
        ):
            store = resolve(self.ws, self.environ)
            self.child_env[variable] = store.url
            if store.process is not None:
                item = Started(
                    store.name, "datastore", store.process, "127.0.0.1", None, store.url, {"type": "process"}
                )
                self.started.append(item)
            elif store.name == "clickhouse" and store.origin == "embedded":
                self.notes.append(f"clickhouse: embedded chDB at {store.url} (opened by the analytics functions)")
            else:
                self.notes.append(f"{store.name}: using the {store.origin} server at {store.url}")

    def _start_components(self, topology: Topology) -> dict[str, str]:
        functions = [
            (f, source)
            for f in topology.functions.values()
            if not f.local_host and (source := self._source(f.component))
        ]
        services = [
            (s, self.options.services_dir / s.component / "main.py")
            for s in topology.services.values()
            if (self.options.services_dir / s.component / "main.py").is_file()
        ]
        # Ports first: components find each other (AUTH_URL, the relay's page) before any starts.
        # A function serves a private port; its own is the front end's (Cloud Run's, locally).
        components = [component.name for component, _ in [*functions, *services]]
        chosen = free_ports(len(components) + len(functions) + 1)
        ports = dict(zip(components, chosen, strict=False))
        backends = dict(zip((f.name for f, _ in functions), chosen[len(components) : -1], strict=True))
        self.component_ports = ports
        if "auth" in ports:
            self.child_env["AUTH_URL"] = f"http://127.0.0.1:{ports['auth']}"
        if "analytics" in ports:
            self.child_env["ANALYTICS_URL"] = f"http://127.0.0.1:{ports['analytics']}"
        if "relay" in ports:
            # The web chat is served by the relay: the APIs must accept calls from its page.
            self.child_env["CORS_ALLOWED_ORIGINS"] = ",".join(self._relay_origins())
        env = {**self.environ, **self.child_env, "PYTHONUNBUFFERED": "1"}
        routes = {ports[name]: port for name, port in backends.items()}
        front = self._launch_front_end(routes, chosen[-1]) if routes else None
        launched = [self._launch_function(f, source, env, ports[f.name], backends[f.name]) for f, source in functions]
        launched += [self._launch_service(s, source, env, ports[s.name]) for s, source in services]
        built = {item.name for item in launched} | {
            f.name for f in topology.functions.values() if f.local_host in ports
        }
        absent = [n for n in [*topology.functions, *topology.services] if n not in built]
        if absent:
            self.notes.append("not built yet, not started: " + ", ".join(absent))
        for item in [*([front] if front else []), *launched]:
            item.process.wait_until(lambda item=item: self._serving(item, front), COMPONENT_TIMEOUT)
        running = {item.name: item.url for item in launched}
        # A function hosted by another's process is reached at that process's URL.
        running.update({f.name: running[f.local_host] for f in topology.functions.values() if f.local_host in running})
        return running

    @staticmethod
    def _serving(item: Started, front: Started | None) -> bool:
        if front is not None and item.kind == "function" and not front.process.running():
            code = front.process.popen.returncode
            raise StartFailed(f"front-end exited with code {code}\n{front.process.log_tail()}")
        return health.probe(item.record())

    def _source(self, component: str) -> Path | None:
        for folder in self.options.functions_dirs:
            if (folder / component / "main.py").is_file():
                return folder / component / "main.py"
        return None

    def _relay_origins(self) -> list[str]:
        port = self.component_ports["relay"]
        return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]

    def _component_env(self, name: str, env: dict) -> dict:
        """Settings a component needs from the local platform beyond the shared ones."""
        if name == "relay":
            chat = self.component_ports.get("chat")
            return {
                **env,
                "RELAY_ALLOWED_ORIGINS": ",".join(self._relay_origins()),
                **({"CHAT_URL": f"http://127.0.0.1:{chat}"} if chat else {}),
            }
        if name != "auth":
            return env
        # flask, PyJWT and cryptography come with it: ~80 ms.
        from emulators.oauth.server import LOCAL_CLIENT_IDS

        oauth = self.oauth_url
        allowlist = [url for url in env.get("AUTH_REDIRECT_ALLOWLIST", "").split(",") if url]
        if "relay" in self.component_ports:
            allowlist += [origin + "/" for origin in self._relay_origins()]
        return {
            **env,
            "AUTH_REDIRECT_ALLOWLIST": ",".join(allowlist),
            "OAUTH_GOOGLE_CLIENT_ID": LOCAL_CLIENT_IDS["google"],
            "OAUTH_GOOGLE_DISCOVERY_URL": f"{oauth}/google/.well-known/openid-configuration",
            "OAUTH_GITHUB_CLIENT_ID": LOCAL_CLIENT_IDS["github"],
            "OAUTH_GITHUB_AUTHORIZE_URL": f"{oauth}/github/login/oauth/authorize",
            "OAUTH_GITHUB_TOKEN_URL": f"{oauth}/github/login/oauth/access_token",
            "OAUTH_GITHUB_API_URL": f"{oauth}/github/api",
        }

    def _launch_front_end(self, routes: dict[int, int], port: int) -> Started:
        """One process in front of every function, as Google's front end is deployed: it reads
        each request whole before the function sees it (ADR 0015). Started before the functions
        (its ~0.1 s of CPU is paid once, not in each function's cold start) and stopped after
        them; `port` is its own, where it answers /health."""
        argv = [sys.executable, "-m", "emulators.front_end", "--host", "127.0.0.1", "--health-port", str(port)]
        argv += [f"--route={public}:{backend}" for public, backend in routes.items()]
        probe = {"type": "http", "path": "/health", "expect": 200}
        return self._launch("front-end", "emulator", argv, port, f"http://127.0.0.1:{port}", probe)

    def _launch_function(self, function: Function, source: Path, env: dict, port: int, backend_port: int) -> Started:
        """Serves `backend_port` with functions-framework, as deployed; `port`, where it is
        reached and probed, is the front end's."""
        signature = "http" if function.serves_http else "cloudevent"
        argv = [
            sys.executable,
            "-m",
            "functions_framework",
            "--target",
            function.entry_point,
            "--source",
            str(source),
            "--signature-type",
            signature,
            "--host",
            "127.0.0.1",
            "--port",
            str(backend_port),
        ]
        # An HTTP function answers /health; a CloudEvent function only answers POST, so
        # any HTTP answer below 500 proves it is serving.
        probe = (
            {"type": "http", "path": "/health", "expect": 200}
            if signature == "http"
            else {"type": "http", "path": "/", "expect": "<500"}
        )
        if function.trigger == "schedule":
            probe["schedule"] = function.schedule
        function_env = {
            **self._component_env(function.name, env),
            "K_SERVICE": function.name,
            "FUNCTION_TARGET": function.entry_point,
        }
        return self._launch(
            function.name,
            "function",
            argv,
            port,
            f"http://127.0.0.1:{port}",
            probe,
            env=function_env,
            cwd=source.parent,
        )

    def _launch_service(self, service: Service, source: Path, env: dict, port: int) -> Started:
        service_env = {**self._component_env(service.name, env), "PORT": str(port), "K_SERVICE": service.name}
        return self._launch(
            service.name,
            "service",
            [sys.executable, str(source)],
            port,
            f"http://127.0.0.1:{port}",
            {"type": "http", "path": "/health", "expect": 200},
            env=service_env,
            cwd=source.parent,
        )

    # --- watching -------------------------------------------------------------------

    def watch(self) -> None:
        """Start the watcher over what was started (`stop` ends it)."""
        self._watcher = threading.Thread(target=self._watch, name="netra-watcher", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        """Restart what crashed, rewire a restarted Pub/Sub emulator, call scheduled functions."""
        every = float(self.environ.get("NETRA_SCHEDULE_SECONDS") or SCHEDULE_SECONDS)
        next_call = {item.name: time.monotonic() + every for item in self.started if "schedule" in item.probe}
        calls: dict[str, threading.Thread] = {}
        while not self._halt.wait(WATCH_SECONDS):
            try:
                for item in list(self.started):
                    self._supervise(item)
                if self._rewire:
                    self._rewire_pubsub()
                for item in self.started:
                    busy = calls.get(item.name)
                    if (
                        item.name in next_call
                        and time.monotonic() >= next_call[item.name]
                        and not (busy and busy.is_alive())
                    ):
                        next_call[item.name] = time.monotonic() + every
                        calls[item.name] = threading.Thread(target=self._call_scheduled, args=(item,), daemon=True)
                        calls[item.name].start()
            except Exception as exc:  # noqa: BLE001 - the watcher must outlive any one failure
                self.say(f"netra: watcher: {exc!r}")

    def _supervise(self, item: Started) -> None:
        life, process, now = item.lifecycle, item.process, time.monotonic()
        if life.gave_up or self._halt.is_set():
            return
        if life.restart_at is None:
            if process.running():
                return
            if item.kind != "datastore":
                process.stop(timeout=2)  # what the child left in its group (workers, a JVM) goes with it
            code = process.popen.returncode if process.popen else None
            if item.kind == "datastore":  # may have left a daemonised server running: reported only
                life.gave_up, life.last_exit_code = True, code
                self.say(f"netra: {item.name} exited with code {code}; log: {process.log_path}")
            elif (at := life.exited(code, now, self.options.restart)) is None:
                self.say(
                    f"netra: {item.name} exited with code {code} after {life.crashes - 1} restarts in a row; "
                    f"not restarting it. Log: {process.log_path}"
                )
            else:
                self.say(f"netra: {item.name} exited with code {code}; restarting in {at - now:.1f} s")
            life.last_exit_at = time.time()
            self._write_state(ready=True)
        elif now >= life.restart_at:
            process.start()
            life.restarted(now)
            if item.name == "pubsub-emulator":
                self._rewire = True  # a new emulator holds no topics or subscriptions
            self._write_state(ready=True)

    def _rewire_pubsub(self) -> None:
        item = next(i for i in self.started if i.name == "pubsub-emulator")
        if not item.process.running() or not health.probe(item.record()):
            return
        from shared_lib.clients.pubsub import publisher_client, subscriber_client

        settings = load_settings({**self.child_env, "NETRA_ENV": "local"})
        create_topics(publisher_client(settings), self._topology, self.options.project)
        create_subscriptions(
            subscriber_client(settings), self._topology, self.options.project, self._running, self._push_token
        )
        self._rewire = False
        self.say("netra: pubsub-emulator is back; topics and subscriptions created again")

    def _call_scheduled(self, item: Started) -> None:
        # Authenticated as a push is (Cloud Scheduler's OIDC token in GCP); the URL holds
        # the token, so only the name is ever said.
        query = f"?{urllib.parse.urlencode({'token': self._push_token})}" if self._push_token else ""
        request = urllib.request.Request(
            item.url + query, data=b"{}", method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=120):
                pass
        except urllib.error.HTTPError as exc:
            self.say(f"netra: scheduled call of {item.name} failed: HTTP {exc.code}")
        except (urllib.error.URLError, OSError) as exc:
            self.say(f"netra: scheduled call of {item.name} failed: {exc}")

    # --- reporting ------------------------------------------------------------------

    def _write_state(self, ready: bool) -> None:
        with self._state_lock:
            self._write_state_locked(ready)

    def _write_state_locked(self, ready: bool) -> None:
        self.ws.write_state(
            {
                "supervisor_pid": os.getpid(),
                "ready": ready,
                "run_dir": str(self.ws.run_dir),
                "started_at": time.time(),
                "env": self.child_env,
                "notes": self.notes,
                "services": [item.record() for item in self.started],
            }
        )

    def summary(self) -> str:
        width = max(len(item.name) for item in self.started) if self.started else 10
        lines = ["Netra local platform is up.", ""]
        for item in self.started:
            lines.append(f"  {item.name:<{width}}  {item.url}")
        lines += ["", *(f"  note: {note}" for note in self.notes)]
        lines += [
            f"  logs: {self.ws.logs_dir}",
            "",
            "`netra env` prints the exports for a shell; Ctrl-C stops everything.",
        ]
        return "\n".join(lines)


def status(ws: Workspace) -> dict:
    """What the state file says was started, checked live (pid and probe)."""
    state = ws.read_state()
    if state is None or not pid_alive(int(state.get("supervisor_pid", 0) or 0)):
        return {"run_dir": str(ws.run_dir), "running": False, "services": []}
    services = []
    for record in state.get("services", []):
        reason = None
        if record.get("gave_up"):
            current = "crashed"  # kept crashing: reported, not restarted
        elif record.get("restarting"):
            current = "restarting"
        elif not pid_alive(record["pid"]):
            current = "exited"
        elif not state.get("ready"):
            current = "starting"
        else:
            checked = health.check(record)
            current, reason = ("healthy" if checked.ok else "unhealthy"), checked.reason
        services.append(
            {
                "name": record["name"],
                "state": current,
                "reason": reason,  # why it is unhealthy
                "pid": record["pid"],
                "url": record["url"],
                "log": record["log"],
                "restarts": record.get("restarts", 0),
                "last_exit_code": record.get("last_exit_code"),
                "last_exit_at": record.get("last_exit_at"),
            }
        )
    return {
        "run_dir": state.get("run_dir", str(ws.run_dir)),
        "running": True,
        "ready": bool(state.get("ready")),
        "supervisor_pid": state["supervisor_pid"],
        "services": services,
    }


def down(ws: Workspace, timeout: float = 60.0) -> bool:
    """Stop the supervisor (which stops its children); then make sure no child survived."""
    state = ws.read_state()
    if state is None:
        return False
    pid = int(state.get("supervisor_pid", 0) or 0)
    if pid and pid_alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    # A supervisor killed with SIGKILL cannot clean up: stop what it recorded.
    for record in state.get("services", []):
        for pgid in (record["pgid"], *record.get("detached_pids", [])):
            stop_group(pgid, timeout=10)
    ws.clear_discovery(record["name"] for record in state.get("services", []))
    ws.state_file.unlink(missing_ok=True)
    return True
