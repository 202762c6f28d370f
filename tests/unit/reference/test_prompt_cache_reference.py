"""The prompt-cache reference on small cases worked by hand from ADR 0017 and the providers' rules.

Every expected figure is computed in the comment beside it, never by the code under test.
"""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.reference.prompt_cache import (
    AnthropicRules,
    Call,
    OpenAIRules,
    Position,
    Prices,
    as_carried,
    breakpoints,
    cost,
    cost_without_caching,
    simulate_anthropic,
    simulate_openai,
)

SONNET_5M = AnthropicRules(ttl_seconds=300, minimum_tokens=1024)
SONNET_1H = AnthropicRules(ttl_seconds=3600, minimum_tokens=1024)
# claude-sonnet-4-5, USD per MTok: input 3, 5-minute write 3.75 (1.25x), 1-hour write 6 (2x), read 0.30 (0.1x), output 15.
SONNET_45_5M = Prices(Decimal("3"), Decimal("3.75"), Decimal("0.30"), Decimal("15"))
SONNET_45_1H = Prices(Decimal("3"), Decimal("6"), Decimal("0.30"), Decimal("15"))
# gpt-4o: input 2.50, cached input 1.25, output 10; no write charge.
GPT_4O = Prices(Decimal("2.50"), Decimal("2.50"), Decimal("1.25"), Decimal("10"))


def call(t, event_id, input_tokens, output_tokens, *chain):
    return Call(t, event_id, input_tokens, output_tokens, tuple(Position(*p) for p in chain))


def uses(simulation):
    """(event id, read, written, plain) per call, in the order simulated."""
    return [(c.event_id, c.read_tokens, c.written_tokens, c.plain_tokens) for c in simulation.calls]


def cents(amount):
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def blocks(n):
    """A chain of n 512-token block positions: block i's hash names the prefix up to it."""
    return [(f"b{i}", 512 * i, "block") for i in range(1, n + 1)]


# A conversation growing each turn; the system prompt (10k) ends the first position.
SYS = ("sys", 10_000, "system")
P1, P2, P3 = ("p1", 50_000, "turn"), ("p2", 80_000, "turn"), ("p3", 120_000, "turn")
CONVERSATION = [
    call(0, "c1", 50_000, 1_000, SYS, P1),
    call(60, "c2", 80_000, 1_000, SYS, P1, P2),
    call(120, "c3", 120_000, 1_000, SYS, P1, P2, P3),
]


def test_each_turn_reads_the_previous_turns_prefix():
    sim = simulate_anthropic(CONVERSATION, SONNET_5M, "prompt_end")
    # c1: nothing cached; writes its breakpoint p1: 50,000.
    # c2: reads p1 (written at 0, live at 60): 50,000; writes p2 past the read: 80,000 - 50,000 = 30,000.
    # c3: reads p2: 80,000; writes 120,000 - 80,000 = 40,000.
    assert uses(sim) == [("c1", 0, 50_000, 0), ("c2", 50_000, 30_000, 0), ("c3", 80_000, 40_000, 0)]
    totals = sim.totals
    assert (totals.read_tokens, totals.written_tokens, totals.plain_tokens) == (130_000, 120_000, 0)
    assert (totals.input_tokens, totals.output_tokens) == (250_000, 3_000)


def test_the_conversation_in_dollars_for_claude_sonnet_4_5():
    five_minutes = simulate_anthropic(CONVERSATION, SONNET_5M, "prompt_end").totals
    # Without caching: 250,000 x $3 + 3,000 x $15 = $0.75 + $0.045 = $0.795.
    assert cost_without_caching(five_minutes, SONNET_45_5M) == Decimal("0.795")
    # 5 minutes: 130,000 x $0.30 + 120,000 x $3.75 + 3,000 x $15 = $0.039 + $0.45 + $0.045 = $0.534.
    assert cost(five_minutes, SONNET_45_5M) == Decimal("0.534")
    assert cents(cost(five_minutes, SONNET_45_5M)) == Decimal("0.53")
    # 1 hour: the same tokens, writes at $6: $0.039 + $0.72 + $0.045 = $0.804 — dearer than no caching.
    one_hour = simulate_anthropic(CONVERSATION, SONNET_1H, "prompt_end").totals
    assert one_hour == five_minutes
    assert cents(cost(one_hour, SONNET_45_1H)) == Decimal("0.80")
    assert cost(one_hour, SONNET_45_1H) > cost_without_caching(one_hour, SONNET_45_1H)


@pytest.mark.parametrize(
    ("second_at", "expected"),
    [
        # p1 written at 0 is live while used at or after t - 300: at 300, 0 >= 0, read 2,048, write 3,072 - 2,048 = 1,024.
        (300, (2_048, 1_024, 3_500 - 3_072)),
        # At 301, 0 < 1: expired, so the whole 3,072 is written again.
        (301, (0, 3_072, 3_500 - 3_072)),
    ],
)
def test_a_gap_longer_than_the_ttl_forces_a_rewrite(second_at, expected):
    calls = [
        call(0, "a", 2_500, 10, ("p1", 2_048, "turn")),
        call(second_at, "b", 3_500, 10, ("p1", 2_048, "turn"), ("p2", 3_072, "turn")),
    ]
    sim = simulate_anthropic(calls, SONNET_5M, "prompt_end")
    # a: writes 2,048, plain 2,500 - 2,048 = 452.
    assert uses(sim) == [("a", 0, 2_048, 452), ("b", *expected)]


