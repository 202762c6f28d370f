"""Every topic a component names in code is a topic of the topology."""

from shared_lib.contracts import topics
from shared_lib.topology import load_topology


def test_every_named_topic_is_in_the_topology():
    declared = set(load_topology().topics)
    named = {topics.AGENT_REQUESTS, topics.AGENT_RESULTS, topics.AGENT_DEAD_LETTER, topics.CLIENT_EVENTS,
             topics.USAGE_EVENTS, *(topics.agent_step(step) for step in topics.AGENT_STEPS)}
    assert named - declared == set()


def test_an_unknown_step_has_no_topic():
    import pytest

    with pytest.raises(KeyError):
        topics.agent_step("summarise")


def test_topic_path():
    assert topics.path("netra-local", topics.USAGE_EVENTS) == "projects/netra-local/topics/usage-events"
