"""The data agent: the user's usage, read only through the analytics query API with the
run's delegated token (read-only, the user's org, the user's session)."""

from __future__ import annotations

import datetime as dt

from netra_agents.optimizer import dollars
from netra_agents.runtime import StepFailed

CREDENTIAL_KEY = "run-credential:{run_id}"


def read_usage(task, progress, ctx) -> tuple[dict, dict]:
    token = ctx.redis.get(CREDENTIAL_KEY.format(run_id=task.run_id))
    if not token:
        raise StepFailed("The permission to read your usage for this question has expired; please ask again.")
    if not ctx.analytics_url:
        raise StepFailed("The analytics service is not configured (ANALYTICS_URL).")
    triage = ctx.store.output(task.run_id, "triage") or {}
    days = int((triage.get("entities") or {}).get("days") or 30)
    end = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    start = end - dt.timedelta(days=days)
    window = {"from": start.isoformat(), "to": end.isoformat()}
    headers = {"Authorization": f"Bearer {token.decode() if isinstance(token, bytes) else token}"}

    def read(path: str, **params) -> dict:
        response = ctx.http.get(f"{ctx.analytics_url}{path}", params={**window, **params}, headers=headers, timeout=120)
        if response.status_code in (401, 403):
            raise StepFailed(f"Analytics refused to read your usage: {response.json()['error']['message']}")
        response.raise_for_status()  # 5xx: a redelivery tries again
        return response.json()

    progress.thinking(f"Reading {days} days of usage", "window")
    with progress.tool("usage_summary", "Spend by model") as said:
        summary = read("/api/usage/summary", group_by="model")
        said.update(calls=summary["totals"]["calls"], cost_usd=summary["totals"]["cost_usd"])
    calls = summary["totals"]["calls"]
    profile, unpriced = {"workloads": []}, {"calls": 0, "tokens": 0, "models": []}
    if calls:
        with progress.tool("workload_profile", "Profiling each workload") as said:
            profile = read("/api/usage/profile")
            said.update(workloads=len(profile["workloads"]))
        with progress.tool("unpriced_calls", "Checking for calls without a price") as said:
            unpriced = read("/api/usage/unpriced")
            said.update(calls=unpriced["calls"])
    period = {"from": window["from"], "to": window["to"], "days": days}
    progress.completed(f"{calls:,} calls, {dollars(summary['totals']['cost_usd'])} in {days} days", calls=calls)
    return ({"period": period, "summary": summary, "profile": profile, "unpriced": unpriced},
            {"calls": calls, "cost_usd": summary["totals"]["cost_usd"]})
