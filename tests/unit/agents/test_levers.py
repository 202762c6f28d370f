"""Each lever on a small hand-built profile, with the dollars worked out by hand (list
prices per million tokens: gpt-4o $2.50 in / $10 out, gpt-4o-mini $0.15 / $0.60,
gpt-4.1-mini $0.40 / $1.60, gemini-2.5-pro $1.25 / $10, gemini-2.5-flash $0.30 / $2.50,
claude-sonnet-4-5 $3 in / $0.30 cache read / $3.75 cache write / $15 out)."""

from __future__ import annotations

import copy

from netra_agents.optimizer import optimize


def workload(**changes) -> dict:
    base = {
        "feature": "f", "provider": "openai", "model": "gpt-4o", "interactive": True, "batch": False,
        "calls": 1000, "success_calls": 1000, "cost_usd": "1", "unpriced_calls": 0,
        "calls_with_prompt_hash": 1000, "calls_with_prefix_hash": 1000,
        "tokens": {"input_tokens": 500_000, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 400_000},
        "reasoning_tokens": 0,
        "output": {"mean": 400.0, "stddev": 100.0, "p50": 400.0, "p95": 600.0, "p99": 700.0, "max_tokens_p50": None},
        "failures": {"calls": 0, "billed_calls": 0, "cost_usd": "0",
                     "tokens": {"input_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0}},
        "latency": {"p50_ms": 800.0, "p95_ms": 2000.0, "p50_ttft_ms": 300.0, "p95_ttft_ms": 600.0},
        "repeats": {"calls": 0, "cost_usd": "0",
                    "tokens": {"input_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0}},
        "output_tail": {"cap_tokens": 1600, "calls": 0, "excess_tokens": 0},
        "prefixes": [],
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return copy.deepcopy(base)


def levers(*workloads) -> dict:
    report = optimize({"workloads": list(workloads)})
    return {r["lever"]: r for r in report["recommendations"]}


SHORT = {"mean": 20.0, "stddev": 5.0, "p50": 20.0, "p95": 30.0, "p99": 35.0}


def test_model_rightsizing_prices_the_same_tokens_on_the_smaller_model():
    found = levers(workload(tokens={"output_tokens": 20_000}, output=SHORT))
    r = found["model_rightsizing"]
    # gpt-4o: 500k x 2.5/M + 20k x 10/M = 1.45; gpt-4o-mini: 500k x 0.15/M + 20k x 0.6/M = 0.087
    assert (r["current_cost_usd"], r["savings_usd"], r["projected_cost_usd"]) == ("1.45", "1.363", "0.087")
    assert r["change"] == {"from_model": "gpt-4o", "to_model": "gpt-4o-mini"} and r["affected_calls"] == 1000
    assert "model_rightsizing" not in levers(workload())  # long, varied outputs stay on the big model
    assert "model_rightsizing" not in levers(workload(model="gpt-4o-mini", output=SHORT))  # already small


def test_response_caching_saves_the_repeated_calls():
    repeats = {"calls": 300, "cost_usd": "0.675",
               "tokens": {"input_tokens": 150_000, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 30_000}}
    r = levers(workload(repeats=repeats))["response_caching"]
    # 150k x 2.5/M + 30k x 10/M
    assert (r["savings_usd"], r["affected_calls"], r["confidence"]) == ("0.675", 300, "high")


def test_error_waste_is_the_cost_of_billed_failures_above_the_threshold():
    failures = {"calls": 50, "billed_calls": 50, "cost_usd": "0.225",
                "tokens": {"input_tokens": 100_000, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 10_000}}
    r = levers(workload(provider="google", model="gemini-2.5-pro", failures=failures))["error_waste"]
    assert r["savings_usd"] == "0.225"  # 100k x 1.25/M + 10k x 10/M
    few = {**failures, "billed_calls": 10}  # 1%: noise, not a pattern
    assert "error_waste" not in levers(workload(provider="google", model="gemini-2.5-pro", failures=few))


def test_batching_halves_non_interactive_traffic_not_already_batched():
    job = dict(model="gpt-4.1-mini", interactive=False, tokens={"input_tokens": 1_000_000, "output_tokens": 200_000})
    assert levers(workload(**job))["batching"]["savings_usd"] == "0.36"  # (1M x 0.4/M + 200k x 1.6/M) / 2
    assert "batching" not in levers(workload(**{**job, "batch": True}))
    assert "batching" not in levers(workload(**{**job, "interactive": True}))


def test_output_caps_remove_the_runaway_tail():
    r = levers(workload(provider="google", model="gemini-2.5-flash",
                        output_tail={"cap_tokens": 800, "calls": 30, "excess_tokens": 120_000}))["output_caps"]
    assert (r["savings_usd"], r["change"]) == ("0.3", {"max_tokens": 800})  # 120k x 2.5/M
    common = {"cap_tokens": 800, "calls": 200, "excess_tokens": 500_000}  # 20% of calls: that is the normal length
    assert "output_caps" not in levers(workload(provider="google", model="gemini-2.5-flash", output_tail=common))


def test_prompt_caching_reads_the_prefix_and_pays_one_write_per_window():
    prefix = {"prefix_hash": "p", "calls": 1000, "prefix_tokens_max": 3050, "prefix_tokens_reported": 3000,
              "mean_input_tokens": 3500.0, "input_tokens": 3_500_000, "cached_input_tokens": 0, "active_windows": 100}
    chat = dict(provider="anthropic", model="claude-sonnet-4-5", tokens={"input_tokens": 3_500_000}, prefixes=[prefix])
    r = levers(workload(**chat))["prompt_caching"]
    # 900 reads x 3000 x (3 - 0.3)/M = 7.29, less 100 writes x 3000 x (3.75 - 3)/M = 0.225
    assert (r["savings_usd"], r["confidence"]) == ("7.065", "high")
    cached = {**prefix, "cached_input_tokens": 2_000_000}
    assert "prompt_caching" not in levers(workload(**{**chat, "prefixes": [cached]}))  # already cached
    short = {**prefix, "prefix_tokens_reported": 800}
    assert "prompt_caching" not in levers(workload(**{**chat, "prefixes": [short]}))  # below the provider's minimum
    sparse = {**prefix, "active_windows": 1000}  # every call writes: caching costs more
    assert "prompt_caching" not in levers(workload(**{**chat, "prefixes": [sparse]}))


def test_levers_apply_in_sequence_so_no_call_is_counted_twice():
    repeats = {"calls": 100, "cost_usd": "0.145",
               "tokens": {"input_tokens": 50_000, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 2_000}}
    found = levers(workload(tokens={"output_tokens": 20_000}, output=SHORT, repeats=repeats))
    assert found["response_caching"]["savings_usd"] == "0.145"  # 50k x 2.5/M + 2k x 10/M
    # What is left (450k in, 18k out) moves to gpt-4o-mini: 1.305 - 0.0783 = 1.2267
    assert (found["model_rightsizing"]["current_cost_usd"], found["model_rightsizing"]["savings_usd"]) == ("1.305", "1.2267")


def test_unpriced_workloads_get_a_warning_not_a_guess():
    report = optimize({"workloads": [workload(provider="other", model="acme-1", unpriced_calls=1000, output=SHORT)]})
    assert report["recommendations"] == []
    assert "1,000 calls" in report["warnings"][0] and "other/acme-1" in report["warnings"][0]


def test_missing_hashes_and_ttft_are_named_as_gaps():
    bare = workload(calls_with_prompt_hash=0, calls_with_prefix_hash=0,
                    latency={"p50_ms": 1.0, "p95_ms": 2.0, "p50_ttft_ms": None, "p95_ttft_ms": None})
    warnings = optimize({"workloads": [bare]})["warnings"]
    assert any("prompt_hash" in w for w in warnings) and any("prefix_hash" in w for w in warnings)
    assert any("ttft_ms" in w for w in warnings)


def test_slow_interactive_workloads_are_latency_findings():
    slow = workload(latency={"p50_ms": 4000.0, "p95_ms": 12_000.0, "p50_ttft_ms": 900.0, "p95_ttft_ms": 2500.0})
    [finding] = optimize({"workloads": [slow]})["latency_findings"]
    assert finding["p95_ttft_ms"] == 2500.0 and "p95 time to first token 2.5 s" in finding["finding"]


def test_workloads_too_small_to_judge_are_named():
    report = optimize({"workloads": [workload(), workload(feature="tiny", calls=20, success_calls=20, cost_usd="0.5")]})
    assert any("1 workloads with fewer than 50 successful calls ($0.50" in w for w in report["warnings"])
