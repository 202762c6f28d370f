"""The wrappers around the real SDKs (openai, anthropic) calling the LLM emulator, sending to a
local HTTP server in Netra's place: every call recorded once, streamed or not, sync or async,
failed or not, with the counts the SDK's response gave."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers import llm_emulator
from tests.unit.clients.collector import Collector

from netra_client import Netra

SYSTEM = "You are the billing assistant of Acme. Answer in one sentence. " * 30


@pytest.fixture(scope="module")
def emulator():
    with llm_emulator() as url:
        yield url


@pytest.fixture
def collector():
    with Collector() as running:
        yield running


@pytest.fixture
def netra(collector):
    client = Netra(api_key="nk_test", base_url=collector.url, feature="billing", flush_interval=30)
    yield client
    client.close(5)


def sent(netra: Netra, collector: Collector) -> list[dict]:
    assert netra.flush(10)
    return collector.events()


def test_openai_calls_are_recorded_with_their_usage_and_a_growing_chain(emulator, netra, collector):
    import openai

    client = netra.wrap_openai(openai.OpenAI(base_url=f"{emulator}/v1", api_key="emulator", max_retries=0))
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "What is my balance?"}]
    first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, max_tokens=50)
    messages += [first.choices[0].message, {"role": "user", "content": "And last month?"}]
    with netra.context(user_id="u-7", feature="billing-chat"):
        second = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    one, two = sent(netra, collector)
    assert (one["event_id"], one["input_tokens"], one["output_tokens"]) == (
        first.id,
        first.usage.prompt_tokens,
        first.usage.completion_tokens,
    )
    assert (one["feature"], one["max_tokens"], one["finish_reason"], one["status"]) == (
        "billing",
        50,
        "stop",
        "success",
    )
    assert (two["feature"], two["user_id"], two["input_tokens"]) == ("billing-chat", "u-7", second.usage.prompt_tokens)
    # The second turn reads the first's whole prompt as its own second position.
    assert [p["hash"] for p in two["prefix_chain"][:2]] == [p["hash"] for p in one["prefix_chain"]]
    assert one["latency_ms"] >= 0 and SYSTEM[:30] not in str(collector.batches())


def test_an_openai_stream_is_recorded_when_read_to_its_end_with_its_usage(emulator, netra, collector):
    import openai

    client = netra.wrap_openai(openai.OpenAI(base_url=f"{emulator}/v1", api_key="emulator", max_retries=0))
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Tell me a long story " * 5}]}
    stream = client.chat.completions.create(**request, stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    usage = chunks[-1].usage
    # Without include_usage OpenAI sends no counts: nothing is recorded (and the caller's stream is intact).
    plain = list(client.chat.completions.create(**request, stream=True))
    assert plain and all(chunk.usage is None for chunk in plain)
    [event] = sent(netra, collector)
    assert (event["event_id"], event["input_tokens"], event["output_tokens"]) == (
        chunks[0].id,
        usage.prompt_tokens,
        usage.completion_tokens,
    )
    assert event["finish_reason"] == "stop" and 0 <= event["ttft_ms"] <= event["latency_ms"]


def test_async_openai_calls_and_streams_are_recorded(emulator, netra, collector):
    import openai

    async def calls():
        client = netra.wrap_openai(openai.AsyncOpenAI(base_url=f"{emulator}/v1", api_key="emulator", max_retries=0))
        request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
        answer = await client.chat.completions.create(**request)
        stream = await client.chat.completions.create(**request, stream=True, stream_options={"include_usage": True})
        async with stream:
            chunks = [chunk async for chunk in stream]
        await client.close()
        return answer, chunks

    answer, chunks = asyncio.run(calls())
    events = {e["event_id"]: e for e in sent(netra, collector)}
    assert set(events) == {answer.id, chunks[0].id}
    assert events[chunks[0].id]["output_tokens"] == chunks[-1].usage.completion_tokens


def test_a_failed_call_is_recorded_with_its_status_and_raised_as_it_was(emulator, netra, collector):
    import httpx
    import openai

    httpx.post(f"{emulator}/_emulator/faults", json={"faults": [{"match": "fault-429", "status": 429}]})
    client = netra.wrap_openai(openai.OpenAI(base_url=f"{emulator}/v1", api_key="emulator", max_retries=0))
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "fault-429"}])
    [event] = sent(netra, collector)
    assert (event["status"], event["input_tokens"], event["model"]) == ("rate_limited", 0, "gpt-4o-mini")
    assert "prefix_chain" not in event


def test_structured_outputs_by_parse_are_recorded_and_a_context_overrides_the_wraps_keywords(
    emulator, netra, collector
):
    import openai
    import pydantic

    class Verdict(pydantic.BaseModel):
        approved: bool
        reason: str

    client = openai.OpenAI(base_url=f"{emulator}/v1", api_key="emulator", max_retries=0)
    netra.wrap_openai(client, feature="review", user_id="svc")
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Approve refund 12?"}]}
    parsed = client.chat.completions.parse(**request, response_format=Verdict)
    with netra.context(feature="refunds"):
        client.chat.completions.create(**request)
    first, second = sent(netra, collector)
    assert isinstance(parsed.choices[0].message.parsed, Verdict)
    assert (first["event_id"], first["input_tokens"]) == (parsed.id, parsed.usage.prompt_tokens)
    assert (first["feature"], second["feature"], second["user_id"]) == ("review", "refunds", "svc")
    # The schema is read before the messages: the same question with it is another prompt.
    assert [p["at"] for p in first["prefix_chain"]] == ["system", "turn"]
    assert first["prompt_hash"] != second["prompt_hash"]


def test_wrapping_twice_records_once(emulator, netra, collector):
    import openai

    client = openai.OpenAI(base_url=f"{emulator}/v1", api_key="emulator", max_retries=0)
    netra.wrap_openai(netra.wrap_openai(client))
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "once"}])
    assert len(sent(netra, collector)) == 1


def test_anthropic_messages_are_recorded_streamed_or_not(emulator, netra, collector):
    import anthropic

    # This SDK sends the key as a bearer token; the emulator takes it as Anthropic does.
    client = anthropic.Anthropic(base_url=emulator, api_key="emulator", max_retries=0)
    netra.wrap_anthropic(client)
    request = {
        "model": "claude-haiku-4-5",
        "max_tokens": 200,
        "system": [{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "What is my balance?"}],
    }
    message = client.messages.create(**request)
    with client.messages.create(**request, stream=True) as stream:
        streamed = list(stream)
    start = next(e for e in streamed if e.type == "message_start").message
    events = {e["event_id"]: e for e in sent(netra, collector)}
    whole, live = events[message.id], events[start.id]
    assert (whole["provider"], whole["input_tokens"], whole["output_tokens"]) == (
        "anthropic",
        message.usage.input_tokens,
        message.usage.output_tokens,
    )
    assert whole["finish_reason"] == "stop" and whole["max_tokens"] == 200
    assert [p["at"] for p in whole["prefix_chain"]] == ["system", "turn"]
    # The same request streamed: the same counts, hashes and chain.
    assert (live["input_tokens"], live["output_tokens"]) == (whole["input_tokens"], whole["output_tokens"])
    assert live["prefix_chain"] == whole["prefix_chain"] and live["ttft_ms"] <= live["latency_ms"]
