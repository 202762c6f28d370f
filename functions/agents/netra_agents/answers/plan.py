"""The savings plan: the optimizer's recommendations with their rollout plans, against a
target (a share of spend or an amount) when the question set one."""

from __future__ import annotations

from decimal import Decimal

from netra_agents.answers.money import dollars, usd


def worth_saying(amount: str | None) -> bool:
    """Whether a monthly figure says something: not unknown, and not $0.00 ("nothing saved"
    is said by the plan itself, never as "$0.00 a month")."""
    return amount is not None and Decimal(amount).quantize(Decimal("0.01")) != 0


def plan(query: dict, summary: dict, found: dict | None, plans: dict) -> dict:
    recommendations = [{**r, "actions": plans.get(r["id"], [])} for r in (found or {}).get("recommendations", [])]
    total = found["total_spend_usd"] if found else usd(Decimal(summary["totals"]["cost_usd"]))
    saved = found["projected_savings_usd"] if found else "0"
    saved_pct = found["projected_savings_pct"] if found else 0.0
    monthly = (found or {}).get("projected_savings_monthly_usd")
    target = query.get("target") or {}
    target_pct = target.get("pct")
    target_usd = target.get("usd")
    per_month = target.get("per") == "month"  # "save $500 a month": against the monthly figure
    meets = None
    warnings = list((found or {}).get("warnings", []))
    if found and target_pct:
        meets = saved_pct >= target_pct
    elif found and target_usd and per_month:
        if monthly is None:  # the period's length is unknown: no run rate to compare
            warnings.append(
                f"The savings could not be stated per month, so the {dollars(target_usd)} a month asked for "
                "was not compared."
            )
        else:
            meets = Decimal(monthly) >= Decimal(target_usd)
    elif found and target_usd:
        meets = Decimal(saved) >= Decimal(target_usd)
    if meets is False:
        if per_month:
            warnings.append(
                f"The changes found save {dollars(monthly)} a month at this rate ({saved_pct}% of spend), "
                f"short of the {dollars(target_usd)} a month asked for."
            )
        else:
            asked = f"{target_pct:g}%" if target_pct else dollars(target_usd)
            warnings.append(
                f"The changes found save {dollars(saved)} ({saved_pct}% of spend), short of the {asked} asked for."
            )
    return {
        "total_calls": summary["totals"]["calls"],
        "total_spend_usd": total,
        "projected_savings_usd": saved,
        "projected_savings_pct": saved_pct,
        # The same savings per month at the period's run rate (the optimizer's figure, not re-derived).
        "projected_savings_monthly_usd": monthly,
        "target_reduction_pct": target_pct,
        "target_usd": target_usd,
        "target_per": "month" if per_month and target_usd else None,
        "meets_target": meets,
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
