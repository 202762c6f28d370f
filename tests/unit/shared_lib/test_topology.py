import copy

import pytest

from shared_lib.topology import TopologyError, load_topology, parse_topology

VALID = {
    "defaults": {
        "subscription": {
            "ack_deadline_seconds": 20,
            "retry_policy": {"minimum_backoff_seconds": 5, "maximum_backoff_seconds": 300},
        },
        "function": {"timeout_seconds": 90, "memory_mb": 512},
    },
    "topics": {"orders": {"description": "d"}, "orders-dead": {}},
    "subscriptions": {
        "orders-worker": {
            "topic": "orders",
            "push": {"function": "worker"},
            "ack_deadline_seconds": 30,
            "retry_policy": {"minimum_backoff_seconds": 1, "maximum_backoff_seconds": 60},
            "dead_letter": {"topic": "orders-dead", "max_delivery_attempts": 5},
        },
        "orders-dead-hold": {"topic": "orders-dead"},
    },
    "functions": {
        "worker": {"component": "orders", "entry_point": "work", "trigger": "pubsub", "secrets": ["api-key"]},
        "api": {"component": "orders", "entry_point": "api", "trigger": "http"},
    },
    "services": {"relay": {"component": "websocket_relay"}},
    "secrets": {"api-key": {"description": "k"}},
}


def with_change(change):
    document = copy.deepcopy(VALID)
    change(document)
    return document


def problems_of(document) -> list[str]:
    with pytest.raises(TopologyError) as caught:
        parse_topology(document)
    return caught.value.problems


def test_the_shipped_topology_is_valid_and_wires_every_agent():
    topology = load_topology()
    for agent in ("supervisor", "triage", "data", "optimization", "actions", "reporting"):
        assert topology.functions[agent].trigger == "pubsub"
        assert topology.pushing_to(agent), f"nothing pushes to {agent}"
    assert [s.name for s in topology.pushing_to("relay")] == ["relay-client-events"]
    assert topology.functions["auth"].trigger == "http"
    sweeper = topology.functions["sweeper"]  # fails stranded runs; called by the scheduler, over HTTP
    assert (sweeper.trigger, sweeper.schedule, sweeper.serves_http) == ("schedule", "* * * * *", True)


