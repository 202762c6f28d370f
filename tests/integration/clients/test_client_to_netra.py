"""The client end to end: the real `openai` and `anthropic` SDKs call the LLM emulator through
netra_client's wrappers, which send the calls to the running Netra with an org API key; the
workload profile then replays the stored prefix chains (ADR 0017), and its figures equal the
independent reference simulation (tests/reference/prompt_cache.py) of the chains sent."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from shared_lib.prompt_caching import min_cached_prefix
from tests.helpers import bearer, dev_login, eventually, url_of
from tests.reference.prompt_cache import AnthropicRules, Call, OpenAIRules, simulate_anthropic, simulate_openai

from netra_client import Netra
from netra_client.events import anthropic_event, openai_event

pytestmark = pytest.mark.platform


@pytest.fixture(scope="module")
def emulator():
    from werkzeug.serving import make_server

    from emulators.llm.server import EmulatorState, create_app
    from emulators.platform.processes import free_port

    port = free_port()
    server = make_server("127.0.0.1", port, create_app(EmulatorState()), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def conversation(unique: str, turns: int) -> list[list[dict]]:
    """Each turn's messages: a system prompt of ~1,500 emulator tokens (4 characters each), then
    questions of ~300 tokens, each answer kept in the next turn's messages."""
    system = {"role": "system", "content": f"You are the support agent of shop {unique}. " + "Answer exactly. " * 370}
    asked = [
        {"role": "user", "content": f"Question {n} about order {unique}-{n}: " + "where is it now? " * 70}
        for n in range(turns)
    ]
    return [
        [system, *(m for n in range(t) for m in (asked[n], {"role": "assistant", "content": f"Answer {n}."}))]
        + [asked[t]]
        for t in range(turns)
    ]


def workload(http, analytics: str, owner: dict, feature: str, calls: int) -> dict:
    def found():
        answer = http.get(f"{analytics}/api/usage/profile", headers=owner)
        assert answer.status_code == 200, answer.text
        mine = [w for w in answer.json()["workloads"] if w["feature"] == feature]
        return mine and (mine[0].get("caching") or {}).get("calls_with_chain") == calls and mine[0]

    return eventually(found, timeout=30, interval=0.5, what=f"{calls} chained calls of {feature} in the profile")


def test_sdk_calls_through_the_client_are_stored_with_their_prefix_chains(http, platform, emulator, unique):
    import anthropic
    import openai

    analytics, auth = url_of(platform, "analytics"), url_of(platform, "auth")
    owner = bearer(dev_login(http, auth, f"client-{unique}@example.com")["access_token"])
    created = http.post(f"{auth}/auth/api-keys", json={"name": "python client"}, headers=owner)
    assert created.status_code == 201, created.text
    netra = Netra(api_key=created.json()["key"], base_url=analytics, feature=f"support-{unique}")
    chat = netra.wrap_openai(openai.OpenAI(base_url=f"{emulator}/v1", api_key="emulator", max_retries=0))
    # This SDK sends the key as a bearer token; the emulator takes it as Anthropic does.
    claude = anthropic.Anthropic(base_url=emulator, api_key="emulator", max_retries=0)
    netra.wrap_anthropic(claude, feature=f"drafts-{unique}")

    turns = conversation(unique, 4)
    chat_calls, claude_calls = [], []
    for n, messages in enumerate(turns):
        request = {"model": "gpt-4o-mini", "messages": messages}
        chat_calls.append((request, chat.chat.completions.create(**request)))
        system, rest = messages[0]["content"], messages[1:]
        request = {"model": "claude-sonnet-4-5", "max_tokens": 100, "system": system, "messages": rest}
        if n % 2:  # streamed every other turn: recorded alike
            with claude.messages.create(**request, stream=True) as stream:
                start = next(e for e in stream if e.type == "message_start").message
                ends = [e for e in stream if e.type == "message_delta"]
            counts = {"input_tokens": start.usage.input_tokens, "output_tokens": ends[-1].usage.output_tokens}
            claude_calls.append((request, {"id": start.id, "usage": counts}))
        else:
            claude_calls.append((request, claude.messages.create(**request)))
    assert netra.flush(30)
    stats = netra.stats()
    assert (stats.sent, stats.rejected, stats.dropped_failed) == (8, 0, 0)
    netra.close()

    # The answer keys: the reference simulation of the chains these calls make, in call order
    # (each call's recorded start is after the previous one's end), all within 5 minutes.
    def reference(calls, make):
        made = [make(request, response, feature="-") for request, response in calls]
        assert all(len(e["prefix_chain"]) >= 2 and e["prefix_chain"][-1]["tokens"] > 1024 for e in made)
        return [
            Call(
                Decimal(i),
                e["event_id"],
                e["input_tokens"],
                e["output_tokens"],
                tuple((p["hash"], p["tokens"], p["at"]) for p in e["prefix_chain"]),
            )
            for i, e in enumerate(made)
        ]

    gpt = workload(http, analytics, owner, f"support-{unique}", 4)
    automatic = {p["ttl_seconds"]: p for p in gpt["caching"]["policies"] if p["policy"] == "automatic"}[300]
    expected = simulate_openai(reference(chat_calls, openai_event), OpenAIRules(300)).totals
    assert (automatic["read_tokens"], automatic["input_tokens"]) == (expected.read_tokens, expected.input_tokens)
    assert automatic["read_tokens"] > 0  # each turn reads the turns before it: the chains match across calls

    sonnet = workload(http, analytics, owner, f"drafts-{unique}", 4)
    rules = AnthropicRules(300, min_cached_prefix("anthropic", "claude-sonnet-4-5"))
    policies = {(p["policy"], p["ttl_seconds"]): p for p in sonnet["caching"]["policies"]}
    for policy in ("prompt_end", "system", "system_and_prompt_end"):
        expected = simulate_anthropic(reference(claude_calls, anthropic_event), rules, policy).totals
        got = policies[(policy, 300)]
        assert (got["read_tokens"], got["written_tokens"]) == (expected.read_tokens, expected.written_tokens), policy
    assert policies[("prompt_end", 300)]["read_tokens"] > 0
