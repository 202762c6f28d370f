"""The LLM gateway against the LLM emulator (a real HTTP server) and a real Redis budget:
retries, fallback, schema repair, metering, and a budget that concurrency cannot beat."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import httpx
import pytest

from shared_lib.llm.budget import Budget, BudgetExhausted
from shared_lib.llm.gateway import LlmGateway, LlmRequest, LlmUnavailable
from shared_lib.llm.providers import EMULATOR_PATHS, Prompt, Route
from tests.helpers import llm_emulator

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["category", "confidence"],
    "properties": {
        "category": {"enum": ["general", "cost", "latency"]},
        "confidence": {"type": "number", "minimum": 0},
    },
}
CHAIN = (Route("openai", "gpt-4o-mini"), Route("anthropic", "claude-haiku-4-5"))


@pytest.fixture(scope="module")
def emulator():
    with llm_emulator() as url:
        yield url


@pytest.fixture
def gateway(emulator, redis):
    metered, slept = [], []
    gateway = LlmGateway(
        httpx.Client(),
        lambda provider: (emulator + EMULATOR_PATHS[provider], "k"),
        Budget(redis, Decimal("1")),
        metered.append,
        timeout_seconds=1.0,
        sleep=slept.append,
    )
    gateway.metered, gateway.slept = metered, slept
    return gateway


def ask(unique: str, text: str, schema=SCHEMA, chain=CHAIN, org=None) -> LlmRequest:
    return LlmRequest(
        org or f"org-{unique}",
        "triage",
        Prompt(f"Classify. [{unique}]", [{"role": "user", "content": text}], 200, schema, "triage"),
        chain,
        run_id="run-1",
    )


def faults(emulator, *items):
    assert httpx.post(f"{emulator}/_emulator/faults", json={"faults": list(items)}).status_code == 200


def seen(emulator, match: str) -> dict:
    return httpx.get(f"{emulator}/_emulator/requests", params={"match": match}).json()


def test_structured_answer_is_valid_metered_and_costed(gateway, unique):
    done = gateway.complete(ask(unique, "why is our latency so high?"))
    assert done.data["category"] == "latency"  # the emulator picks the option the user named
    assert done.route == CHAIN[0] and done.attempts == 1 and done.cost_usd > 0
    [event] = gateway.metered
    assert (event["feature"], event["provider"], event["model"], event["status"]) == (
        "agents/triage",
        "openai",
        "gpt-4o-mini",
        "success",
    )
    assert event["metadata"] == {"customer_org": f"org-{unique}", "run_id": "run-1"} and event["input_tokens"] > 0


def test_429s_are_retried_with_backoff_then_succeed(gateway, emulator, unique):
    faults(emulator, {"match": unique, "status": 429, "times": 2})
    done = gateway.complete(ask(unique, "cost please"))
    assert done.attempts == 3 and done.route == CHAIN[0]
    assert gateway.slept == [1.0, 1.0]  # the emulator's Retry-After
    assert [e["status"] for e in gateway.metered] == ["rate_limited", "rate_limited", "success"]


def test_a_failing_model_falls_back_to_the_next(gateway, emulator, unique):
    faults(emulator, {"match": unique, "status": 500, "times": 3})
    done = gateway.complete(ask(unique, "cost"))
    assert done.route == CHAIN[1] and done.data["category"] == "cost"
    assert gateway.slept == [0.5, 1.0]  # exponential backoff without Retry-After
    assert seen(emulator, unique)["models"] == {"claude-haiku-4-5": 1, "gpt-4o-mini": 3}


def test_timeouts_are_retried(gateway, emulator, unique):
    faults(emulator, {"match": unique, "latency_ms": 1500})
    done = gateway.complete(ask(unique, "general"))
    assert done.attempts == 2 and [e["status"] for e in gateway.metered] == ["timeout", "success"]


def test_invalid_json_is_repaired_once_then_the_next_model_is_asked(gateway, emulator, unique):
    faults(emulator, {"match": unique, "invalid_json": True})
    repaired = gateway.complete(ask(unique, "cost"))
    assert repaired.route == CHAIN[0] and repaired.data["category"] == "cost"
    assert seen(emulator, unique)["models"] == {"gpt-4o-mini": 2}

    other = unique + "-b"
    faults(emulator, {"match": other, "invalid_json": True, "times": 2})
    moved = gateway.complete(ask(other, "cost"))
    assert moved.route == CHAIN[1]

    third = unique + "-c"
    faults(emulator, {"match": third, "invalid_json": True, "times": 4})
    with pytest.raises(LlmUnavailable) as failed:
        gateway.complete(ask(third, "cost"))
    assert len([a for a in failed.value.attempts if "invalid structured output" in a]) == 4


def test_an_exhausted_budget_refuses_before_any_provider_call(gateway, emulator, redis, unique):
    org = f"org-{unique}"
    Budget(redis, Decimal("1")).set_limit(org, Decimal("0.000001"))
    with pytest.raises(BudgetExhausted):
        gateway.complete(ask(unique, "cost", org=org))
    assert seen(emulator, unique)["count"] == 0 and gateway.metered == []


def test_concurrent_reservations_cannot_overspend(redis, unique):
    budget = Budget(redis, Decimal("1.00"))
    granted, refused = [], []

    def reserve():
        try:
            granted.append(budget.reserve(f"org-{unique}", Decimal("0.15")))
        except BudgetExhausted:
            refused.append(1)

    threads = [threading.Thread(target=reserve) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 6 and len(refused) == 14  # 6 x 0.15 = 0.90; a 7th would pass 1.00
    for reservation in granted:
        budget.settle(reservation, Decimal("0.01"))
    assert budget.spent(f"org-{unique}") == Decimal("0.06")


def test_emulator_streams_carry_usage(emulator, unique):
    body = {
        "model": "gpt-4o",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": f"hello {unique}"}],
    }
    with httpx.stream(
        "POST", f"{emulator}/v1/chat/completions", json=body, headers={"Authorization": "Bearer k"}
    ) as response:
        chunks = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: {")]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text.startswith("Emulated answer") and chunks[-1]["usage"]["completion_tokens"] > 0

    anthropic = {
        "model": "claude-haiku-4-5",
        "max_tokens": 50,
        "stream": True,
        "messages": [{"role": "user", "content": unique}],
    }
    with httpx.stream("POST", f"{emulator}/v1/messages", json=anthropic, headers={"x-api-key": "k"}) as response:
        events = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]
    assert events[0]["type"] == "message_start" and events[0]["message"]["usage"]["input_tokens"] > 0
    assert [e for e in events if e["type"] == "message_delta"][0]["usage"]["output_tokens"] > 0
    assert httpx.post(f"{emulator}/v1/messages", json=anthropic).status_code == 401  # no key
