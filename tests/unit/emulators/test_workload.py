"""The workload generator's traffic has the shapes its answer key claims, and the key claims
nothing where nothing was injected."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from emulators.workload import LEVERS, MIN_PREFIX, WorkloadSettings, generate

END = dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def injected():
    return generate(WorkloadSettings("org-w", seed=3, days=14, calls_per_day=1500, end=END))


def gaps(events: list[dict], feature: str) -> list[float]:
    times = sorted(
        dt.datetime.fromisoformat(e["timestamp"])
        for e in events
        if e["feature"] == feature and e["status"] == "success"
    )
    return [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]


def test_sessions_have_gaps_either_side_of_five_and_sixty_minutes(injected):
    g = gaps(injected.events, "tutor-sessions")
    seconds_apart = sum(x < 300 for x in g)
    pauses = sum(300 < x <= 3600 for x in g)
    hours_apart = sum(x > 3600 for x in g)
    assert seconds_apart > pauses > 0 and hours_apart > 0
    assert sorted(g)[len(g) // 2] < 120  # most calls come seconds apart, inside a session


def test_prefixes_sit_above_and_below_each_models_minimum(injected):
    prefix = {e["feature"]: int(e["metadata"]["prefix_tokens"]) for e in injected.events}
    assert prefix["tutor-sessions"] >= MIN_PREFIX["claude-sonnet-4-5"] and prefix["docs-copilot"] >= MIN_PREFIX["gpt-5"]
    # Over Sonnet's 1,024 minimum yet under Haiku 4.5's 4,096: never cacheable, never in the key.
    assert MIN_PREFIX["claude-sonnet-4-5"] < prefix["haiku-helper"] < MIN_PREFIX["claude-haiku-4-5"]
    claimed = {(i["lever"], i["feature"]) for i in injected.answer_key["inefficiencies"]}
    assert {("prompt_caching", f) for f in ("tutor-sessions", "docs-copilot", "gemini-helpdesk")} <= claimed
    assert ("prompt_caching", "haiku-helper") not in claimed


def reasoning_share(events: list[dict], feature: str) -> float:
    calls = [e for e in events if e["feature"] == feature and e["status"] == "success"]
    return sum(e["reasoning_tokens"] for e in calls) / sum(e["output_tokens"] for e in calls)


def test_reasoning_that_dwarfs_answers_only_where_injected(injected):
    assert reasoning_share(injected.events, "intent-router") > 0.9
    # The coding assistant reasons too (30% of its long answers): a reasoning workload with nothing to claim.
    assert reasoning_share(injected.events, "code-assistant") == pytest.approx(0.3, abs=0.01)
    claimed = {(i["lever"], i["feature"]) for i in injected.answer_key["inefficiencies"]}
    assert ("reasoning_effort", "intent-router") in claimed
    assert not {f for lever, f in claimed if lever == "reasoning_effort"} - {"intent-router"}
    efficient = generate(
        WorkloadSettings(
            "org-w", seed=3, days=7, calls_per_day=800, end=END, inject=frozenset(LEVERS) - {"reasoning_effort"}
        )
    )
    assert reasoning_share(efficient.events, "intent-router") < 0.75
    assert Decimal(efficient.answer_key["levers"]["reasoning_effort"]) == 0


def test_the_grader_is_flagged_interactive_but_never_streams(injected):
    grader = [e for e in injected.events if e["feature"] == "eval-grader"]
    assert all(e["interactive"] and e["ttft_ms"] is None and not e["batch"] for e in grader)
    assert any(e["ttft_ms"] is not None for e in injected.events)  # the org does report ttft elsewhere


def test_runaway_and_natural_tails():
    w = generate(WorkloadSettings("org-t", seed=4, days=14, calls_per_day=2000, end=END))
    key = {i["feature"]: i["lever"] for i in w.answer_key["inefficiencies"] if i["lever"] == "output_caps"}
    assert key == {"doc-summarizer": "output_caps"}  # the code assistant's log-normal tail is not a claim
    code = sorted(e["output_tokens"] for e in w.events if e["feature"] == "code-assistant" and e["status"] == "success")
    assert code[-1] > 4 * code[len(code) // 2]  # some answers are simply long


def test_nothing_injected_means_nothing_in_the_key():
    w = generate(WorkloadSettings("org-n", seed=5, days=7, calls_per_day=800, end=END, inject=frozenset()))
    assert all(Decimal(v) == 0 for v in w.answer_key["levers"].values()) and w.answer_key["inefficiencies"] == []
