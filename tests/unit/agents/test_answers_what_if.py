"""What-ifs, priced by hand with list prices (gpt-4o $2.50 in / $10 out per million tokens,
gpt-4o-mini $0.15 / $0.60, claude-haiku-4-5 $1 / $5): the optimizer's machinery on a
scenario the user names."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.agents.test_levers import SHORT, workload

from netra_agents.answers.what_if import what_if
from netra_agents.optimizer import optimize

REPEATS = {
    "calls": 300,
    "cost_usd": "0.675",
    "tokens": {"input_tokens": 150_000, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 30_000},
}


def profile():
    # triage: 500k in x 2.5/M + 20k out x 10/M = $1.45; chat: 500k x 2.5/M + 400k x 10/M = $5.25
    return {
        "workloads": [
            workload(feature="triage", cost_usd="1.45", tokens={"output_tokens": 20_000}, output=SHORT),
            workload(feature="chat", cost_usd="5.25", repeats=REPEATS, interactive=True),
            workload(feature="nightly", cost_usd="5.25", interactive=False),
        ]
    }


def test_only_the_top_two_saves_exactly_the_two_largest_savings():
    found = optimize(profile())
    savings = sorted((Decimal(r["savings_usd"]) for r in found["recommendations"]), reverse=True)
    assert len(savings) >= 3
    answer = what_if({"type": "top_n", "n": 2}, profile(), found)
    assert Decimal(answer["savings_usd"]) == savings[0] + savings[1]
    assert Decimal(answer["projected_cost_usd"]) == Decimal(found["total_spend_usd"]) - savings[0] - savings[1]
    assert answer["current_cost_usd"] == found["total_spend_usd"] == "11.95" and answer["priced"]
    assert [a["savings_usd"] for a in answer["affected"]] == [r["savings_usd"] for r in found["recommendations"][:2]]


def test_moving_a_feature_to_another_model_reprices_its_tokens():
    answer = what_if(
        {"type": "move_model", "feature": "triage", "from_model": "gpt-4o", "to_model": "gpt-4o-mini"},
        profile(),
        optimize(profile()),
    )
    # gpt-4o-mini: 500k x 0.15/M + 20k x 0.6/M = 0.087; saving 1.45 - 0.087
    assert (answer["savings_usd"], answer["affected"][0]["projected_cost_usd"]) == ("1.363", "0.087")
    assert answer["projected_cost_usd"] == str(Decimal("11.95") - Decimal("1.363"))
    across = what_if({"type": "move_model", "feature": "triage", "to_model": "claude-haiku-4-5"}, profile(), None)
    # Another provider's model: 500k x 1/M + 20k x 5/M = 0.6
    assert across["affected"][0]["projected_cost_usd"] == "0.6" and across["savings_usd"] == "0.85"


def test_an_unknown_model_cannot_be_priced_never_zero():
    answer = what_if(
        {"type": "move_model", "feature": "triage", "to_model": "acme-llm-9"}, profile(), optimize(profile())
    )
    assert answer["priced"] is False and answer["savings_usd"] is None and answer["projected_cost_usd"] is None
    assert "cannot price “acme-llm-9”" in answer["assumptions"][0]


def test_caching_and_batching_a_feature():
    cached = what_if({"type": "cache", "feature": "chat"}, profile(), None)
    assert cached["savings_usd"] == "0.675" and cached["affected"][0]["calls"] == 300  # 150k x 2.5/M + 30k x 10/M
    batched = what_if({"type": "batch", "feature": "nightly"}, profile(), None)
    assert batched["savings_usd"] == "2.625" and batched["current_cost_usd"] == "11.95"  # half of 5.25
    live = what_if({"type": "batch", "feature": "chat"}, profile(), None)
    assert any("serves users live" in a for a in live["assumptions"])


def test_moving_calls_whose_model_has_no_price_cannot_be_priced():
    acme = {
        "workloads": [workload(feature="chat", provider="acme", model="acme-llm-1", cost_usd="0", unpriced_calls=1000)]
    }
    answer = what_if({"type": "move_model", "feature": "chat", "to_model": "gpt-4o-mini"}, acme, None)
    assert (
        answer["priced"] is False
        and answer["savings_usd"] is None
        and "“acme-llm-1” has no known price" in answer["assumptions"][0]
    )


def test_traffic_growth_scales_the_cost_of_what_it_names_and_costs_more():
    # chat is $5.25 of $11.95: twice its traffic adds 5.25; the whole org at 1.5x adds 5.975.
    doubled = what_if({"type": "traffic_growth", "feature": "chat", "factor": 2.0}, profile(), None)
    assert (doubled["savings_usd"], doubled["projected_cost_usd"], doubled["priced"]) == ("-5.25", "17.2", True)
    assert doubled["affected"] == [
        {
            "feature": "chat",
            "model": "gpt-4o",
            "calls": 1000,
            "current_cost_usd": "5.25",
            "projected_cost_usd": "10.5",
            "savings_usd": "-5.25",
        }
    ]
    everything = what_if({"type": "traffic_growth", "factor": 1.5}, profile(), None)
    assert (everything["savings_usd"], everything["projected_cost_usd"]) == ("-5.975", "17.925")
    off = what_if({"type": "traffic_growth", "feature": "nightly", "factor": 0.0}, profile(), None)
    assert (off["savings_usd"], off["projected_cost_usd"]) == ("5.25", "6.7")
    assert "turned off" in off["assumptions"][0]
    nothing = what_if({"type": "traffic_growth", "feature": "ghost", "factor": 2.0}, profile(), None)
    assert nothing["priced"] is False and nothing["savings_usd"] is None


def test_prompt_caching_as_a_what_if_is_the_plans_own_lever_on_the_workload_as_it_is():
    prefix = {
        "prefix_hash": "p",
        "calls": 1000,
        "prefix_tokens_max": 3050,
        "prefix_tokens_reported": 3000,
        "mean_input_tokens": 3500.0,
        "input_tokens": 3_500_000,
        "cached_input_tokens": 0,
        "cache_writes": {"300": 100, "3600": 90},
        "median_gap_seconds": 30.0,
    }
    chat = workload(feature="chat", provider="anthropic", model="claude-sonnet-4-5", tokens={"input_tokens": 3_500_000})
    chat["prefixes"] = [prefix]
    usage = {"workloads": [chat]}
    # As in test_levers: 900 reads x 3000 x (3 - 0.3)/M - 100 writes x 3000 x (3.75 - 3)/M = 7.065.
    answer = what_if({"type": "cache", "feature": "chat", "mode": "prompt"}, usage, optimize(usage))
    assert (answer["savings_usd"], answer["affected"][0]["calls"]) == ("7.065", 1000)
    # A response cache of the same workload finds no repeated prompts: the two modes are priced apart.
    assert what_if({"type": "cache", "feature": "chat"}, usage, None)["savings_usd"] == "0"
    assert not any("The plan counts" in a for a in answer["assumptions"])  # the plan's figure is the same
    # With 300 repeated prompts answered from a response cache first, the plan caches the prefix of the
    # 700 calls left: 600 reads x 3000 x 2.7/M - 0.225 = 4.635. The what-if prices the lever alone and
    # says what the plan counts.
    chat["repeats"] = {
        "calls": 300,
        "cost_usd": "3.15",
        "tokens": {"input_tokens": 1_050_000, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0},
    }
    plan = {r["lever"]: r["savings_usd"] for r in optimize(usage)["recommendations"]}
    assert plan == {"prompt_caching": "4.635", "response_caching": "3.15"}
    alone = what_if({"type": "cache", "feature": "chat", "mode": "prompt"}, usage, optimize(usage))
    assert alone["savings_usd"] == "7.065"
    assert any("The plan counts $4.64 for prompt caching" in a for a in alone["assumptions"])


def test_prompt_caching_from_replayed_chains_says_where_the_breakpoints_go():
    from tests.unit.agents.test_levers import tally

    caching = {"calls_with_chain": 1000, "policies": [tally("system_and_prompt_end", 300, 2_500_000, 700_000, 810)]}
    chat = workload(
        feature="chat",
        provider="anthropic",
        model="claude-sonnet-4-5",
        tokens={"input_tokens": 3_500_000},
        caching=caching,
    )
    usage = {"workloads": [chat]}
    answer = what_if({"type": "cache", "feature": "chat", "mode": "prompt"}, usage, optimize(usage))
    # 2,500,000 x (3 - 0.3)/M - 700,000 x (3.75 - 3)/M = 6.75 - 0.525 (as in test_levers)
    assert answer["savings_usd"] == "6.225"
    assert (
        "For “chat” on “claude-sonnet-4-5”: cache_control breakpoints at the end of the system prompt and of each "
        "prompt, each entry kept 5 minutes: what saves most when its calls are replayed through the provider's "
        "caching rules." in answer["assumptions"]
    )
