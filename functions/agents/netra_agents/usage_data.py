"""The data agent: the usage a question needs, read only through the analytics query API
with the run's delegated token (read-only, the user's org, the user's session).

What is read depends on the kind of answer (the run's resolved query): a breakdown reads one
summary per dimension, a change the same for two periods plus their daily series, a
forecast the daily history, and the kinds that price savings (plan, what-if, overview,
latency) the workload profile. Every read carries the query's period and filters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from shared_lib.contracts.agents import DataSummary, StepTask
from shared_lib.contracts.steps import DataOutput
from shared_lib.org_settings import OrgSettings

from netra_agents.analytics import UsageApi
from netra_agents.answers.breakdown import SPLIT_TOP, dimensions_of
from netra_agents.answers.money import dollars
from netra_agents.progress import Progress
from netra_agents.query import Period
from netra_agents.runs import RunStore
from netra_agents.steps import resolved_query

PROFILED = ("plan", "what_if", "overview", "latency")
FORECAST_HISTORY_DAYS = 56  # before the month: enough for the weekday factors and the backtest
EXTENT_DAYS = 400  # how far back "the period that has data" is looked for


@dataclasses.dataclass(frozen=True)
class DataContext:
    store: RunStore  # the run's query (triage's output before it is on the run)
    usage: UsageApi  # analytics, with the run's token
    org_settings: OrgSettings | None  # the org's stored monthly budget, for a forecast


# One analytics GET: (path, period {from, to}, **params) -> its JSON.
Read = Callable[..., dict]


def read_usage(task: StepTask, progress: Progress, ctx: DataContext) -> tuple[DataOutput, DataSummary]:
    reads = ctx.usage.for_run(task.run_id)
    now = dt.datetime.now(dt.timezone.utc)
    today = now.date()
    query = ctx.store.run(task.run_id).get("query") or resolved_query(
        ctx.store.output(task.run_id, "triage") or {}, today
    )

    def read(path: str, period: dict, **params) -> dict:
        window = {end: bound(period[end]) for end in ("from", "to")}
        return reads.get(path, {**window, **params}, timeout=120)

    data = gather(query, read, progress, today, now=now)
    if query["kind"] == "forecast" and not query.get("budget_usd") and ctx.org_settings is not None:
        # No budget in the question: the one the org keeps in its settings (the web app's), if any.
        data["stored_budget_usd"] = ctx.org_settings.monthly_budget(task.org_id)
    calls = data["summary"]["totals"]["calls"]
    period = query["period"]
    progress.completed(
        f"{calls:,} calls, {dollars(data['summary']['totals']['cost_usd'])} in {period.get('label') or period['days']}",
        calls=calls,
    )
    return data, {"calls": calls, "cost_usd": data["summary"]["totals"]["cost_usd"]}


def gather(query: dict, read: Read, progress: Progress, today: dt.date, now: dt.datetime | None = None) -> DataOutput:
    """Everything the query's kind needs; `read(path, period, **params)` is one analytics GET,
    made at `now` (the profile then says how much of its period the data covers)."""
    kind, period = query["kind"], query["period"]
    filters = {k: ",".join(v) for k, v in (query.get("filters") or {}).items() if v}
    dimensions = dimensions_of(query) if kind == "breakdown" else []
    data: dict = {"query": query, "period": period, "today": today.isoformat(), "by": {}, "warnings": []}

    def summary(group_by: str, within: dict | None = None, of: dict = period) -> dict:
        return read("/api/usage/summary", of, group_by=group_by, **{**filters, **(within or {})})

    progress.thinking(f"Reading {period.get('label') or str(period['days']) + ' days'} of usage", "window")
    with progress.tool("usage_summary", "Spend by model") as said:
        data["summary"] = data["by"]["model"] = summary("model")
        said.update(calls=data["summary"]["totals"]["calls"], cost_usd=data["summary"]["totals"]["cost_usd"])
    wanted = {"breakdown": dimensions[:1], "change": ["feature"], "latency": ["feature"], "overview": ["feature"]}.get(
        kind, []
    )
    for dimension in wanted:
        if dimension not in data["by"]:
            with progress.tool(f"usage_by_{dimension}", f"Usage by {dimension}") as said:
                data["by"][dimension] = summary(dimension)
                said.update(groups=len(data["by"][dimension]["groups"]))
    if kind == "breakdown" and len(dimensions) > 1:
        first, second = dimensions[0], dimensions[1]
        top = [g["key"] for g in data["by"][first]["groups"][:SPLIT_TOP] if g["key"] not in (None, "")]
        with progress.tool(f"usage_by_{second}", f"Each top {first} by {second}") as said:
            data["within"] = {key: summary(second, {first: key}) for key in top} if first != "day" else {}
            said.update(split=len(data["within"]))
    if kind == "change":
        previous = query.get("comparison") or Period.from_json(period).previous().to_json()
        with progress.tool("usage_previous_period", "The period before, for comparison") as said:
            data["previous"] = {"period": previous, "by": {d: summary(d, of=previous) for d in ("model", "feature")}}
            data["daily"] = _days(read("/api/usage/timeseries", period, interval="day", **filters))
            data["previous"]["daily"] = _days(read("/api/usage/timeseries", previous, interval="day", **filters))
            said.update(previous_calls=data["previous"]["by"]["model"]["totals"]["calls"])
    if kind == "forecast":
        start = today.replace(day=1) - dt.timedelta(days=FORECAST_HISTORY_DAYS)
        with progress.tool("daily_history", "Daily spend history") as said:
            history = {"from": start.isoformat(), "to": (today + dt.timedelta(days=1)).isoformat()}
            data["history_daily"] = _days(read("/api/usage/timeseries", history, interval="day", **filters))
            said.update(days=len(data["history_daily"]))
    calls = data["summary"]["totals"]["calls"]
    if kind in PROFILED and calls:
        with progress.tool("workload_profile", "Profiling each workload") as said:
            profile = read("/api/usage/profile", period)
            # Whether anyone watches answers arrive is the org's question, so the workloads that
            # stream are counted before the filter (Flex rests on it: see optimizer._batching).
            data["profile"] = {
                **profile,
                "workloads": _matching(profile["workloads"], query.get("filters") or {}),
                **covered(profile, now),
                "filtered": _filtered(query.get("filters") or {}),
                "streaming_workloads": sum(
                    1 for w in profile["workloads"] if (w.get("latency") or {}).get("p95_ttft_ms") is not None
                ),
            }
            said.update(workloads=len(data["profile"]["workloads"]))
        with progress.tool("unpriced_calls", "Checking for calls without a price") as said:
            data["unpriced"] = read("/api/usage/unpriced", period)
            if filters:
                # The listing covers the whole org; the counts that matter are the filtered calls'.
                only = data["summary"]["unpriced"]
                data["unpriced"] = {
                    **data["unpriced"],
                    "calls": only["calls"],
                    "tokens": only["tokens"],
                    "models": data["unpriced"]["models"] if only["calls"] else [],
                }
            said.update(calls=data["unpriced"]["calls"])
        if (query.get("filters") or {}).get("user"):
            data["warnings"].append(
                "Savings are computed per workload, which has no user: the user filter is not applied to them."
            )
    else:
        data["profile"], data["unpriced"] = {"workloads": []}, {"calls": 0, "tokens": 0, "models": []}
    if not calls:
        data["org"] = _extent(read, today)
    return data


def bound(value: str) -> str:
    """A period's bound as analytics reads it: a day is its midnight UTC, a time is itself."""
    return value if "T" in value else f"{value}T00:00:00+00:00"


