"""The actions agent: how to roll out each recommendation safely — the change, how to
validate it, the metric to watch and the trigger to roll back. Thresholds come from the
recommendation's own numbers; names from usage data are quoted as names in every step."""

from __future__ import annotations

import math

from shared_lib.contracts.agents import ActionsSummary, StepTask
from shared_lib.contracts.steps import ActionsOutput

from netra_agents import catalog
from netra_agents.answers.quoting import name
from netra_agents.progress import Progress
from netra_agents.runtime import PriorOutputs

# The evaluation to run before a change that can alter answers.
# Right-sizing and reasoning effort: a one-sided non-inferiority test on the team's own prompts,
# both settings scored against the team's labels or graded answers (never against today's
# answer, which would make today's setting right by definition), that the new setting's task
# success is at most MARGIN below today's, at significance ALPHA with POWER, assuming today's
# task success is BASELINE. The rollback after the change uses the same MARGIN.
BASELINE = 0.9
MARGIN = 0.05
ALPHA = 0.05
POWER = 0.8
# Output caps change no answer below the cap, so there is nothing to compare two arms on: one
# sample of recent answers, and the share the cap would cut short of a complete answer must be
# shown below TRUNCATION_LIMIT (the same rate that rolls the cap back).
TRUNCATION_LIMIT = 0.01


def non_inferiority_sample_size(
    baseline: float = BASELINE, margin: float = MARGIN, alpha: float = ALPHA, power: float = POWER
) -> int:
    """Prompts per arm for a one-sided non-inferiority test of two proportions, both at
    `baseline` under the alternative: n = (z_(1-alpha) + z_power)^2 x 2p(1-p) / margin^2,
    rounded up (the normal approximation; Chow, Shao & Wang, Sample Size Calculations in
    Clinical Research, 4.2). Replaying the same prompts on both sides (paired) needs no more."""
    from statistics import NormalDist

    if not (0 < baseline < 1 and 0 < margin < 1 and 0 < alpha < 1 and 0 < power < 1):
        raise ValueError("baseline, margin, alpha and power must each lie strictly between 0 and 1")
    z = NormalDist().inv_cdf(1 - alpha) + NormalDist().inv_cdf(power)
    return math.ceil(z * z * 2 * baseline * (1 - baseline) / (margin * margin))


def truncation_sample_size(limit: float = TRUNCATION_LIMIT, alpha: float = ALPHA) -> int:
    """Answers to read so that finding none cut short bounds the share the cap cuts below
    `limit` with confidence 1 - alpha: the exact binomial bound, (1 - limit)^n <= alpha, so
    n = ln(alpha) / ln(1 - limit) rounded up (299 for 1% at 95%; the "rule of three" 3 / limit
    is its approximation)."""
    if not (0 < limit < 1 and 0 < alpha < 1):
        raise ValueError("limit and alpha must each lie strictly between 0 and 1")
    return math.ceil(math.log(alpha) / math.log(1 - limit))


_LABELLED = (
    "task success: share of answers correct against the team's labels or graded answers (fields, class, "
    "reference answer), the same prompts and the same grading for both settings"
)


def _cut_short(cap: int) -> str:
    return (
        f"the cap of {cap:,} tokens would cut short of a complete answer (longer than the cap, and not runaway or "
        "repeated text)"
    )


def evaluation(r: dict) -> dict | None:
    """The evaluation to run first for a lever that can change answers; None for the others.
    `enough_traffic`: whether the workload's successful calls in the period hold the sample
    (None when the recommendation does not say how many it made)."""
    lever, change = r["lever"], r["change"]
    calls = (r.get("workload") or {}).get("success_calls")
    if lever == "output_caps":
        n = truncation_sample_size(TRUNCATION_LIMIT, ALPHA)
        return {
            "kind": "truncation_check",
            "sample_size": n,
            "limit": TRUNCATION_LIMIT,
            "alpha": ALPHA,
            "metric": f"share of sampled answers {_cut_short(change['max_tokens'])}",
            "threshold": f"adopt only if the one-sided {1 - ALPHA:.0%} upper confidence bound (exact binomial) on that "
            f"share is below {TRUNCATION_LIMIT:.0%}: with {n:,} answers, none may be cut short",
            "enough_traffic": None if calls is None else calls >= n,
        }
    if lever not in ("model_rightsizing", "reasoning_effort"):
        return None
    n = non_inferiority_sample_size(BASELINE, MARGIN, ALPHA, POWER)
    arms = (
        f"{_model(change, 'from_model', 'the current model')} and {_model(change, 'to_model', 'the new model')}"
        if lever == "model_rightsizing"
        else "the current and the lower effort"
    )
    return {
        "kind": "non_inferiority",
        "metric": f"{_LABELLED} ({arms})",
        "baseline_success": BASELINE,
        "margin": MARGIN,
        "alpha": ALPHA,
        "power": POWER,
        "sample_size_per_arm": n,
        "threshold": f"adopt only if the one-sided {1 - ALPHA:.0%} lower confidence bound on (new - current) task "
        f"success is above -{MARGIN * 100:g} points",
        "enough_traffic": None if calls is None else calls >= n,
    }


