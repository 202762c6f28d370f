"""The prompt's hashes and prefix chain (ADR 0017), computed on the caller's side: answer keys
from hashlib over the lines the module's docstring specifies, and offsets worked by hand."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from shared_lib.usage import parse_row

from netra_client.events import anthropic_event, openai_event
from netra_client.prompt import MAX_CHAIN, Segment, hash_prompt


def digest(*lines: str) -> str:
    return hashlib.sha256("".join(line + "\n" for line in lines).encode()).hexdigest()[:32]


def test_each_position_hashes_the_prompt_up_to_it_and_its_offset_is_its_share_of_the_characters():
    # Each segment is a 98-letter string: '"' + 98 + '"' is 100 characters, with its newline 101.
    a, b, c = "a" * 98, "b" * 98, "c" * 98
    hashes = hash_prompt([Segment(a, "system"), Segment(b, "turn"), Segment(c, "turn")])
    assert hashes.prompt_hash == digest(f'"{a}"', f'"{b}"', f'"{c}"')
    # 3,000 tokens over 303 characters: 101 -> 1,000, 202 -> 2,000, 303 -> 3,000.
    assert hashes.prefix_chain(3000) == [
        {"hash": digest(f'"{a}"'), "tokens": 1000, "at": "system"},
        {"hash": digest(f'"{a}"', f'"{b}"'), "tokens": 2000, "at": "turn"},
        {"hash": digest(f'"{a}"', f'"{b}"', f'"{c}"'), "tokens": 3000, "at": "turn"},
    ]
    # 1,000 tokens: floor(1000 * 101 / 303) = 333, floor(1000 * 202 / 303) = 666, then all 1,000.
    assert [p["tokens"] for p in hashes.prefix_chain(1000)] == [333, 666, 1000]


def test_offsets_stay_strictly_increasing_and_a_position_without_room_is_left_out():
    hashes = hash_prompt([Segment("x" * 98, "system"), *(Segment(s * 98, "turn") for s in "abc")])
    # 2 tokens over 4 equal segments: floors 0, 0, 1, 2 -> 1 (at least one above 0), then 2 is the
    # whole prompt's alone: the middle two positions have no room and are left out.
    chain = hashes.prefix_chain(2)
    assert [(p["tokens"], p["at"]) for p in chain] == [(1, "system"), (2, "turn")]
    assert chain[-1]["hash"] == hashes.prompt_hash
    assert hashes.prefix_chain(0) == []


def test_a_chain_over_512_positions_keeps_the_system_one_and_the_last_ones():
    segments = [Segment({"tools": ["t"]}, "system"), *(Segment({"n": i}, "turn") for i in range(600))]
    full = hash_prompt(segments)
    chain = full.prefix_chain(10**6)
    assert len(chain) == MAX_CHAIN
    assert chain[0]["at"] == "system" and chain[0]["hash"] == full.positions[0][0]
    assert [p["hash"] for p in chain[1:]] == [h for h, _, _ in full.positions[-(MAX_CHAIN - 1) :]]


CONVERSATION = [
    {"role": "system", "content": "You are the support agent of Acme. " * 40},
    {"role": "user", "content": "My order 1234 has not arrived."},
]
TOOLS = [{"type": "function", "function": {"name": "order_status", "parameters": {"type": "object"}}}]


def chat_response(prompt_tokens: int, ident: str) -> dict:
    return {
        "id": ident,
        "model": "gpt-4o-mini",
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 20},
        "choices": [{"finish_reason": "stop"}],
    }


def test_a_second_turn_chain_starts_with_the_first_turn_positions():
    first = {"model": "gpt-4o-mini", "messages": CONVERSATION, "tools": TOOLS}
    second = {
        **first,
        "messages": [
            *CONVERSATION,
            {"role": "assistant", "content": "Let me check."},
            {"role": "user", "content": "It was sent to Berlin."},
        ],
    }
    # Counted at 1 token per 4 characters of the segments' lines (as a tokenizer would, alike in
    # both turns), the shared prefix gets the same offset in both, give or take the rounding.
    head = {"system": CONVERSATION[:1], "tools": TOOLS}
    lines = [len(json.dumps(s, sort_keys=True, separators=(",", ":"))) + 1 for s in [head, *second["messages"][1:]]]
    one = openai_event(first, chat_response(sum(lines[:2]) // 4, "c1"), feature="support")
    two = openai_event(second, chat_response(sum(lines) // 4, "c2"), feature="support")
    assert [p["at"] for p in one["prefix_chain"]] == ["system", "turn"]
    assert [p["at"] for p in two["prefix_chain"]] == ["system", "turn", "turn", "turn"]
    # The first turn's whole prompt is a position of the second's: what a cache written by the
    # first call at its prompt's end is read at.
    assert [p["hash"] for p in two["prefix_chain"][:2]] == [p["hash"] for p in one["prefix_chain"]]
    assert one["prefix_chain"][-1]["hash"] == one["prompt_hash"] != two["prompt_hash"]
    assert abs(two["prefix_chain"][1]["tokens"] - sum(lines[:2]) // 4) <= 1
    assert abs(two["prefix_chain"][0]["tokens"] - one["prefix_chain"][0]["tokens"]) <= 1
    tokens = [p["tokens"] for p in two["prefix_chain"]]
    assert tokens == sorted(set(tokens)) and tokens[-1] == sum(lines) // 4


def test_hashes_do_not_depend_on_key_order_none_values_or_cache_markers():
    request = {"model": "claude-sonnet-4-5", "system": "Be exact.", "messages": [{"role": "user", "content": "hi"}]}
    reordered = {
        "messages": [{"content": [{"text": "hi", "type": "text"}][0]["text"], "role": "user"}],
        "system": "Be exact.",
        "model": "claude-sonnet-4-5",
    }
    marked = {
        **request,
        "system": [{"type": "text", "text": "Be exact.", "cache_control": {"type": "ephemeral"}}],
        "metadata": None,
    }
    marked_plain = {**request, "system": [{"text": "Be exact.", "type": "text"}]}
    response = {"id": "m", "usage": {"input_tokens": 30, "output_tokens": 2}}
    same = [anthropic_event(r, response, feature="f") for r in (request, reordered)]
    assert same[0]["prompt_hash"] == same[1]["prompt_hash"]
    assert same[0]["prefix_chain"] == same[1]["prefix_chain"]
    assert (
        anthropic_event(marked, response, feature="f")["prompt_hash"]
        == (anthropic_event(marked_plain, response, feature="f")["prompt_hash"])
    )
    changed = {**request, "messages": [{"role": "user", "content": "hi!"}]}
    assert anthropic_event(changed, response, feature="f")["prompt_hash"] != same[0]["prompt_hash"]


def test_no_prompt_or_answer_text_is_in_an_event_and_netra_accepts_it():
    secret = "zebra-quartz-4417"
    request = {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": f"Never reveal {secret}."},
            {"role": "user", "content": f"What is {secret}?"},
        ],
        "tools": [{"type": "function", "function": {"name": f"lookup_{secret}"}}],
        "user": "user-9",
    }
    response = {
        **chat_response(90, "chatcmpl-77"),
        "choices": [{"finish_reason": "stop", "message": {"content": f"It is {secret}."}}],
    }
    event = openai_event(request, response, feature="qa", latency_ms=250, ttft_ms=40)
    assert secret not in json.dumps(event) and "zebra" not in json.dumps(event)
    # Netra's own validator (shared_lib.usage) takes it as it is.
    stored = parse_row(event, "org-1", dt.datetime.now(dt.timezone.utc))
    assert stored.event_id == "chatcmpl-77" and stored.user_id == "user-9"
    assert stored.prefix_chain == tuple((p["hash"], p["tokens"], p["at"]) for p in event["prefix_chain"])
