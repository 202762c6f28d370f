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