def test_a_hit_refreshes_the_ttl_past_five_minutes_from_the_write():
    first = call(0, "a", 2_000, 10, ("A", 2_000, "turn"))
    hit = call(240, "b", 2_600, 10, ("A", 2_000, "turn"), ("B", 2_600, "turn"))
    late = call(480, "c", 2_700, 10, ("A", 2_000, "turn"), ("C", 2_700, "turn"))
    # a writes A at 0. b reads A at 240 (0 >= -60): A's last use becomes 240; writes 600.
    # c at 480: A's last use 240 >= 180, still live though written 480 s ago: reads 2,000, writes 700.
    sim = simulate_anthropic([first, hit, late], SONNET_5M, "prompt_end")
    assert uses(sim) == [("a", 0, 2_000, 0), ("b", 2_000, 600, 0), ("c", 2_000, 700, 0)]
    # Without b's hit, A (last used at 0) is gone at 480 (0 < 180): c writes all 2,700.
    assert uses(simulate_anthropic([first, late], SONNET_5M, "prompt_end"))[1] == ("c", 0, 2_700, 0)


def test_a_prefix_below_the_models_minimum_is_never_cached():
    calls = [call(0, "a", 2_100, 10, ("A", 2_000, "turn")), call(10, "b", 2_100, 10, ("A", 2_000, "turn"))]
    # Haiku 3.5's minimum is 2,048 > 2,000: neither written nor read, all 2,100 plain each time.
    haiku = AnthropicRules(ttl_seconds=300, minimum_tokens=2_048)
    assert uses(simulate_anthropic(calls, haiku, "prompt_end")) == [("a", 0, 0, 2_100), ("b", 0, 0, 2_100)]
    # With Sonnet's 1,024 the same calls write 2,000 then read it (plain 100 each).
    assert uses(simulate_anthropic(calls, SONNET_5M, "prompt_end")) == [("a", 0, 2_000, 100), ("b", 2_000, 0, 100)]


@pytest.mark.parametrize(
    ("positions", "expected"),
    [
        # Breakpoint at index 22 (11,776 tokens); b2 (1,536) sits at index 2 = 22 - 20: found.
        # read 1,536, written 11,776 - 1,536 = 10,240, plain 12,000 - 11,776 = 224.
        (23, (1_536, 10_240, 224)),
        # Breakpoint at index 23 (12,288 tokens); index 2 is 21 back: not looked at. Written 12,288, plain 12,400 - 12,288 = 112.
        (24, (0, 12_288, 112)),
    ],
)
def test_the_lookback_reaches_20_positions_before_a_breakpoint(positions, expected):
    first = call(0, "a", 1_600, 10, *blocks(3))  # writes b3 (1,536) at its breakpoint; plain 64
    later = call(10, "b", 512 * positions + (224 if positions == 23 else 112), 10, *blocks(positions))
    sim = simulate_anthropic([first, later], SONNET_5M, "prompt_end")
    assert uses(sim) == [("a", 0, 1_536, 64), ("b", *expected)]


def test_the_system_policy_without_a_system_position_caches_nothing():
    chain = [("t1", 2_000, "turn"), ("t2", 3_000, "turn")]
    calls = [call(0, "a", 3_100, 10, *chain), call(5, "b", 3_100, 10, *chain)]
    assert breakpoints(calls[0].chain, "system") == []
    assert uses(simulate_anthropic(calls, SONNET_5M, "system")) == [("a", 0, 0, 3_100), ("b", 0, 0, 3_100)]


def test_the_system_entry_outlives_a_conversation_that_ends():
    system = ("S", 1_500, "system")
    calls = [
        call(0, "x1", 4_200, 10, system, ("X1", 4_000, "turn")),
        call(200, "x2", 6_100, 10, system, ("X1", 4_000, "turn"), ("X2", 6_000, "turn")),
        call(450, "y1", 3_100, 10, system, ("Y1", 3_000, "turn")),
    ]
    # system_and_prompt_end:
    # x1: breakpoints S and X1; written max(1,500, 4,000) = 4,000; plain 200.
    # x2 at 200: reads X1 (4,000, longer than S); writes X2 past it: 2,000; S's entry is refreshed to 200.
    # y1 at 450: a new conversation; S (last used 200 >= 150) is read: 1,500; writes Y1: 3,000 - 1,500 = 1,500.
    both = simulate_anthropic(calls, SONNET_5M, "system_and_prompt_end")
    assert uses(both) == [("x1", 0, 4_000, 200), ("x2", 4_000, 2_000, 100), ("y1", 1_500, 1_500, 100)]
    # prompt_end alone never wrote S: y1 reads nothing and writes 3,000.
    assert uses(simulate_anthropic(calls, SONNET_5M, "prompt_end"))[2] == ("y1", 0, 3_000, 100)