def covered(profile: dict, now: dt.datetime | None) -> dict:
    """{"covered_to": the end of the data}: the period's end capped at the moment it was read.
    A default period ("the last 7 days", "this month") ends at tomorrow 00:00, so a period read
    at 01:00 holds 6 days and an hour of usage, not 7: the run rate divides by what is covered."""
    end = profile.get("to")
    if not end or now is None:
        return {}
    end = dt.datetime.fromisoformat(end)
    if end.tzinfo is None:
        end = end.replace(tzinfo=dt.timezone.utc)  # analytics speaks UTC
    return {"covered_to": min(end, now).isoformat()}


def _filtered(filters: dict) -> bool:
    """Whether the profile was narrowed to the question's feature, model or provider: its
    workloads are then a subset of the org's, and what the others do is not seen."""
    return any(names for d, names in filters.items() if d in ("feature", "model", "provider"))


def _days(series: dict) -> list[dict]:
    return series["series"][0]["points"] if series["series"] else []


def _matching(workloads: list[dict], filters: dict) -> list[dict]:
    return [
        w
        for w in workloads
        if all(w[d] in names for d, names in filters.items() if d in ("feature", "model", "provider") and names)
    ]


def _extent(read: Read, today: dt.date) -> dict:
    """The days the org has usage on, to name when the asked period has none."""
    window = {
        "from": (today - dt.timedelta(days=EXTENT_DAYS)).isoformat(),
        "to": (today + dt.timedelta(days=1)).isoformat(),
    }
    by_day = read("/api/usage/summary", window, group_by="day")
    days = sorted(g["key"] for g in by_day["groups"] if g["calls"])
    return {"calls": by_day["totals"]["calls"], "first": days[0] if days else None, "last": days[-1] if days else None}
