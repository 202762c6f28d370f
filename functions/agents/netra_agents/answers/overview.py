"""Overview: what Netra sees in the org's data — spend, the top features, the headline
saving — and example questions built from the org's own features and models."""

from __future__ import annotations

from decimal import Decimal

from netra_agents.answers.money import shown_share
from netra_agents.answers.quoting import plain

TOP_FEATURES = 5


def overview(by_feature: dict, found: dict | None) -> dict:
    totals = by_feature["totals"]
    features = sorted(by_feature["groups"], key=lambda g: (-Decimal(g["cost_usd"]), g["key"]))
    top = [
        {
            "key": g["key"],
            "calls": g["calls"],
            "cost_usd": g["cost_usd"],
            "share_pct": shown_share(Decimal(g["cost_usd"]), Decimal(totals["cost_usd"])),
        }
        for g in features[:TOP_FEATURES]
    ]
    recommendations = (found or {}).get("recommendations", [])
    headline = None
    if recommendations:
        headline = {
            "savings_usd": found["projected_savings_usd"],
            "savings_pct": found["projected_savings_pct"],
            "recommendations": len(recommendations),
            "largest": {k: recommendations[0][k] for k in ("title", "lever", "savings_usd")},
        }
    return {
        "total_spend_usd": totals["cost_usd"],
        "total_calls": totals["calls"],
        "top_features": top,
        "headline_saving": headline,
        "examples": examples(top, recommendations),
        # What a plan states too, so a page that shows any report's spend and savings shows the real ones.
        "projected_savings_usd": found["projected_savings_usd"] if found else "0",
        "projected_savings_pct": found["projected_savings_pct"] if found else 0.0,
    }


def examples(top: list[dict], recommendations: list[dict]) -> list[str]:
    """Questions that fit this org's data: its real feature and model names, as one would type
    them (unquoted, so that asking the example reads it as typed). A name that is not plain
    (spaces, quotes, a sentence) is left out rather than put in a question as Netra's words."""
    said = ["Where does our spend go this month?"]
    features = [f["key"] for f in top if plain(f["key"])]
    if features:
        said.append(f"Why did {features[0]} cost more last week?")
    moves = [
        r
        for r in recommendations
        if r["lever"] == "model_rightsizing"
        and all(plain(n) for n in (r["workload"]["feature"], r["change"]["from_model"], r["change"]["to_model"]))
    ]
    if moves:
        change = moves[0]["change"]
        said.append(
            f"What if we move {moves[0]['workload']['feature']} from {change['from_model']} to {change['to_model']}?"
        )
    if len(recommendations) >= 2:
        said.append("What do we save if we only do the top two recommendations?")
    if len(features) > 1:
        said.append(f"How slow is {features[1]}?")
    said.append("What will we spend by the end of the month?")
    return said
