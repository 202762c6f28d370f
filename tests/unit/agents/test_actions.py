"""The rollout plan of a prompt-caching change follows the cache the optimizer priced."""

from netra_agents.actions import rollout


def caching(ttl: int) -> dict:
    return {"lever": "prompt_caching", "workload": {"feature": "support-bot", "provider": "anthropic", "model": "claude-sonnet-4-5"},
            "change": {"provider": "anthropic", "cache_ttl_seconds": ttl}, "savings_usd": "10", "affected_calls": 100,
            "current_cost_usd": "20", "projected_cost_usd": "10"}


def test_the_one_hour_cache_is_asked_for_and_validated_within_the_hour():
    steps = {s["phase"]: s["detail"] for s in rollout(caching(3600))}
    assert '"ttl": "1h"' in steps["change"] and "within an hour" in steps["validate"]


def test_the_five_minute_cache_needs_no_ttl():
    steps = {s["phase"]: s["detail"] for s in rollout(caching(300))}
    assert "ttl" not in steps["change"] and "within five minutes" in steps["validate"]


def test_the_non_inferiority_sample_size_is_the_textbook_formula():
    from netra_agents.actions import non_inferiority_sample_size

    # z(0.95) = 1.6449, z(0.80) = 0.8416: (2.4865)^2 = 6.1826; x 2 x 0.9 x 0.1 = 1.1129; / 0.05^2 = 445.1 -> 446.
    assert non_inferiority_sample_size(0.9, 0.05, 0.05, 0.8) == 446
    # 6.1826 x 2 x 0.8 x 0.2 = 1.9784; / 0.1^2 = 197.8 -> 198: a wider margin needs far fewer prompts.
    assert non_inferiority_sample_size(0.8, 0.1, 0.05, 0.8) == 198
    import pytest

    with pytest.raises(ValueError):
        non_inferiority_sample_size(1.0, 0.05)


def rightsizing(calls: int) -> dict:
    return {"id": "r", "lever": "model_rightsizing", "confidence": "medium", "affected_calls": calls,
            "workload": {"feature": "triage", "provider": "openai", "model": "gpt-4o"},
            "change": {"from_model": "gpt-4o", "to_model": "gpt-4o-mini"}}


def test_a_quality_risking_change_is_evaluated_first_with_the_computed_sample():
    steps = {s["phase"]: s["detail"] for s in rollout(rightsizing(5000))}
    assert steps["validate"].startswith("Evaluate first: replay 446 recent triage prompts")
    assert "5-point drop from a 90% success rate" in steps["validate"] and "collect prompts" not in steps["validate"]
    # Fewer calls in the period than the evaluation needs: said so.
    assert "more than the 300 calls of the period" in {s["phase"]: s["detail"] for s in rollout(rightsizing(300))}["validate"]
    effort = {"id": "e", "lever": "reasoning_effort", "confidence": "medium", "affected_calls": 1000,
              "workload": {"feature": "router", "provider": "openai", "model": "o4-mini"},
              "change": {"reasoning_effort": "lower", "knob": "reasoning_effort one step lower (medium to low)",
                         "assumed_reasoning_saved_share": 0.5}}
    steps = {s["phase"]: s["detail"] for s in rollout(effort)}
    assert "reasoning_effort one step lower" in steps["change"] and "446" in steps["validate"]
    assert "against the assumed 50%" in steps["watch"]


def test_batch_rollouts_name_the_providers_turnaround_and_flex():
    job = {"lever": "batching", "workload": {"feature": "enrich", "provider": "anthropic"}, "change": {"batch_api": True}}
    assert "most batches within 1 hour, at most 24 hours" in rollout(job)[0]["detail"]
    flex = {"lever": "batching", "workload": {"feature": "grader", "provider": "openai"},
            "change": {"flex": True, "service_tier": "flex", "batch_api": False}}
    assert 'service_tier="flex"' in rollout(flex)[0]["detail"]


def test_openai_extended_retention_is_asked_for():
    r = caching(86400)
    r["change"]["provider"] = r["workload"]["provider"] = "openai"
    steps = {s["phase"]: s["detail"] for s in rollout(r)}
    assert 'prompt_cache_retention="24h"' in steps["change"] and "within a day" in steps["validate"]
