"""The one declaration of Netra's wiring: topics, subscriptions, functions, services, secrets.

`topology.yaml` beside this module is read by the local launcher (to build the emulated
system) and by Terraform (`yamldecode`). Loading validates everything and reports every
problem at once, each prefixed with where it is (`subscriptions.x.topic: ...`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml  # at the top: no component loads the topology, only the launcher, scripts and tests

DEFAULT_PATH = Path(__file__).with_name("topology.yaml")
# Pub/Sub resource ids: 3-255 chars, start with a letter, no "goog" prefix.
_RESOURCE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$")
_SECRET_ID = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_COMPONENT = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
# `schedule`: an HTTP function only the scheduler calls (Cloud Scheduler with OIDC in GCP,
# the launcher's timer locally), at the cron expression in its `schedule`.
TRIGGERS = ("http", "pubsub", "schedule")
_CRON_FIELD = re.compile(r"^[0-9*,/-]+$")
LOCAL_SECRET_KINDS = ("token", "ec_p256_pem", "unset")
# What a component may touch; Terraform grants exactly these (least privilege).
DATASTORES = ("postgres", "redis", "firestore", "clickhouse")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


class TopologyError(ValueError):
    def __init__(self, problems: list[str], source: str = "topology"):
        self.problems = problems
        super().__init__(f"{source} is invalid:\n  - " + "\n  - ".join(problems))


@dataclasses.dataclass(frozen=True)
class Topic:
    name: str
    description: str


@dataclasses.dataclass(frozen=True)
class PushTarget:
    function: str | None
    service: str | None
    path: str

    @property
    def target(self) -> str:
        return self.function or self.service  # type: ignore[return-value]


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    minimum_backoff_seconds: int
    maximum_backoff_seconds: int


@dataclasses.dataclass(frozen=True)
class DeadLetter:
    topic: str
    max_delivery_attempts: int


@dataclasses.dataclass(frozen=True)
class Subscription:
    name: str
    topic: str
    push: PushTarget | None
    ack_deadline_seconds: int
    retry_policy: RetryPolicy
    dead_letter: DeadLetter | None


@dataclasses.dataclass(frozen=True)
class Function:
    name: str
    component: str
    entry_point: str
    trigger: str
    secrets: tuple[str, ...]
    timeout_seconds: int
    memory_mb: int
    publishes: tuple[str, ...] = ()
    # Requests one instance serves at once (GCP gives such an instance a whole CPU). The
    # usage consumer takes several, so deliveries that arrive together share one write.
    concurrency: int = 1
    uses: tuple[str, ...] = ()
    # Locally served by that HTTP function's process (embedded chDB opens its data path in
    # one process only); deployed, every function is its own service.
    local_host: str | None = None
    schedule: str | None = None  # cron (UTC) of a `schedule` function

    @property
    def serves_http(self) -> bool:
        """Called over plain HTTP (a browser, a machine or the scheduler), not by push."""
        return self.trigger in ("http", "schedule")


@dataclasses.dataclass(frozen=True)
class Service:
    name: str
    component: str
    secrets: tuple[str, ...]
    publishes: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Secret:
    name: str
    description: str
    local: str
    env: str | None = None  # set: deployed as this environment variable (configuration, e.g. a DSN)


@dataclasses.dataclass(frozen=True)
class Topology:
    topics: Mapping[str, Topic]
    subscriptions: Mapping[str, Subscription]
    functions: Mapping[str, Function]
    services: Mapping[str, Service]
    secrets: Mapping[str, Secret]

    def pushing_to(self, target: str) -> list[Subscription]:
        return [s for s in self.subscriptions.values() if s.push and s.push.target == target]


def load_topology(path: str | Path | None = None) -> Topology:
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise TopologyError([f"not valid YAML: {exc}"], str(path)) from None
    return parse_topology(document, source=str(path))


def parse_topology(document: Any, source: str = "topology") -> Topology:
    return _Parser(source).parse(document)


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def problem(self, where: str, text: str) -> None:
        self.problems.append(f"{where}: {text}")

    def section(self, document: Mapping, key: str) -> dict[str, Mapping]:
        raw = document.get(key) or {}
        if not isinstance(raw, Mapping):
            self.problem(key, "must be a mapping of name to settings")
            return {}
        out = {}
        for name, body in raw.items():
            body = {} if body is None else body
            if not isinstance(body, Mapping):
                self.problem(f"{key}.{name}", "must be a mapping")
                continue
            out[str(name)] = body
        return out

    def keys(self, where: str, body: Mapping, required: set[str], optional: set[str]) -> bool:
        unknown = sorted(set(body) - required - optional)
        missing = sorted(required - set(body))
        for key in unknown:
            self.problem(where, f"unknown key {key!r} (allowed: {', '.join(sorted(required | optional))})")
        for key in missing:
            self.problem(where, f"missing required key {key!r}")
        return not missing

    def integer(self, where: str, value: Any, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(where, f"must be an integer from {low} to {high}, got {value!r}")
            return low
        return value

    def string(self, where: str, value: Any, pattern: re.Pattern | None = None, what: str = "") -> str:
        if not isinstance(value, str) or (pattern and not pattern.match(value)):
            self.problem(where, f"{what or 'must be a string'}, got {value!r}")
            return str(value)
        return value

    def resource_id(self, where: str, name: str) -> None:
        if not _RESOURCE_ID.match(name) or name.lower().startswith("goog"):
            self.problem(
                where,
                f"{name!r} is not a valid Pub/Sub id (3-255 characters, starts with a letter, "
                "letters, digits and - _ . ~ + % only, not starting with 'goog')",
            )

    def parse(self, document: Any) -> Topology:
        if not isinstance(document, Mapping):
            raise TopologyError(["the document must be a mapping"], self.source)
        allowed = {"defaults", "topics", "subscriptions", "functions", "services", "secrets"}
        for key in sorted(set(document) - allowed):
            self.problem(str(key), f"unknown top-level key (allowed: {', '.join(sorted(allowed))})")
        self.defaults = self.parse_defaults(document.get("defaults"))
        secrets = {n: self.secret(n, b) for n, b in self.section(document, "secrets").items()}
        topics = {n: self.topic(n, b) for n, b in self.section(document, "topics").items()}
        functions = {n: self.function(n, b) for n, b in self.section(document, "functions").items()}
        services = {n: self.service(n, b) for n, b in self.section(document, "services").items()}
        subscriptions = {n: self.subscription(n, b) for n, b in self.section(document, "subscriptions").items()}
        self.cross_check(topics, subscriptions, functions, services, secrets)
        if self.problems:
            raise TopologyError(self.problems, self.source)
        return Topology(topics, subscriptions, functions, services, secrets)

    def parse_defaults(self, body: Any) -> dict:
        """The one place defaults live: this parser and Terraform both read them."""
        fallback = {
            "ack_deadline_seconds": 60,
            "minimum_backoff_seconds": 10,
            "maximum_backoff_seconds": 600,
            "timeout_seconds": 60,
            "memory_mb": 256,
        }
        if not isinstance(body, Mapping):
            self.problem("defaults", "missing: needs 'subscription' and 'function' defaults")
            return fallback
        self.keys("defaults", body, {"subscription", "function"}, set())
        sub = body.get("subscription") if isinstance(body.get("subscription"), Mapping) else {}
        fn = body.get("function") if isinstance(body.get("function"), Mapping) else {}
        self.keys("defaults.subscription", sub, {"ack_deadline_seconds", "retry_policy"}, set())
        self.keys("defaults.function", fn, {"timeout_seconds", "memory_mb"}, set())
        retry = sub.get("retry_policy") if isinstance(sub.get("retry_policy"), Mapping) else {}
        self.keys(
            "defaults.subscription.retry_policy", retry, {"minimum_backoff_seconds", "maximum_backoff_seconds"}, set()
        )
        return {
            "ack_deadline_seconds": self.integer(
                "defaults.subscription.ack_deadline_seconds", sub.get("ack_deadline_seconds", 60), 10, 600
            ),
            "minimum_backoff_seconds": self.integer(
                "defaults.subscription.retry_policy.minimum_backoff_seconds",
                retry.get("minimum_backoff_seconds", 10),
                0,
                600,
            ),
            "maximum_backoff_seconds": self.integer(
                "defaults.subscription.retry_policy.maximum_backoff_seconds",
                retry.get("maximum_backoff_seconds", 600),
                0,
                600,
            ),
            "timeout_seconds": self.integer(
                "defaults.function.timeout_seconds", fn.get("timeout_seconds", 60), 1, 3600
            ),
            "memory_mb": self.integer("defaults.function.memory_mb", fn.get("memory_mb", 256), 128, 32768),
        }

    def secret(self, name: str, body: Mapping) -> Secret:
        where = f"secrets.{name}"
        if not _SECRET_ID.match(name):
            self.problem(where, "secret ids are 1-255 letters, digits, - or _")
        self.keys(where, body, {"description"}, {"local", "env"})
        local = body.get("local", "token")
        if local not in LOCAL_SECRET_KINDS:
            self.problem(f"{where}.local", f"must be one of {', '.join(LOCAL_SECRET_KINDS)}, got {local!r}")
        env = body.get("env")
        if env is not None and not (isinstance(env, str) and _ENV_NAME.match(env)):
            self.problem(f"{where}.env", f"must be an environment variable name (A-Z, 0-9, _), got {env!r}")
        return Secret(name, str(body.get("description", "")), local, env)

    def topic(self, name: str, body: Mapping) -> Topic:
        self.resource_id(f"topics.{name}", name)
        self.keys(f"topics.{name}", body, set(), {"description"})
        return Topic(name, str(body.get("description", "")))

    def function(self, name: str, body: Mapping) -> Function:
        where = f"functions.{name}"
        if not _NAME.match(name):
            self.problem(where, "function names are lowercase letters, digits and -")
        self.keys(
            where,
            body,
            {"component", "entry_point", "trigger"},
            {"secrets", "timeout_seconds", "memory_mb", "concurrency", "publishes", "uses", "local_host", "schedule"},
        )
        trigger = body.get("trigger")
        if trigger is not None and trigger not in TRIGGERS:
            self.problem(f"{where}.trigger", f"must be one of {', '.join(TRIGGERS)}, got {trigger!r}")
        schedule = body.get("schedule")
        if (trigger == "schedule") != (schedule is not None):
            self.problem(f"{where}.schedule", "a function has a schedule exactly when its trigger is 'schedule'")
        elif schedule is not None and not (
            isinstance(schedule, str)
            and len(schedule.split()) == 5
            and all(_CRON_FIELD.match(f) for f in schedule.split())
        ):
            self.problem(f"{where}.schedule", f"must be a cron expression of five fields, got {schedule!r}")
        return Function(
            name=name,
            component=self.string(
                f"{where}.component", body.get("component", "x"), _COMPONENT, "must be a folder name under functions/"
            ),
            entry_point=self.string(
                f"{where}.entry_point",
                body.get("entry_point", "x"),
                re.compile(r"^[A-Za-z_]\w*$"),
                "must be a Python identifier",
            ),
            trigger=str(trigger),
            secrets=self.names(f"{where}.secrets", body.get("secrets", [])),
            timeout_seconds=self.integer(
                f"{where}.timeout_seconds", body.get("timeout_seconds", self.defaults["timeout_seconds"]), 1, 3600
            ),
            memory_mb=self.integer(f"{where}.memory_mb", body.get("memory_mb", self.defaults["memory_mb"]), 128, 32768),
            concurrency=self.integer(f"{where}.concurrency", body.get("concurrency", 1), 1, 1000),
            publishes=self.names(f"{where}.publishes", body.get("publishes", [])),
            uses=self.datastores(f"{where}.uses", body.get("uses", [])),
            local_host=body.get("local_host"),
            schedule=schedule if isinstance(schedule, str) else None,
        )

    def service(self, name: str, body: Mapping) -> Service:
        where = f"services.{name}"
        if not _NAME.match(name):
            self.problem(where, "service names are lowercase letters, digits and -")
        self.keys(where, body, {"component"}, {"secrets", "publishes", "uses"})
        return Service(
            name=name,
            component=self.string(
                f"{where}.component", body.get("component", "x"), _COMPONENT, "must be a folder name"
            ),
            secrets=self.names(f"{where}.secrets", body.get("secrets", [])),
            publishes=self.names(f"{where}.publishes", body.get("publishes", [])),
            uses=self.datastores(f"{where}.uses", body.get("uses", [])),
        )

    def datastores(self, where: str, value: Any) -> tuple[str, ...]:
        names = self.names(where, value)
        for name in names:
            if name not in DATASTORES:
                self.problem(where, f"unknown datastore {name!r} (one of {', '.join(DATASTORES)})")
        return names

    def names(self, where: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(where, "must be a list of names")
            return ()
        return tuple(value)

    def subscription(self, name: str, body: Mapping) -> Subscription:
        where = f"subscriptions.{name}"
        self.resource_id(where, name)
        self.keys(where, body, {"topic"}, {"push", "ack_deadline_seconds", "retry_policy", "dead_letter"})
        retry = body.get("retry_policy") or {}
        if isinstance(retry, Mapping):
            self.keys(f"{where}.retry_policy", retry, set(), {"minimum_backoff_seconds", "maximum_backoff_seconds"})
            policy = RetryPolicy(
                self.integer(
                    f"{where}.retry_policy.minimum_backoff_seconds",
                    retry.get("minimum_backoff_seconds", self.defaults["minimum_backoff_seconds"]),
                    0,
                    600,
                ),
                self.integer(
                    f"{where}.retry_policy.maximum_backoff_seconds",
                    retry.get("maximum_backoff_seconds", self.defaults["maximum_backoff_seconds"]),
                    0,
                    600,
                ),
            )
            if policy.minimum_backoff_seconds > policy.maximum_backoff_seconds:
                self.problem(f"{where}.retry_policy", "minimum_backoff_seconds exceeds maximum_backoff_seconds")
        else:
            self.problem(f"{where}.retry_policy", "must be a mapping")
            policy = RetryPolicy(self.defaults["minimum_backoff_seconds"], self.defaults["maximum_backoff_seconds"])
        return Subscription(
            name=name,
            topic=str(body.get("topic")),
            push=self.push(f"{where}.push", body.get("push")),
            ack_deadline_seconds=self.integer(
                f"{where}.ack_deadline_seconds",
                body.get("ack_deadline_seconds", self.defaults["ack_deadline_seconds"]),
                10,
                600,
            ),
            retry_policy=policy,
            dead_letter=self.dead_letter(f"{where}.dead_letter", body.get("dead_letter")),
        )

    def push(self, where: str, body: Any) -> PushTarget | None:
        if body is None:
            return None
        if not isinstance(body, Mapping):
            self.problem(where, "must be a mapping with 'function' or 'service'")
            return None
        self.keys(where, body, set(), {"function", "service", "path"})
        function, service = body.get("function"), body.get("service")
        if (function is None) == (service is None):
            self.problem(where, "needs exactly one of 'function' or 'service'")
        path = body.get("path", "/")
        if function is not None and "path" in body:
            self.problem(f"{where}.path", "only a service push takes a path (functions receive at their topic path)")
        if not isinstance(path, str) or not path.startswith("/"):
            self.problem(f"{where}.path", f"must start with '/', got {path!r}")
        return PushTarget(function, service, str(path))

    def dead_letter(self, where: str, body: Any) -> DeadLetter | None:
        if body is None:
            return None
        if not isinstance(body, Mapping):
            self.problem(where, "must be a mapping with 'topic' and 'max_delivery_attempts'")
            return None
        self.keys(where, body, {"topic", "max_delivery_attempts"}, set())
        # Pub/Sub allows 5-100 delivery attempts before dead-lettering.
        attempts = self.integer(f"{where}.max_delivery_attempts", body.get("max_delivery_attempts", 5), 5, 100)
        return DeadLetter(str(body.get("topic")), attempts)

    def cross_check(self, topics, subscriptions, functions, services, secrets) -> None:
        for name in sorted(set(functions) & set(services)):
            self.problem(f"services.{name}", "a function already has this name (names identify running processes)")
        for sub in subscriptions.values():
            where = f"subscriptions.{sub.name}"
            if sub.topic not in topics:
                self.problem(f"{where}.topic", f"unknown topic {sub.topic!r}")
            if sub.dead_letter:
                if sub.dead_letter.topic not in topics:
                    self.problem(f"{where}.dead_letter.topic", f"unknown topic {sub.dead_letter.topic!r}")
                elif sub.dead_letter.topic == sub.topic:
                    self.problem(f"{where}.dead_letter.topic", "must differ from the subscription's own topic")
            if sub.push and sub.push.function is not None:
                function = functions.get(sub.push.function)
                if function is None:
                    self.problem(f"{where}.push.function", f"unknown function {sub.push.function!r}")
                elif function.trigger != "pubsub":
                    self.problem(
                        f"{where}.push.function",
                        f"function {function.name!r} has trigger {function.trigger!r}, not 'pubsub'",
                    )
            if sub.push and sub.push.service is not None and sub.push.service not in services:
                self.problem(f"{where}.push.service", f"unknown service {sub.push.service!r}")
        for function in functions.values():
            if function.local_host is None:
                continue
            host = functions.get(function.local_host)
            if (
                host is None
                or host.trigger != "http"
                or function.trigger == "schedule"
                or host.component != function.component
                or host.local_host
            ):
                self.problem(
                    f"functions.{function.name}.local_host",
                    "must name an HTTP function of the same component that runs in its own process",
                )
        pushed = {s.push.function for s in subscriptions.values() if s.push and s.push.function}
        for function in functions.values():
            if function.trigger == "pubsub" and function.name not in pushed:
                self.problem(
                    f"functions.{function.name}.trigger", "a pubsub function needs a subscription that pushes to it"
                )
        for kind, owners in (("functions", functions), ("services", services)):
            for owner in owners.values():
                for secret in owner.secrets:
                    if secret not in secrets:
                        self.problem(f"{kind}.{owner.name}.secrets", f"unknown secret {secret!r}")
                for topic in owner.publishes:
                    if topic not in topics:
                        self.problem(f"{kind}.{owner.name}.publishes", f"unknown topic {topic!r}")
        for topic in topics.values():
            if not any(s.topic == topic.name for s in subscriptions.values()):
                self.problem(f"topics.{topic.name}", "no subscription reads this topic: its messages would be lost")
