"""The answer to each kind of question: `answer(query, data, found, plans)` gives the kind's
own fields (see docs/architecture.md, `final_report`), plus `warnings` and `next_steps` of
its own."""

from __future__ import annotations

import datetime as dt

from netra_agents.answers.breakdown import breakdown, dimensions_of
from netra_agents.answers.change import change
from netra_agents.answers.forecast import forecast
from netra_agents.answers.latency import latency
from netra_agents.answers.overview import overview
from netra_agents.answers.plan import plan
from netra_agents.answers.what_if import what_if

EMPTY_PROFILE = {"workloads": []}


def answer(query: dict, data: dict, found: dict | None, plans: dict) -> dict:
    kind = query["kind"]
    by = data.get("by") or {}
    if kind == "breakdown":
        dimensions = dimensions_of(query)
        second = dimensions[1] if len(dimensions) > 1 else None
        return {
            **breakdown(
                query.get("metric") or "spend",
                dimensions[0],
                by[dimensions[0]],
                query.get("top_n"),
                data.get("within"),
                second,
            ),
            "warnings": [],
            "next_steps": [],
        }
    if kind == "change":
        previous = data["previous"]
        result = change(
            data["period"], previous["period"], by, previous["by"], data.get("daily", []), previous.get("daily", [])
        )
        # The coverage caveats (a period without usage, a thin one, today not over) are warnings.
        return {**result, "warnings": result.pop("warnings", []), "next_steps": []}
    if kind == "what_if":
        scenario = query.get("scenario") or {"type": "top_n", "n": 3}
        return {**what_if(scenario, data.get("profile") or EMPTY_PROFILE, found), "warnings": [], "next_steps": []}
    if kind == "latency":
        return {
            **latency(data["summary"]["totals"], by["model"], by["feature"], data.get("profile") or EMPTY_PROFILE),
            "warnings": [],
            "next_steps": [],
        }
    if kind == "forecast":
        budget = query.get("budget_usd") or data.get("stored_budget_usd")
        horizon = query.get("horizon")
        if horizon is not None:  # a budget the question states is the horizon's; a stored one is the month's
            budget = query.get("budget_usd")
        result = forecast(data.get("history_daily", []), dt.date.fromisoformat(data["today"]), budget, horizon)
        return {**result, "warnings": result.pop("warnings"), "next_steps": []}
    if kind == "overview":
        result = overview(by["feature"], found)
        return {
            **result,
            "warnings": list((found or {}).get("warnings", [])),
            "next_steps": [f"Ask, for example: “{q}”" for q in result["examples"]],
        }
    return plan(query, data["summary"], found, plans)
