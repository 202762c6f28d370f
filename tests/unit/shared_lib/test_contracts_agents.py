"""The messages on the agents' topics: what chat publishes and the steps answer parse back
to what was sent, and a body that is none of them is refused (→ dead letter)."""

from __future__ import annotations

import pytest

from shared_lib.contracts.agents import (
    DELEGATION_SECONDS,
    AgentRequest,
    InvalidMessage,
    StepResult,
    StepTask,
    is_result,
)

CHAT_REQUEST = {
    "run_id": "r1",
    "thread_id": "t1",
    "message_id": "m1",
    "user_id": "u1",
    "org_id": "o1",
    "delegated_token": "tok",
    "delegated_expires_in": 1800,
}


def test_a_request_as_chat_publishes_it_round_trips():
    request = AgentRequest.parse(CHAT_REQUEST)
    assert request.to_json() == CHAT_REQUEST
    assert request.delegation_seconds == 1800 and not is_result(CHAT_REQUEST)


def test_a_request_without_a_token_says_none_and_keeps_it_out_of_the_body():
    body = {k: v for k, v in CHAT_REQUEST.items() if not k.startswith("delegated")}
    request = AgentRequest.parse(body)
    assert request.delegated_token is None and request.delegation_seconds == DELEGATION_SECONDS == 3600
    assert request.to_json() == body


def test_the_token_never_shows_in_a_requests_repr():
    assert "tok" not in repr(AgentRequest.parse(CHAT_REQUEST))


@pytest.mark.parametrize("body", [{"run_id": "r1", "thread_id": "t1"}, ["r1"], None])
def test_a_request_missing_its_ids_is_invalid(body):
    with pytest.raises(InvalidMessage, match="needs run_id, thread_id and message_id"):
        AgentRequest.parse(body)


def test_a_task_round_trips_and_names_a_known_step():
    task = StepTask("r1", "data", "u1", "o1", "t1")
    assert StepTask.parse(task.to_json()) == task
    with pytest.raises(InvalidMessage, match="not a step task"):
        StepTask.parse({**task.to_json(), "step": "summarise"})
    with pytest.raises(InvalidMessage, match="not a step task"):
        StepTask.parse({**task.to_json(), "org_id": ""})
    with pytest.raises(InvalidMessage, match="needs run_id, step"):
        StepTask.parse({"run_id": "r1"})


def test_a_result_is_tagged_and_round_trips():
    result = StepResult("r1", "data", "completed", {"calls": 3, "cost_usd": "1.5"})
    body = result.to_json()
    assert is_result(body) and StepResult.parse(body) == result
    failed = StepResult.parse({"run_id": "r1", "step": "triage", "status": "failed", "error": "no access"})
    assert (failed.summary, failed.error) == ({}, "no access")
    with pytest.raises(InvalidMessage, match="not a step result"):
        StepResult.parse({**body, "status": "done"})