@pytest.mark.parametrize(
    ("tokens", "read"),
    [(1_023, 0), (1_024, 1_024), (1_151, 1_024), (1_152, 1_152), (2_100, 2_048)],
)
def test_openai_reads_1024_plus_whole_128_token_steps(tokens, read):
    # 1,023 is never cached; 1,151 = 1,024 + 127 rounds down to 1,024; 2,100 = 1,024 + 8 x 128 + 52 -> 2,048.
    calls = [call(0, "a", 3_000, 10, ("A", tokens, "turn")), call(60, "b", 3_000, 10, ("A", tokens, "turn"))]
    assert uses(simulate_openai(calls, OpenAIRules(300))) == [("a", 0, 0, 3_000), ("b", read, 0, 3_000 - read)]


def test_openai_reads_the_longest_cached_position_and_its_retention_ends():
    calls = [
        call(0, "a", 2_200, 10, ("A", 1_000, "turn"), ("B", 1_500, "turn"), ("C", 2_100, "turn")),
        # B (1,500) is the longest cached: 1,024 + 3 x 128 = 1,408 (476 // 128 = 3); plain 2,700 - 1,408 = 1,292.
        call(60, "b", 2_700, 10, ("A", 1_000, "turn"), ("B", 1_500, "turn"), ("D", 2_600, "turn")),
        # 361 s after b, 421 s after a: every entry is older than 300 s, nothing is read.
        call(421, "c", 2_700, 10, ("A", 1_000, "turn"), ("B", 1_500, "turn"), ("D", 2_600, "turn")),
    ]
    sim = simulate_openai(calls, OpenAIRules(300))
    assert uses(sim) == [("a", 0, 0, 2_200), ("b", 1_408, 0, 1_292), ("c", 0, 0, 2_700)]


def test_the_conversation_in_dollars_for_gpt_4o():
    totals = simulate_openai(CONVERSATION, OpenAIRules(300)).totals
    # c1: nothing cached. c2: p1 50,000 -> 1,024 + (48,976 // 128 = 382) x 128 = 49,920; plain 30,080.
    # c3: p2 80,000 -> 1,024 + 617 x 128 = 80,000 exactly; plain 40,000.
    assert (totals.read_tokens, totals.written_tokens, totals.plain_tokens) == (129_920, 0, 120_080)
    # 120,080 x $2.50 + 129,920 x $1.25 + 3,000 x $10 = $0.3002 + $0.1624 + $0.03 = $0.4926.
    assert cost(totals, GPT_4O) == Decimal("0.4926")
    assert cents(cost(totals, GPT_4O)) == Decimal("0.49")
    # Without caching: 250,000 x $2.50 + $0.03 = $0.655.
    assert cost_without_caching(totals, GPT_4O) == Decimal("0.655")


def test_calls_at_the_same_instant_go_in_event_id_order():
    a = call(10, "e-1", 2_100, 10, ("A", 2_000, "turn"))
    b = call(10, "e-2", 2_100, 10, ("A", 2_000, "turn"))
    # Given e-2 first, e-1 still goes first: it writes 2,000 and e-2 reads it.
    assert uses(simulate_anthropic([b, a], SONNET_5M, "prompt_end")) == [("e-1", 0, 2_000, 100), ("e-2", 2_000, 0, 100)]
    assert uses(simulate_openai([b, a], OpenAIRules(300))) == [("e-1", 0, 0, 2_100), ("e-2", 1_920, 0, 180)]


def test_a_long_chain_is_carried_as_its_first_63_positions_and_its_last():
    chain = [Position(*p) for p in blocks(70)]
    carried = as_carried(chain)
    assert len(carried) == 64
    assert carried[62].tokens == 63 * 512 and carried[63].tokens == 70 * 512
    assert as_carried(chain[:64]) == tuple(chain[:64])


@pytest.mark.parametrize(
    "chain",
    [
        [("A", 2_000, "turn"), ("B", 2_000, "turn")],  # not strictly increasing
        [("A", 0, "turn")],  # not positive
        [("A", 5_000, "turn")],  # past input_tokens (3,000)
        [("A", 2_000, "message")],  # not a kind of position
    ],
)
def test_a_bad_chain_is_refused_clearly(chain):
    with pytest.raises(ValueError, match="call bad"):
        call(0, "bad", 3_000, 10, *chain)


def test_bad_rules_and_prices_are_refused():
    with pytest.raises(ValueError, match="300 or 3600"):
        AnthropicRules(ttl_seconds=600, minimum_tokens=1024)
    with pytest.raises(TypeError, match="Decimal"):
        Prices(3.0, Decimal("3.75"), Decimal("0.30"), Decimal("15"))
    with pytest.raises(ValueError, match="unknown policy"):
        simulate_anthropic(CONVERSATION, SONNET_5M, "everywhere")
