"""A what-if, priced with the optimizer's own machinery: the same per-token-kind prices
(`optimizer.workload_state`), the same batch discounts, the same recommendations.

- `top_n`: only the n largest recommendations of the plan; saves exactly their sum.
- `move_model`: a feature's (or every) workload on `from_model` (or any model) re-priced on
  `to_model` with the same tokens of each kind; a model without a price cannot be priced.
- `cache`: every repeated prompt (same prompt_hash and model) of the feature answered from
  an exact-match cache: those calls' tokens are not bought. With `mode` "prompt": the
  provider's prompt caching of shared prefixes, priced by the optimizer's own lever on each
  workload as it is today (the plan prices it after the levers before it, so the two differ
  where those levers touch the same calls; the answer says by how much).
- `batch`: the feature's live calls sent through the provider's batch API at its discount.
- `traffic_growth`: the feature's (or every) workload with `factor` times its calls, each
  call priced as today; the saving is negative when traffic grows.

`current_cost_usd` is the period's priced spend; the projection changes only what the
scenario touches. An unpriceable scenario says so (`priced: false`), never $0.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from shared_lib.pricing import BATCH_DISCOUNT, unit_prices

from netra_agents import catalog
from netra_agents.answers.money import ZERO, dollars, share, usd
from netra_agents.answers.quoting import name, names
from netra_agents.optimizer import Tokens, lifetime, prompt_caching, workload_state


def what_if(scenario: dict, profile: dict, found: dict | None) -> dict:
    workloads = profile.get("workloads", [])
    current = Decimal(found["total_spend_usd"]) if found else sum((Decimal(w["cost_usd"]) for w in workloads), ZERO)
    kind = scenario.get("type")
    if kind == "top_n":
        result = _top_n(scenario, found or {"recommendations": []})
    else:
        scope = [w for w in workloads if (not scenario.get("feature") or w["feature"] == scenario["feature"])]
        if kind == "move_model":
            result = _move_model(scenario, scope)
        elif kind == "cache" and scenario.get("mode") == "prompt":
            result = _prompt_caching(scope, found)
        elif kind == "cache":
            result = _cache(scope)
        elif kind == "traffic_growth":
            result = _traffic(scenario, scope)
        elif kind == "batch":
            result = _batch(scope)
        else:
            result = _unpriced([f"Netra cannot price a scenario of type {name(kind)}."])
    saving = result.pop("saving")
    return {
        "scenario": scenario,
        "priced": saving is not None,
        "current_cost_usd": usd(current),
        "projected_cost_usd": usd(current - saving) if saving is not None else None,
        "savings_usd": usd(saving) if saving is not None else None,
        "savings_pct": share(saving, current) if saving is not None else None,
        **result,
    }


def _unpriced(assumptions: list[str], **extra) -> dict:
    return {"saving": None, "affected": [], "assumptions": assumptions, **extra}


def _top_n(scenario: dict, found: dict) -> dict:
    recommendations = found["recommendations"]
    n = max(1, int(scenario.get("n") or 1))
    chosen = recommendations[:n]
    saving = sum((Decimal(r["savings_usd"]) for r in chosen), ZERO)
    assumptions = [
        f"Applies the {len(chosen)} largest of the plan's {len(recommendations)} recommendations, as the plan "
        "prices them; each call's saving is counted under one lever only."
    ]
    if len(chosen) < n:
        assumptions.append(f"The plan has only {len(recommendations)} recommendations.")
    return {
        "saving": saving,
        "assumptions": assumptions,
        "affected": [
            {
                "id": r["id"],
                "title": r["title"],
                "lever": r["lever"],
                "feature": r["workload"]["feature"],
                "model": r["workload"]["model"],
                "savings_usd": r["savings_usd"],
            }
            for r in chosen
        ],
    }


def _move_model(scenario: dict, scope: list[dict]) -> dict:
    target, source = scenario.get("to_model"), scenario.get("from_model")
    scope = [w for w in scope if not source or w["model"] == source]
    if not target:
        return _unpriced(["The scenario names no model to move to."])
    if not scope:
        return _unpriced([f"No usage matches the scenario ({_where(scenario)})."])
    provider = catalog.provider_of(target, scope[0]["provider"])
    if provider is None:
        return _unpriced(
            [f"Netra cannot price {name(target)}: the price catalog does not know it, so the move cannot be priced."],
            unpriced_models=[target],
        )
    saving, affected, assumptions = ZERO, [], []
    unpriced = sorted({w["model"] for w in scope if workload_state(w) is None})
    for w in scope:
        state = workload_state(w)
        if state is None or w["model"] == target:
            continue
        calls = max(1, state.calls)
        try:
            rates = unit_prices(provider, target, state.tokens.input // calls + 1)
        except LookupError:
            return _unpriced(
                [f"Netra cannot price {name(target)} for this workload's prompt size."], unpriced_models=[target]
            )
        before = state.cost
        after = state.tokens.cost(rates, state.factor)
        saving += before - after
        affected.append(
            {
                "feature": w["feature"],
                "model": w["model"],
                "to_model": target,
                "calls": w["calls"],
                "current_cost_usd": usd(before),
                "projected_cost_usd": usd(after),
                "savings_usd": usd(before - after),
            }
        )
    if unpriced and not affected:
        return _unpriced(
            [
                f"Netra cannot price this move: {names(unpriced)} has no known price, so what these calls "
                "cost today is unknown."
            ],
            unpriced_models=unpriced,
        )
    if unpriced:
        assumptions.append(f"Calls on {names(unpriced)} have no known price and are left out.")
    assumptions += [
        f"Each call keeps its tokens of each kind (input, cached, output) and is billed at the {provider} prices "
        f"of {name(target)}.",
        f"Assumes {name(target)} answers these calls acceptably: validate on a sample before switching.",
    ]
    return {"saving": saving, "affected": affected, "assumptions": assumptions}


def _cache(scope: list[dict]) -> dict:
    saving, affected = ZERO, []
    for w in scope:
        state = workload_state(w)
        if state is None or not w["repeats"]["calls"]:
            continue
        before = state.cost
        after = dataclasses.replace(state, tokens=state.tokens.minus(Tokens.of(w["repeats"]["tokens"]))).cost
        saving += before - after
        affected.append(
            {
                "feature": w["feature"],
                "model": w["model"],
                "calls": w["repeats"]["calls"],
                "current_cost_usd": usd(before),
                "projected_cost_usd": usd(after),
                "savings_usd": usd(before - after),
            }
        )
    assumptions = [
        "Every repeated prompt (same prompt_hash and model in the period) is answered from an exact-match "
        "cache instead of a model call; the cache's own cost is not counted."
    ]
    if not affected:
        assumptions.append("No repeated prompts were found in this scope (calls need prompt_hash to be matched).")
    return {"saving": saving, "affected": affected, "assumptions": assumptions}


def _prompt_caching(scope: list[dict], found: dict | None) -> dict:
    saving, affected, in_plan, placed = ZERO, [], ZERO, []
    planned = {
        (r["workload"]["feature"], r["workload"]["model"]): Decimal(r["savings_usd"])
        for r in (found or {}).get("recommendations", [])
        if r["lever"] == "prompt_caching"
    }
    for w in scope:
        state = workload_state(w)
        found_here = prompt_caching(state) if state is not None else None
        if found_here is None:
            continue
        saving += found_here.savings
        in_plan += planned.get((w["feature"], w["model"]), ZERO)
        if found_here.change.get("cache_policy"):  # replayed from prefix chains: where the breakpoints go
            placed.append(
                f"For {name(w['feature'])} on {name(w['model'])}: {found_here.change['breakpoints']}, each entry "
                f"kept {lifetime(found_here.change['cache_ttl_seconds'])}: what saves most when its calls are "
                "replayed through the provider's caching rules."
            )
        affected.append(
            {
                "feature": w["feature"],
                "model": w["model"],
                "calls": found_here.affected_calls,
                "current_cost_usd": usd(found_here.current_cost),
                "projected_cost_usd": usd(found_here.current_cost - found_here.savings),
                "savings_usd": usd(found_here.savings),
            }
        )
    assumptions = [
        "The provider's prompt caching of each shared prefix long enough to cache, at its cache write and read "
        "prices, with the cache lifetime that saves most on the gaps between calls; each workload as it is today, "
        "with no other change made."
    ]
    assumptions.extend(placed)
    if not affected:
        assumptions.append(
            "No shared prefix in this scope would save by caching (too short, already cached, or calls too far apart)."
        )
    elif usd(in_plan) != usd(saving):
        assumptions.append(
            f"The plan counts {dollars(in_plan)} for prompt caching here: it prices caching after the changes it "
            "lists before it, which already remove or re-price some of these calls."
        )
    return {"saving": saving, "affected": affected, "assumptions": assumptions}


def _traffic(scenario: dict, scope: list[dict]) -> dict:
    factor = Decimal(str(scenario.get("factor")))
    if not scope:
        return _unpriced([f"No usage matches the scenario ({_where(scenario)})."])
    before = sum((Decimal(w["cost_usd"]) for w in scope), ZERO)
    after = before * factor
    affected = [
        {
            "feature": w["feature"],
            "model": w["model"],
            "calls": w["calls"],
            "current_cost_usd": usd(Decimal(w["cost_usd"])),
            "projected_cost_usd": usd(Decimal(w["cost_usd"]) * factor),
            "savings_usd": usd(Decimal(w["cost_usd"]) * (1 - factor)),
        }
        for w in scope
    ]
    who = name(scenario["feature"]) if scenario.get("feature") else "every feature"
    who = who[0].upper() + who[1:]
    assumptions = [
        (
            f"{who} is turned off: its calls and their cost stop; nothing replaces them."
            if factor == 0
            else f"{who} makes {factor.normalize():f} times its calls of the period, each with the tokens and prices of "
            "today's calls; nothing else changes (no volume discounts, rate limits or new caching)."
        )
    ]
    if any(workload_state(w) is None for w in scope):
        assumptions.append("Calls with no known price count at $0, as they do today.")
    return {"saving": before - after, "affected": affected, "assumptions": assumptions}


def _batch(scope: list[dict]) -> dict:
    saving, affected, interactive = ZERO, [], []
    for w in scope:
        state = workload_state(w)
        discount = BATCH_DISCOUNT.get(state.provider) if state else None
        if state is None or w["batch"] or discount is None:
            continue
        before = state.cost
        after = before * discount
        saving += before - after
        if w["interactive"]:
            interactive.append(w["feature"])
        affected.append(
            {
                "feature": w["feature"],
                "model": w["model"],
                "calls": w["calls"],
                "current_cost_usd": usd(before),
                "projected_cost_usd": usd(after),
                "savings_usd": usd(before - after),
            }
        )
    assumptions = ["Batch APIs bill 50% of the live price and return results within 24 hours."]
    if interactive:
        assumptions.append(f"{names(sorted(set(interactive)))} serves users live: they would wait for the batch.")
    if not affected:
        assumptions.append("Nothing in this scope can move: it already uses a batch API or its provider has none.")
    return {"saving": saving, "affected": affected, "assumptions": assumptions}


def _where(scenario: dict) -> str:
    said = [f"{k.replace('_', ' ')} {v if k == 'n' else name(v)}" for k, v in scenario.items() if v and k != "type"]
    return ", ".join(said) or "everything"
