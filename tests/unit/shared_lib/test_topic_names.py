"""Every topic a component names in code is a topic of the topology."""

from shared_lib.contracts import topics
from shared_lib.topology import load_topology


def test_every_named_topic_is_in_the_topology():
    declared = set(load_topology().topics)
    named = {
        topics.AGENT_REQUESTS,
        topics.AGENT_RESULTS,
        topics.AGENT_DEAD_LETTER,
        topics.CLIENT_EVENTS,
        topics.USAGE_EVENTS,
        *(topics.agent_step(step) for step in topics.AGENT_STEPS),
    }
    assert named - declared == set()


def test_an_unknown_step_has_no_topic():
    import pytest

    with pytest.raises(KeyError):
        topics.agent_step("summarise")


def test_topic_path():
    assert topics.path("netra-local", topics.USAGE_EVENTS) == "projects/netra-local/topics/usage-events"


_LITERAL_FREE = ("functions", "websocket_relay", "shared_lib")


def _topic_literals(root, declared: set[str]) -> list[str]:
    """`path:line name` of each string constant in `root`'s modules that is a topic name,
    except in contracts/topics.py, the one place topics are named."""
    import ast

    found = []
    for tree in _LITERAL_FREE:
        for module in sorted((root / tree).rglob("*.py")):
            relative = module.relative_to(root).as_posix()
            if relative.endswith("shared_lib/contracts/topics.py") or "/.venv/" in relative:
                continue
            for node in ast.walk(ast.parse(module.read_text(), relative)):
                if isinstance(node, ast.Constant) and node.value in declared:
                    found.append(f"{relative}:{node.lineno} {node.value}")
    return found


def test_no_module_spells_a_topic_name_itself():
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    assert _topic_literals(root, set(load_topology().topics)) == []


def test_the_literal_check_finds_a_spelled_topic(tmp_path):
    (tmp_path / "functions" / "chat").mkdir(parents=True)
    (tmp_path / "functions" / "chat" / "service.py").write_text('TOPIC = "agent-requests"\nOTHER = f"agent-{1}"\n')
    (tmp_path / "shared_lib" / "contracts").mkdir(parents=True)
    (tmp_path / "shared_lib" / "contracts" / "topics.py").write_text('AGENT_REQUESTS = "agent-requests"\n')
    assert _topic_literals(tmp_path, {"agent-requests"}) == ["functions/chat/service.py:1 agent-requests"]