def evaluate_first(r: dict) -> str | None:
    """The validation step's text for a lever with an evaluation; None for the others."""
    check = evaluation(r)
    if check is None:
        return None
    feature = name(r["workload"]["feature"])
    calls = r["workload"].get("success_calls")
    short = (
        ""
        if check["enough_traffic"] is not False
        else (f" (more than the {calls:,} successful {feature} calls of the period: collect them for longer)")
    )
    if check["kind"] == "truncation_check":
        return (
            f"Evaluate first: read {check['sample_size']:,} recent {feature} answers drawn at random{short} and count "
            f"those {_cut_short(r['change']['max_tokens'])}; {check['threshold']}."
        )
    margin = f"{check['margin'] * 100:g} points"
    return (
        f"Evaluate first: replay {check['sample_size_per_arm']:,} recent {feature} prompts on both settings{short} and "
        f"grade every answer against the team's labels (metric: {check['metric']}); {check['threshold']}. "
        f"{check['sample_size_per_arm']:,} prompts per arm give {check['power']:.0%} power to show the new setting is "
        f"at most {margin} worse when it is in fact as good, with a {check['alpha']:.0%} chance of adopting one that "
        f"is {margin} worse (assuming {check['baseline_success']:.0%} task success today)."
    )


def plan_rollouts(task: StepTask, progress: Progress, ctx: PriorOutputs) -> tuple[ActionsOutput, ActionsSummary]:
    found = ctx.store.output(task.run_id, "optimization")
    if found is None:
        raise RuntimeError(f"run {task.run_id} has no optimization output yet")
    plans = {}
    progress.thinking(
        f"Planning {len(found['recommendations'])} rollouts: change, validation, metric, rollback", "plans"
    )
    with progress.tool("rollout_planner", "Writing a rollout plan per recommendation") as said:
        for recommendation in found["recommendations"]:
            plans[recommendation["id"]] = rollout(recommendation)
        said.update(plans=len(plans))
    progress.completed(f"{len(plans)} rollout plans")
    return {"plans": plans}, {"plans": len(plans)}


