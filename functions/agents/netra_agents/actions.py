"""The actions agent: how to roll out each recommendation safely — the change, how to
validate it, the metric to watch and the trigger to roll back. Thresholds come from the
recommendation's own numbers."""

from __future__ import annotations

import math

from shared_lib.contracts.agents import ActionsSummary, StepTask
from shared_lib.contracts.steps import ActionsOutput

from netra_agents import catalog
from netra_agents.progress import Progress
from netra_agents.runtime import PriorOutputs

# The evaluation to run before a change that can alter answers: a one-sided non-inferiority
# test that the new setting's success rate on the team's own prompts is at most MARGIN below
# today's, at significance ALPHA with POWER, assuming today's success rate is BASELINE.
BASELINE = 0.9
MARGIN = 0.05
ALPHA = 0.05
POWER = 0.8


def non_inferiority_sample_size(baseline: float = BASELINE, margin: float = MARGIN, alpha: float = ALPHA,
                                power: float = POWER) -> int:
    """Prompts per arm for a one-sided non-inferiority test of two proportions, both at
    `baseline` under the alternative: n = (z_(1-alpha) + z_power)^2 x 2p(1-p) / margin^2,
    rounded up (the normal approximation; Chow, Shao & Wang, Sample Size Calculations in
    Clinical Research, 4.2). Replaying the same prompts on both sides (paired) needs no more."""
    from statistics import NormalDist

    if not (0 < baseline < 1 and 0 < margin < 1 and 0 < alpha < 1 and 0 < power < 1):
        raise ValueError("baseline, margin, alpha and power must each lie strictly between 0 and 1")
    z = NormalDist().inv_cdf(1 - alpha) + NormalDist().inv_cdf(power)
    return math.ceil(z * z * 2 * baseline * (1 - baseline) / (margin * margin))


def evaluation(r: dict) -> dict | None:
    """The evaluation to run first for a lever that can change answers; None for the others."""
    metric = {
        "model_rightsizing": f"task success: share of answers from {r['change'].get('to_model', 'the new model')} that "
                             "match the current answer or the team's label (fields, class, graded answer)",
        "reasoning_effort": "task success: share of answers at the lower effort that match the current answer or the "
                            "team's label",
        "output_caps": "share of answers complete within the cap (not cut off mid-answer)",
    }.get(r["lever"])
    if metric is None:
        return None
    n = non_inferiority_sample_size()
    available = r.get("affected_calls") or 0
    return {"kind": "non_inferiority", "metric": metric, "baseline_success": BASELINE, "margin": MARGIN,
            "alpha": ALPHA, "power": POWER, "sample_size_per_arm": n,
            "threshold": f"adopt only if the new success rate's one-sided {1 - ALPHA:.0%} lower confidence bound on "
                         f"(new - current) is above -{MARGIN:.0%} (i.e. at most {MARGIN * 100:g} points worse)",
            "enough_traffic": available >= n}


def plan_rollouts(task: StepTask, progress: Progress, ctx: PriorOutputs) -> tuple[ActionsOutput, ActionsSummary]:
    found = ctx.store.output(task.run_id, "optimization")
    if found is None:
        raise RuntimeError(f"run {task.run_id} has no optimization output yet")
    plans = {}
    progress.thinking(f"Planning {len(found['recommendations'])} rollouts: change, validation, metric, rollback", "plans")
    with progress.tool("rollout_planner", "Writing a rollout plan per recommendation") as said:
        for recommendation in found["recommendations"]:
            plans[recommendation["id"]] = rollout(recommendation)
        said.update(plans=len(plans))
    progress.completed(f"{len(plans)} rollout plans")
    return {"plans": plans}, {"plans": len(plans)}


