"""The actions agent: how to roll out each recommendation safely — the change, how to
validate it, the metric to watch and the trigger to roll back. Thresholds come from the
recommendation's own numbers."""

from __future__ import annotations

from shared_lib.contracts.agents import ActionsSummary, StepTask
from shared_lib.contracts.steps import ActionsOutput

from netra_agents.progress import Progress
from netra_agents.runtime import PriorOutputs


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
    if lever == "model_rightsizing":
        steps = [
            ("change", f"Route {feature} from {change['from_model']} to {change['to_model']} behind a flag."),
            ("validate", f"Replay 200 recent {feature} prompts on both models; accept when {change['to_model']} agrees on "
                         "at least 95% of labels/fields (or your eval's threshold)."),
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
        marker = ("mark the shared prefix with cache_control" + (' {"type": "ephemeral", "ttl": "1h"}' if hour else "")
                  if change.get("provider") == "anthropic" else
                  "keep the shared prefix byte-identical at the start of every prompt (the provider caches it automatically)")
        within = "an hour" if hour else "five minutes"
        steps = [
            ("change", f"For {feature}: {marker}; move per-request content after it."),
            ("validate", f"Check that responses report cached input tokens on the second call within {within}."),
            ("watch", "cached_input_tokens / input_tokens for the feature, and time to first token (it should fall)."),
            ("rollback", "Revert the prompt layout if answer quality changes; caching itself does not alter outputs."),
        ]
    elif lever == "batching":
        steps = [
            ("change", f"Submit {feature} through the provider's batch API (results within 24 h) instead of live calls."),
            ("validate", "Run one night's job through the batch API alongside the live path and diff the outputs."),
            ("watch", "Batch completion time against the job's deadline, and failed items per batch."),
            ("rollback", "Fall back to live calls when a batch misses the job's deadline."),
        ]
    elif lever == "output_caps":
        steps = [
            ("change", f"Set max_tokens={change['max_tokens']} for {feature} and stop sequences for runaway lists."),
            ("validate", "Check that answers truncated at the cap are rare (under 1%) on a day of traffic."),
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