def test_a_valid_document_parses_into_typed_parts():
    topology = parse_topology(VALID)
    sub = topology.subscriptions["orders-worker"]
    assert sub.push.target == "worker" and sub.dead_letter.max_delivery_attempts == 5
    assert sub.retry_policy.maximum_backoff_seconds == 60
    hold = topology.subscriptions["orders-dead-hold"]
    assert hold.push is None
    # Unset values come from the document's own defaults section.
    assert (
        hold.ack_deadline_seconds,
        hold.retry_policy.minimum_backoff_seconds,
        hold.retry_policy.maximum_backoff_seconds,
    ) == (20, 5, 300)
    assert topology.functions["worker"].secrets == ("api-key",)
    assert (topology.functions["api"].timeout_seconds, topology.functions["api"].memory_mb) == (90, 512)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(extras={}), "extras: unknown top-level key"),
        (lambda d: d.pop("defaults"), "defaults: missing: needs 'subscription' and 'function' defaults"),
        (lambda d: d["defaults"]["function"].pop("memory_mb"), "defaults.function: missing required key 'memory_mb'"),
        (lambda d: d["topics"]["orders"].update(colour="red"), "topics.orders: unknown key 'colour'"),
        (lambda d: d["topics"].update(ab={}), "topics.ab: 'ab' is not a valid Pub/Sub id (3-255 characters"),
        (lambda d: d["topics"].update({"goog-x": {}}), "topics.goog-x: 'goog-x' is not a valid Pub/Sub id"),
        (
            lambda d: d["subscriptions"]["orders-worker"].update(topic="nope"),
            "subscriptions.orders-worker.topic: unknown topic 'nope'",
        ),
        (
            lambda d: d["subscriptions"]["orders-worker"]["push"].update(function="ghost"),
            "subscriptions.orders-worker.push.function: unknown function 'ghost'",
        ),
        (
            lambda d: d["subscriptions"]["orders-worker"].update(push={"service": "ghost"}),
            "subscriptions.orders-worker.push.service: unknown service 'ghost'",
        ),
        (
            lambda d: d["subscriptions"]["orders-worker"].update(push={"function": "worker", "service": "relay"}),
            "needs exactly one of 'function' or 'service'",
        ),
        (
            lambda d: d["subscriptions"]["orders-worker"]["push"].update(function="api"),
            "function 'api' has trigger 'http', not 'pubsub'",
        ),
        (
            lambda d: d["subscriptions"]["orders-worker"]["dead_letter"].update(topic="missing"),
            "dead_letter.topic: unknown topic 'missing'",
        ),
        (
            lambda d: d["subscriptions"]["orders-worker"]["dead_letter"].update(topic="orders"),
            "must differ from the subscription's own topic",
        ),
        (
            lambda d: d["subscriptions"]["orders-worker"]["dead_letter"].update(max_delivery_attempts=3),
            "max_delivery_attempts: must be an integer from 5 to 100, got 3",
        ),
        (
            lambda d: d["subscriptions"]["orders-worker"].update(ack_deadline_seconds=5),
            "ack_deadline_seconds: must be an integer from 10 to 600, got 5",
        ),
        (
            lambda d: d["subscriptions"]["orders-worker"]["retry_policy"].update(minimum_backoff_seconds=90),
            "minimum_backoff_seconds exceeds maximum_backoff_seconds",
        ),
        (
            lambda d: d["subscriptions"]["orders-worker"].pop("topic"),
            "subscriptions.orders-worker: missing required key 'topic'",
        ),
        (
            lambda d: d["functions"]["worker"].update(trigger="cron"),
            "functions.worker.trigger: must be one of http, pubsub, schedule, got 'cron'",
        ),
        (
            lambda d: d["functions"]["api"].update(trigger="schedule"),
            "functions.api.schedule: a function has a schedule exactly when its trigger is 'schedule'",
        ),
        (
            lambda d: d["functions"]["api"].update(schedule="* * * * *"),
            "functions.api.schedule: a function has a schedule exactly when",
        ),
        (
            lambda d: d["functions"]["api"].update(trigger="schedule", schedule="every minute"),
            "functions.api.schedule: must be a cron expression of five fields",
        ),
        (
            lambda d: d["functions"]["worker"].update(secrets=["nope"]),
            "functions.worker.secrets: unknown secret 'nope'",
        ),
        (
            lambda d: d["functions"]["worker"].update(entry_point="not valid"),
            "functions.worker.entry_point: must be a Python identifier",
        ),
        (
            lambda d: d["subscriptions"].pop("orders-worker"),
            "functions.worker.trigger: a pubsub function needs a subscription that pushes to it",
        ),
        (lambda d: d["subscriptions"].pop("orders-dead-hold"), "topics.orders-dead: no subscription reads this topic"),
        (
            lambda d: d["services"].update(worker={"component": "x"}),
            "services.worker: a function already has this name",
        ),
        (
            lambda d: d["secrets"]["api-key"].update(local="magic"),
            "secrets.api-key.local: must be one of token, ec_p256_pem, unset",
        ),
        (
            lambda d: d["secrets"]["api-key"].update(env="lower-case"),
            "secrets.api-key.env: must be an environment variable name",
        ),
        (
            lambda d: d["functions"]["worker"].update(uses=["mongodb"]),
            "functions.worker.uses: unknown datastore 'mongodb'",
        ),
        (
            lambda d: d["functions"]["worker"].update(publishes=["nowhere"]),
            "functions.worker.publishes: unknown topic 'nowhere'",
        ),
        (
            lambda d: d["services"]["relay"].update(publishes=["nowhere"]),
            "services.relay.publishes: unknown topic 'nowhere'",
        ),
        (
            lambda d: d["functions"]["worker"].update(local_host="ghost"),
            "functions.worker.local_host: must name an HTTP function of the same component",
        ),
        (
            lambda d: d["functions"]["worker"].update(local_host="worker"),
            "functions.worker.local_host: must name an HTTP function of the same component",
        ),
    ],
)
def test_each_bad_case_has_its_own_clear_message(change, expected):
    problems = problems_of(with_change(change))
    assert any(expected in p for p in problems), problems


def test_all_problems_are_listed_together():
    def change(d):
        d["topics"]["x"] = {}
        d["functions"]["worker"]["trigger"] = "cron"

    problems = problems_of(with_change(change))
    assert len(problems) >= 2


def test_a_file_that_is_not_yaml_says_so(tmp_path):
    path = tmp_path / "topology.yaml"
    path.write_text("topics: [unclosed")
    with pytest.raises(TopologyError, match="not valid YAML"):
        load_topology(path)
