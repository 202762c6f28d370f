"""The caching simulation on small chains, each case worked by hand (ADR 0017's rules)."""

from shared_lib.prompt_caching import AUTOMATIC, Policy, Simulation, policies_for

S = 1000  # ms per second


def run(model: str, policy: Policy, calls, provider: str = "anthropic"):
    sim = Simulation(provider, model, [policy])
    for seconds, chain in calls:
        tokens = [n for _, n, _ in chain]
        sim.add(round(seconds * S), tokens[-1], tokens, [h for h, _, _ in chain], [at for _, _, at in chain])
    return sim.tallies[0]


SYSTEM = ("s", 1200, "system")
TURN_1 = [SYSTEM, ("a", 3000, "turn")]
TURN_2 = [*TURN_1, ("b", 5000, "turn")]
TURN_3 = [*TURN_2, ("c", 7000, "turn")]


def test_a_turn_reads_the_previous_turn_and_a_late_turn_writes_it_all_again():
    # t=0: nothing cached; writes the whole prompt (3,000). t=60: 'b' unknown, 'a' live (until
    # 300) -> reads 3,000, writes 5,000 - 3,000 = 2,000, 'a' and 'b' live until 360. t=400: all
    # expired ('s' was never a breakpoint) -> writes 7,000.
    tally = run("claude-sonnet-4-5", Policy("prompt_end", 300), [(0, TURN_1), (60, TURN_2), (400, TURN_3)])
    assert (tally.calls, tally.calls_read, tally.read_tokens) == (3, 1, 3000)
    assert (tally.calls_written, tally.written_tokens) == (3, 3000 + 2000 + 7000)
    assert tally.input_tokens == 3000 + 5000 + 7000


def test_within_the_lifetime_the_third_turn_reads_the_second():
    # As above with the third turn at t=350: 'b' lives until 360 -> reads 5,000, writes 2,000.
    tally = run("claude-sonnet-4-5", Policy("prompt_end", 300), [(0, TURN_1), (60, TURN_2), (350, TURN_3)])
    assert (tally.read_tokens, tally.written_tokens) == (3000 + 5000, 3000 + 2000 + 2000)


def test_the_system_breakpoint_outlives_a_conversation():
    # system_and_prompt_end: t=0 writes 's' and 'a' (3,000 written). A new conversation at t=200
    # shares only the system prompt: reads 1,200, writes its end 2,500 - 1,200 = 1,300.
    other = [SYSTEM, ("x", 2500, "turn")]
    both = run("claude-sonnet-4-5", Policy("system_and_prompt_end", 300), [(0, TURN_1), (200, other)])
    assert (both.read_tokens, both.written_tokens, both.calls_read) == (1200, 3000 + 1300, 1)
    # prompt_end alone never caches 's': the second conversation writes all 2,500.
    alone = run("claude-sonnet-4-5", Policy("prompt_end", 300), [(0, TURN_1), (200, other)])
    assert (alone.read_tokens, alone.written_tokens) == (0, 3000 + 2500)
    # system alone: writes 1,200 at t=0, reads it at t=200, writes nothing more.
    system = run("claude-sonnet-4-5", Policy("system", 300), [(0, TURN_1), (200, other)])
    assert (system.read_tokens, system.written_tokens, system.breakpoints) == (1200, 1200, 2)


def test_the_system_policy_without_a_system_position_caches_nothing():
    chain = [("a", 3000, "turn")]
    tally = run("claude-sonnet-4-5", Policy("system", 300), [(0, chain), (10, chain)])
    assert (tally.calls, tally.breakpoints, tally.read_tokens, tally.written_tokens) == (2, 0, 0, 0)


def test_a_hit_refreshes_the_lifetime():
    # The same 2,000-token prompt at 0, 240, 480 and 720 s: each within 300 s of the last use,
    # so one write and three reads although 720 s is past the write's first 300 s.
    chain = [("p", 2000, "turn")]
    tally = run("claude-sonnet-4-5", Policy("prompt_end", 300), [(t, chain) for t in (0, 240, 480, 720)])
    assert (tally.written_tokens, tally.read_tokens, tally.calls_read) == (2000, 6000, 3)
    # Gaps of 301 s: every call writes.
    tally = run("claude-sonnet-4-5", Policy("prompt_end", 300), [(t, chain) for t in (0, 301, 602)])
    assert (tally.written_tokens, tally.read_tokens) == (6000, 0)
    # The 1-hour cache keeps it.
    tally = run("claude-sonnet-4-5", Policy("prompt_end", 3600), [(t, chain) for t in (0, 301, 602)])
    assert (tally.written_tokens, tally.read_tokens) == (2000, 4000)


def test_a_prefix_under_the_models_minimum_is_never_cached():
    chain = [("p", 3000, "turn")]  # Haiku 4.5 caches 4,096 tokens or more
    tally = run("claude-haiku-4-5", Policy("prompt_end", 300), [(0, chain), (10, chain)])
    assert (tally.read_tokens, tally.written_tokens) == (0, 0)


def blocks(n: int, tag: str = "") -> list:
    # 512-token blocks, cumulative hashes: the first k blocks of two chains are equal when their tags are.
    return [(f"{tag}{k}", 512 * k, "block") for k in range(1, n + 1)]


def test_the_lookback_reaches_20_positions_before_a_breakpoint_and_no_further():
    # t=0 caches block 3 (1,536 tokens). A prompt of 23 blocks: its breakpoint is position 22
    # (0-based), the window 2..22 holds block 3 -> reads 1,536. With 24 blocks the window is 3..23.
    reach = run("claude-sonnet-4-5", Policy("prompt_end", 300), [(0, blocks(3)), (10, blocks(23))])
    assert reach.read_tokens == 1536 and reach.written_tokens == 1536 + (23 * 512 - 1536)
    beyond = run("claude-sonnet-4-5", Policy("prompt_end", 300), [(0, blocks(3)), (10, blocks(24))])
    assert beyond.read_tokens == 0 and beyond.written_tokens == 1536 + 24 * 512


def test_openai_reads_in_128_token_steps_past_1024():
    # gpt-4o: t=0 caches 'x' (1,500) and 'y' (3,000). t=10 shares only 'x': 1,500 rounds down to
    # 1,024 + 3 x 128 = 1,408. No write is ever counted.
    first = [("x", 1500, "turn"), ("y", 3000, "turn")]
    second = [("x", 1500, "turn"), ("z", 2800, "turn")]
    tally = run("gpt-4o", Policy(AUTOMATIC, 300), [(0, first), (10, second)], provider="openai")
    assert (tally.read_tokens, tally.written_tokens, tally.calls_read) == (1408, 0, 1)


def test_calls_at_the_same_instant_are_taken_as_given():
    chain = [("p", 2000, "turn")]
    tally = run("claude-sonnet-4-5", Policy("prompt_end", 300), [(5, chain), (5, chain)])
    assert (tally.written_tokens, tally.read_tokens) == (2000, 2000)


def test_the_policies_a_team_can_deploy_per_provider():
    names = {(p.name, p.ttl_seconds) for p in policies_for("anthropic", "claude-sonnet-4-5")}
    assert names == {(n, t) for n in ("prompt_end", "system", "system_and_prompt_end") for t in (300, 3600)}
    assert policies_for("openai", "gpt-4o") == [Policy(AUTOMATIC, 300)]
    assert policies_for("openai", "gpt-5") == [Policy(AUTOMATIC, 300), Policy(AUTOMATIC, 86400)]
    assert policies_for("google", "gemini-2.5-flash") == [Policy(AUTOMATIC, 300)]
    assert policies_for("mistral", "mistral-large-latest") == []
