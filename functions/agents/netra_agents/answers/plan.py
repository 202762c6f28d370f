"""The savings plan: the optimizer's recommendations with their rollout plans, against a
target (a share of spend, an amount, or a level to bring spend down to) when the question
set one: how many of the recommendations, largest first, reach it, or by how much all of
them fall short."""

from __future__ import annotations

from decimal import Decimal

from netra_agents.answers.money import dollars, usd
from netra_agents.optimizer import monthly


def worth_saying(amount: str | None) -> bool:
    """Whether a monthly figure says something: not unknown, and not $0.00 ("nothing saved"
    is said by the plan itself, never as "$0.00 a month")."""
    return amount is not None and Decimal(amount).quantize(Decimal("0.01")) != 0


def _goal(target: dict, found: dict, total: str) -> dict:
    """What a target asks to save and what the recommendations save, in the same unit (the
    period analysed, or a month at its run rate), with how many of them, largest first, reach
    it; or {"unknown": why} when the two cannot be compared."""
    per_month = target.get("per") == "month"
    days = found.get("period_days")
    if per_month and days is None:
        return {
            "unknown": "The period's length is unknown, so spend and savings could not be stated per month and the "
            "target was not compared."
        }
    days = Decimal(str(days)) if days is not None else None
    key = "savings_monthly_usd" if per_month else "savings_usd"
    amounts = [Decimal(r[key] or "0") for r in found["recommendations"]]
    spend = monthly(Decimal(total), days) if per_month else Decimal(total)
    month = " a month" if per_month else ""
    if target.get("pct"):
        needed, asked = spend * Decimal(str(target["pct"])) / 100, f"the {target['pct']:g}% asked for"
    elif target.get("level_usd"):
        needed = max(Decimal(0), spend - Decimal(target["level_usd"]))
        asked = f"bringing spend from {dollars(str(spend))}{month} down to {dollars(target['level_usd'])}{month}"
    else:
        needed, asked = Decimal(target["usd"]), f"the {dollars(target['usd'])}{month} asked for"
    running, count = Decimal(0), None if needed > 0 else 0
    for i, amount in enumerate(amounts, 1):
        running += amount
        if count is None and running >= needed:
            count = i
    return {
        "needed": needed.quantize(Decimal("0.000001")),
        "available": sum(amounts, Decimal(0)),
        "count": count,
        "asked": asked,
    }


def plan(query: dict, summary: dict, found: dict | None, plans: dict) -> dict:
    recommendations = [{**r, "actions": plans.get(r["id"], [])} for r in (found or {}).get("recommendations", [])]
    total = found["total_spend_usd"] if found else usd(Decimal(summary["totals"]["cost_usd"]))
    saved = found["projected_savings_usd"] if found else "0"
    saved_pct = found["projected_savings_pct"] if found else 0.0
    saved_monthly = (found or {}).get("projected_savings_monthly_usd")
    target = query.get("target") or {}
    target_pct, target_usd, level = target.get("pct"), target.get("usd"), target.get("level_usd")
    per_month = target.get("per") == "month"  # "save $500 a month": against the monthly figure
    warnings = list((found or {}).get("warnings", []))
    goal = _goal(target, found, total) if found and (target_pct or target_usd or level) else None
    if goal is not None and goal.get("unknown"):
        warnings.append(goal["unknown"])
        goal = None
    meets = None if goal is None else goal["available"] >= goal["needed"]
    if goal is not None and target_pct:
        meets = saved_pct >= target_pct  # as the report states both shares
    if meets is False:
        month = " a month" if per_month else ""
        warnings.append(
            f"The changes found save {dollars(str(goal['available']))}{month}{' at this rate' if per_month else ''} "
            f"({saved_pct}% of spend), {dollars(str(goal['needed'] - goal['available']))}{month} short of {goal['asked']}."
        )
    return {
        "total_calls": summary["totals"]["calls"],
        "total_spend_usd": total,
        "projected_savings_usd": saved,
        "projected_savings_pct": saved_pct,
        # The same savings per month at the period's run rate (the optimizer's figure, not re-derived).
        "projected_savings_monthly_usd": saved_monthly,
        "target_reduction_pct": target_pct,
        "target_usd": target_usd,
        "target_level_usd": level,
        "target_per": "month" if per_month and (target_usd or level) else None,
        "meets_target": meets,
        # What the target asks to save (a month's when target_per is "month"), and how many of the
        # recommendations, largest first, reach it (None: all of them do not).
        "target_savings_usd": None if goal is None else usd(goal["needed"]),
        "target_shortfall_usd": None if goal is None else usd(max(goal["needed"] - goal["available"], Decimal(0))),
        "recommendations_to_target": None if goal is None else goal["count"],
        "recommendations": recommendations,
        "latency_findings": (found or {}).get("latency_findings", []),
        "spend_by_model": [
            {
                "model": g["key"],
                "calls": g["calls"],
                "cost_usd": usd(Decimal(g["cost_usd"])),
                "unpriced_calls": g.get("unpriced_calls", 0),
            }
            for g in summary.get("groups", [])
        ],
        "latency_by_model": [
            {
                "model": g["key"],
                "calls": g["calls"],
                "p50_latency_ms": g.get("p50_latency_ms"),
                "p95_latency_ms": g.get("p95_latency_ms"),
                "p95_ttft_ms": g.get("p95_ttft_ms"),
            }
            for g in sorted(summary.get("groups", []), key=lambda g: -(g.get("p95_latency_ms") or 0))
        ],
        "warnings": warnings,
        "next_steps": [
            f"{i}. {r['title']} — saves {dollars(r['savings_usd'])}"
            + (f" ({dollars(r['savings_monthly_usd'])} a month)" if worth_saying(r.get("savings_monthly_usd")) else "")
            + f" ({r['confidence']} confidence)"
            for i, r in enumerate(recommendations[:3], 1)
        ],
    }
