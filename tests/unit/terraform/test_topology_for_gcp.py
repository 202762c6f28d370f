"""What the topology must say for GCP to behave like the emulators (which enforce neither IAM
nor push timeouts): every topic the code publishes to is granted to its component, and every
push subscription waits at least as long as the function it pushes to may run."""

from __future__ import annotations

import dataclasses

import pytest

from shared_lib.topology import Topology, load_topology
from tests.unit.terraform.publishes import publishes

TOPOLOGY = load_topology()


def ungranted(topology: Topology) -> list[str]:
    """Topics a component's code publishes to that none of its functions/services is granted.
    (Per component: the agents share one codebase; a single-function component is exact.)"""
    granted: dict[str, set[str]] = {}
    for entry in [*topology.functions.values(), *topology.services.values()]:
        granted.setdefault(entry.component, set()).update(entry.publishes)
    problems = []
    for component, topics in sorted(granted.items()):
        for publish in publishes(component):
            if publish.topic not in topics:
                problems.append(f"{component} publishes to {publish.topic} ({publish.where}) but is not granted it")
    return problems


def short_ack_deadlines(topology: Topology) -> list[str]:
    """For a push subscription the ack deadline is the push request's timeout: shorter than the
    function's timeout, a slow but successful run is cut off, redelivered and run twice."""
    problems = []
    for sub in topology.subscriptions.values():
        if sub.push and sub.push.function:
            timeout = topology.functions[sub.push.function].timeout_seconds
            if sub.ack_deadline_seconds < timeout:
                problems.append(
                    f"{sub.name}: ack deadline {sub.ack_deadline_seconds}s < {sub.push.function} timeout {timeout}s"
                )
    return problems


def test_every_topic_the_code_publishes_to_is_granted():
    assert ungranted(TOPOLOGY) == []


def test_the_code_is_read_for_its_topics():
    # The check reads real publish sites: chat's two, the agents' step, result and event topics.
    assert {p.topic for p in publishes("chat")} == {"agent-requests", "client-events"}
    assert {p.topic for p in publishes("agents")} >= {
        "agent-results",
        "client-events",
        "agent-triage",
        "agent-reporting",
    }
    assert {p.topic for p in publishes("analytics")} == {"usage-events"}
    assert publishes("websocket_relay") == []  # it parses events from shared_lib.events, never publishes


def test_a_component_publishing_to_a_topic_it_is_not_granted_fails():
    # Issue 18: chat published client-events while granted only agent-requests.
    chat = dataclasses.replace(TOPOLOGY.functions["chat"], publishes=("agent-requests",))
    before = dataclasses.replace(TOPOLOGY, functions={**TOPOLOGY.functions, "chat": chat})
    problems = ungranted(before)
    assert len(problems) == 1 and problems[0].startswith(
        "chat publishes to client-events (shared_lib/shared_lib/events.py:"
    )


def test_the_grant_check_catches_an_unknown_topic_expression(tmp_path, monkeypatch):
    # Fail closed: a topic the check cannot read is an error, not a skipped publish.
    from tests.unit.terraform import publishes as module

    component = tmp_path / "functions" / "mystery" / "netra_mystery"
    component.mkdir(parents=True)
    (component / "send.py").write_text(
        "def send(p, project, pick):\n    p.publish(f'projects/{project}/topics/{pick()}', b'')\n"
    )
    monkeypatch.setattr(module, "ROOT", tmp_path)
    with pytest.raises(module.Unresolved):
        module.publishes("mystery")


def test_push_ack_deadlines_cover_the_function_timeouts():
    assert short_ack_deadlines(TOPOLOGY) == []


def test_the_ack_deadline_check_catches_the_reported_deadlines():
    # Issue 18: the supervisor's subscriptions waited 60 s for a 120 s function.
    sub = TOPOLOGY.subscriptions["supervisor-agent-requests"]
    before = dataclasses.replace(
        TOPOLOGY, subscriptions={**TOPOLOGY.subscriptions, sub.name: dataclasses.replace(sub, ack_deadline_seconds=60)}
    )
    assert short_ack_deadlines(before) == ["supervisor-agent-requests: ack deadline 60s < supervisor timeout 120s"]