def rollout(r: dict) -> list[dict]:
    w, change = r["workload"], r["change"]
    feature, lever = name(w["feature"]), r["lever"]
    first = evaluate_first(r)
    if lever == "model_rightsizing":
        steps = [
            (
                "change",
                f"Route {feature} from {name(change['from_model'])} to {name(change['to_model'])} behind a flag.",
            ),
            ("validate", first),
            (
                "watch",
                f"Shadow then 10% → 50% → 100% of {feature} traffic over a week; watch task accuracy, user "
                "corrections and error rate.",
            ),
            (
                "rollback",
                f"Flip the flag back when task success against the team's labels falls more than "
                f"{MARGIN * 100:g} points below that of {name(change['from_model'])} (the evaluation's margin) or "
                "the error rate doubles.",
            ),
        ]
    elif lever == "response_caching":
        steps = [
            (
                "change",
                f"Put an exact-match cache (key: model + normalised prompt hash) in front of {feature}, with a TTL "
                "matched to how often answers change (start with 24 h).",
            ),
            ("validate", "Compare cached and fresh answers on a sample for a day before serving from cache."),
            (
                "watch",
                f"Cache hit rate (expect about {r['affected_calls']:,} hits per period) and stale-answer reports.",
            ),
            ("rollback", "Disable the cache (or shorten the TTL) on any stale-answer report."),
        ]
    elif lever == "prompt_caching":
        hour = change.get("cache_ttl_seconds") == 3600  # the optimizer found the 1-hour cache pays on the gaps seen
        day = change.get("cache_ttl_seconds") == catalog.EXTENDED_CACHE_TTL_SECONDS
        marker = (
            (
                f"put {change['breakpoints']}" + (' ({"type": "ephemeral", "ttl": "1h"})' if hour else "")
                if change.get("cache_policy")  # where the simulation found the breakpoints pay most
                else "mark the shared prefix with cache_control"
                + (' {"type": "ephemeral", "ttl": "1h"}' if hour else "")
            )
            if change.get("provider") == "anthropic"
            else "keep the shared prefix byte-identical at the start of every prompt (the provider caches it automatically"
            + (", Gemini implicitly with no write charge" if change.get("provider") == "google" else "")
            + (') and send prompt_cache_retention="24h"' if day else ")")
        )
        within = "a day" if day else "an hour" if hour else "five minutes"
        steps = [
            ("change", f"For {feature}: {marker}; move per-request content after it."),
            ("validate", f"Check that responses report cached input tokens on the second call within {within}."),
            ("watch", "cached_input_tokens / input_tokens for the feature, and time to first token (it should fall)."),
            ("rollback", "Revert the prompt layout if answer quality changes; caching itself does not alter outputs."),
        ]
    elif lever == "reasoning_effort":
        steps = [
            (
                "change",
                f"For {feature}: send {change['knob']}, behind a flag."
                if change.get("knob")
                else f"For {feature}: {_provider(w)} has no reasoning-effort setting Netra knows of; "
                "ask for brief reasoning in the prompt behind a flag, or leave the workload as it is.",
            ),
            ("validate", first),
            (
                "watch",
                "Reasoning tokens per call (the real saving, against the assumed "
                f"{change['assumed_reasoning_saved_share']:.0%}), task success and user corrections.",
            ),
            (
                "rollback",
                f"Restore the previous effort when task success against the team's labels falls more than "
                f"{MARGIN * 100:g} points (the evaluation's margin) or corrections rise.",
            ),
        ]
    elif lever == "batching" and change.get("service_tier") == "flex":
        steps = [
            (
                "change",
                f'Send {feature} with service_tier="flex" (same API, batch prices); retry 429s with backoff and '
                "fall back to the standard tier after a timeout the feature can bear.",
            ),
            ("validate", "Run a day of traffic on Flex and compare latency and completion with the standard tier."),
            ("watch", "p95 latency, 429 (resource unavailable) rate and fallbacks to the standard tier."),
            ("rollback", "Drop service_tier when latency or fallbacks exceed what the feature's users accept."),
        ]
    elif lever == "batching":
        from shared_lib.pricing import provider_id

        provider = provider_id(w.get("provider", ""))
        turnaround = change.get("turnaround") or catalog.BATCH_TURNAROUND.get(provider, "results within 24 hours")
        steps = [
            (
                "change",
                f"Submit {feature} through the {name(provider)} batch API ({turnaround}) instead of live calls"
                + (', or keep the live calls with service_tier="flex" at the same price' if change.get("flex") else "")
                + ".",
            ),
            ("validate", "Run one night's job through the batch API alongside the live path and diff the outputs."),
            ("watch", "Batch completion time against the job's deadline, and failed items per batch."),
            ("rollback", "Fall back to live calls when a batch misses the job's deadline."),
        ]
    elif lever == "output_caps":
        steps = [
            ("change", f"Set max_tokens={change['max_tokens']} for {feature} and stop sequences for runaway lists."),
            ("validate", first),
            ("watch", "finish_reason=length rate and the p99 output length."),
            (
                "rollback",
                f"Raise the cap when more than {TRUNCATION_LIMIT:.0%} of answers stop at it (finish_reason "
                "length) or users report cut-off answers.",
            ),
        ]
    else:  # error_waste
        steps = [
            (
                "change",
                f"For {feature}: raise the client timeout above the p99 latency, stream responses, and retry only "
                "errors that happen before the first token.",
            ),
            ("validate", "Load-test the new timeout and confirm failed-but-billed calls stop."),
            ("watch", "Billed failure rate (timeouts with tokens) and retries per call."),
            ("rollback", "Restore the previous timeout when user-facing latency degrades."),
        ]
    return [{"phase": phase, "detail": detail} for phase, detail in steps]


def _model(change: dict, key: str, otherwise: str) -> str:
    return name(change[key]) if change.get(key) else otherwise


def _provider(workload: dict) -> str:
    return name(workload["provider"]) if workload.get("provider") else "the provider"
