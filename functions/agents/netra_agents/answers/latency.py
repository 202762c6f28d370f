"""Latency: percentiles overall and by model and feature (analytics' exact nearest-rank
percentiles), the slow tail, and what would cut it for the slow interactive workloads."""

from __future__ import annotations

from netra_agents import catalog
from netra_agents.optimizer import SLOW_P95_MS, SLOW_TTFT_MS, latency_findings

TAIL_ROWS = 3
LONG_OUTPUT = 500  # tokens: a mean answer this long is most of the wait


def _row(group: dict) -> dict:
    return {
        "key": group["key"],
        "calls": group["calls"],
        "p50_ms": group.get("p50_latency_ms"),
        "p95_ms": group.get("p95_latency_ms"),
        "p99_ms": group.get("p99_latency_ms"),
        "p95_ttft_ms": group.get("p95_ttft_ms"),
    }


def fixes(workload: dict) -> list[str]:
    """What would cut this workload's wait, from its own profile."""
    said = []
    lat, out = workload["latency"], workload["output"]
    if workload["interactive"] and lat.get("p95_ttft_ms") is not None and lat["p95_ttft_ms"] > SLOW_TTFT_MS:
        said.append("Stream the response so users see the first tokens sooner.")
    if workload["prefixes"]:
        said.append(
            "Cache the shared prompt prefix (provider prompt caching cuts time to first token on long prompts)."
        )
    if (out.get("mean") or 0) > LONG_OUTPUT or workload["output_tail"]["calls"]:
        said.append(
            f"Cap outputs (max_tokens): the slowest calls are the longest answers (mean {out.get('mean') or 0:,.0f} "
            "tokens)."
        )
    smaller = catalog.downgrade(workload["provider"], workload["model"])
    if smaller:
        said.append(f"Try {smaller.target}: smaller models answer faster, for {smaller.tier}.")
    return said


def latency(totals: dict, by_model: dict, by_feature: dict, profile: dict) -> dict:
    overall = {
        "p50_ms": totals.get("p50_latency_ms"),
        "p95_ms": totals.get("p95_latency_ms"),
        "p99_ms": totals.get("p99_latency_ms"),
        "p95_ttft_ms": totals.get("p95_ttft_ms"),
        "calls": totals["calls"],
    }
    models = sorted((_row(g) for g in by_model["groups"]), key=lambda r: -(r["p95_ms"] or 0))
    features = sorted((_row(g) for g in by_feature["groups"]), key=lambda r: -(r["p95_ms"] or 0))
    workloads = {(w["feature"], w["model"]): w for w in profile.get("workloads", [])}
    findings = []
    for found in latency_findings(profile.get("workloads", [])):
        findings.append({**found, "fixes": fixes(workloads[(found["feature"], found["model"])])})
    p95 = overall["p95_ms"]
    tail = {
        "p99_ms": overall["p99_ms"],
        "p99_over_p50": round(overall["p99_ms"] / overall["p50_ms"], 2)
        if overall["p99_ms"] and overall["p50_ms"]
        else None,
        # The features whose p95 is past the org's p95: where the slow tail lives.
        "features": [r for r in features if p95 is not None and (r["p95_ms"] or 0) > p95][:TAIL_ROWS],
        "thresholds": {"p95_ms": SLOW_P95_MS, "p95_ttft_ms": SLOW_TTFT_MS},
    }
    return {"overall": overall, "by_model": models, "by_feature": features, "tail": tail, "findings": findings}