def rollout(r: dict) -> list[dict]:
    w, change = r["workload"], r["change"]
    feature, lever = w["feature"], r["lever"]
    check = evaluation(r)
    first = None
    if check:
        first = (f"Evaluate first: replay {check['sample_size_per_arm']:,} recent {feature} prompts on both settings "
                 f"(metric: {check['metric']}); {check['threshold']}. {check['sample_size_per_arm']:,} prompts detect a "
                 f"{check['margin'] * 100:g}-point drop from a {check['baseline_success']:.0%} success rate with "
                 f"{check['power']:.0%} power at one-sided alpha {check['alpha']:g}"
                 + ("" if check["enough_traffic"] else f" (more than the {r.get('affected_calls', 0):,} calls of the "
                                                        "period: collect prompts for longer)") + ".")
    if lever == "model_rightsizing":
        steps = [
            ("change", f"Route {feature} from {change['from_model']} to {change['to_model']} behind a flag."),
            ("validate", first),
            ("watch", f"Shadow then 10% → 50% → 100% of {feature} traffic over a week; watch task accuracy, user "
                      "corrections and error rate."),
            ("rollback", "Flip the flag back when accuracy drops more than 2 points or the error rate doubles."),
        ]
    elif lever == "response_caching":
        steps = [
            ("change", f"Put an exact-match cache (key: model + normalised prompt hash) in front of {feature}, with a TTL "
                       "matched to how often answers change (start with 24 h)."),
            ("validate", "Compare cached and fresh answers on a sample for a day before serving from cache."),
            ("watch", f"Cache hit rate (expect about {r['affected_calls']:,} hits per period) and stale-answer reports."),
            ("rollback", "Disable the cache (or shorten the TTL) on any stale-answer report."),
        ]
    elif lever == "prompt_caching":
        hour = change.get("cache_ttl_seconds") == 3600  # the optimizer found the 1-hour cache pays on the gaps seen
        day = change.get("cache_ttl_seconds") == catalog.EXTENDED_CACHE_TTL_SECONDS
        marker = ("mark the shared prefix with cache_control" + (' {"type": "ephemeral", "ttl": "1h"}' if hour else "")
                  if change.get("provider") == "anthropic" else
                  "keep the shared prefix byte-identical at the start of every prompt (the provider caches it automatically"
                  + (', Gemini implicitly with no write charge' if change.get("provider") == "google" else "")
                  + (') and send prompt_cache_retention="24h"' if day else ")"))
        within = "a day" if day else "an hour" if hour else "five minutes"
        steps = [
            ("change", f"For {feature}: {marker}; move per-request content after it."),
            ("validate", f"Check that responses report cached input tokens on the second call within {within}."),
            ("watch", "cached_input_tokens / input_tokens for the feature, and time to first token (it should fall)."),
            ("rollback", "Revert the prompt layout if answer quality changes; caching itself does not alter outputs."),
        ]
    elif lever == "reasoning_effort":
        steps = [
            ("change", f"For {feature}: set {change['knob']} behind a flag."),
            ("validate", first),
            ("watch", "Reasoning tokens per call (the real saving, against the assumed "
                      f"{change['assumed_reasoning_saved_share']:.0%}), task success and user corrections."),
            ("rollback", "Restore the previous effort when task success drops more than the margin or corrections rise."),
        ]
    elif lever == "batching" and change.get("service_tier") == "flex":
        steps = [
            ("change", f"Send {feature} with service_tier=\"flex\" (same API, batch prices); retry 429s with backoff and "
                       "fall back to the standard tier after a timeout the feature can bear."),
            ("validate", "Run a day of traffic on Flex and compare latency and completion with the standard tier."),
            ("watch", "p95 latency, 429 (resource unavailable) rate and fallbacks to the standard tier."),
            ("rollback", "Drop service_tier when latency or fallbacks exceed what the feature's users accept."),
        ]
    elif lever == "batching":
        from shared_lib.pricing import provider_id

        provider = provider_id(w.get("provider", ""))
        turnaround = change.get("turnaround") or catalog.BATCH_TURNAROUND.get(provider, "results within 24 hours")
        steps = [
            ("change", f"Submit {feature} through the {provider} batch API ({turnaround}) instead of live calls"
                       + (", or keep the live calls with service_tier=\"flex\" at the same price" if change.get("flex") else "")
                       + "."),
            ("validate", "Run one night's job through the batch API alongside the live path and diff the outputs."),
            ("watch", "Batch completion time against the job's deadline, and failed items per batch."),
            ("rollback", "Fall back to live calls when a batch misses the job's deadline."),
        ]
    elif lever == "output_caps":
        steps = [
            ("change", f"Set max_tokens={change['max_tokens']} for {feature} and stop sequences for runaway lists."),
            ("validate", first if r.get("confidence") != "high" else
             "Check that answers truncated at the cap are rare (under 1%) on a day of traffic."),
            ("watch", "finish_reason=length rate and the p99 output length."),
            ("rollback", "Raise the cap when the truncation rate passes 1% or users report cut-off answers."),
        ]
    else:  # error_waste
        steps = [
            ("change", f"For {feature}: raise the client timeout above the p99 latency, stream responses, and retry only "
                       "errors that happen before the first token."),
            ("validate", "Load-test the new timeout and confirm failed-but-billed calls stop."),
            ("watch", "Billed failure rate (timeouts with tokens) and retries per call."),
            ("rollback", "Restore the previous timeout when user-facing latency degrades."),
        ]
    return [{"phase": phase, "detail": detail} for phase, detail in steps]

