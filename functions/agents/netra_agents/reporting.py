"""The reporting agent: the final report (ARCHITECTURE's `final_report` shape) and its
narrative.

Every number in the report is the optimizer's or analytics'. The narrative is written by
an LLM from those facts; a narrative that states a number not among them (or none at all)
is discarded for one written from a template, so the prose never invents a figure. Without usage, the
report is guidance: what to send, and how.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from shared_lib.llm.budget import BudgetExhausted
from shared_lib.llm.gateway import LlmRequest, LlmUnavailable
from shared_lib.llm.providers import Prompt

from netra_agents.catalog import AGENT_CHAIN
from netra_agents.optimizer import dollars, usd

SYSTEM = (
    "You write the summary of a cost and latency report for an engineering team. Use only the numbers in the facts you "
    "are given, exactly as written; never compute or invent a number. Three to six sentences, plain text."
)
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
EXAMPLES = ("How can we cut our LLM costs by 30%?", "Which features could use a cheaper model?",
            "Why is our time to first token slow?", "Where does our LLM spend go?")


def write_report(task, progress, ctx) -> tuple[dict, dict]:
    run = ctx.store.run(task.run_id)
    triage = ctx.store.output(task.run_id, "triage") or {}
    data = ctx.store.output(task.run_id, "data")
    if data is None:
        raise RuntimeError(f"run {task.run_id} has no data output yet")
    found = ctx.store.output(task.run_id, "optimization")
    plans = (ctx.store.output(task.run_id, "actions") or {}).get("plans", {})
    report = compose(run.get("question", ""), triage, data, found, plans)
    progress.thinking(f"Putting the report together ({report['kind']})", "compose")
    with progress.tool("narrative", "Writing the summary") as said:
        report["narrative"], said["source"] = narrative(ctx, task, report)
    progress.completed(f"Report ready: {len(report['recommendations'])} recommendations", kind=report["kind"])
    return report, {"kind": report["kind"], "recommendations": len(report["recommendations"])}


def compose(question: str, triage: dict, data: dict, found: dict | None, plans: dict) -> dict:
    summary, period = data["summary"], data["period"]
    calls = summary["totals"]["calls"]
    kind = "guidance" if not calls else "analysis" if found is not None else "overview"
    target = (triage.get("entities") or {}).get("target_reduction_pct")
    recommendations = []
    for r in (found or {}).get("recommendations", []):
        recommendations.append({**r, "actions": plans.get(r["id"], [])})
    total = found["total_spend_usd"] if found else usd(Decimal(summary["totals"]["cost_usd"]))
    saved = found["projected_savings_usd"] if found else "0"
    saved_pct = found["projected_savings_pct"] if found else 0.0
    report = {
        "kind": kind,
        "question": question,
        "category": triage.get("category", "general"),
        "period": period,
        "total_calls": calls,
        "total_spend_usd": total,
        "projected_savings_usd": saved,
        "projected_savings_pct": saved_pct,
        "target_reduction_pct": target,
        "meets_target": (saved_pct >= target) if (target and found) else None,
        "recommendations": recommendations,
        "latency_findings": (found or {}).get("latency_findings", []),
        "warnings": list((found or {}).get("warnings", [])),
        "spend_by_model": [{"model": g["key"], "calls": g["calls"], "cost_usd": usd(Decimal(g["cost_usd"])),
                            "unpriced_calls": g.get("unpriced_calls", 0)} for g in summary.get("groups", [])],
        "latency_by_model": [{"model": g["key"], "calls": g["calls"], "p50_latency_ms": g.get("p50_latency_ms"),
                              "p95_latency_ms": g.get("p95_latency_ms"), "p95_ttft_ms": g.get("p95_ttft_ms")}
                             for g in sorted(summary.get("groups", []), key=lambda g: -(g.get("p95_latency_ms") or 0))],
        "next_steps": [],
        "narrative": "",
    }
    if kind == "guidance":
        report["warnings"].append(f"No usage was found for your organisation between {period['from'][:10]} and "
                                  f"{period['to'][:10]}.")
        report["next_steps"] = [
            "Send one event per LLM call to POST /api/usage (JSON array or NDJSON) with provider, model, input_tokens, "
            "output_tokens, latency_ms and, for the best advice, feature, prompt_hash, prefix_hash and interactive.",
            "Or import an export you already have: `netra import FILE --format openai|litellm|langfuse` "
            "(POST /api/usage/import).",
            "Locally, `netra seed-demo` loads a realistic month to try Netra on.",
        ]
    elif kind == "overview":
        report["next_steps"] = [f"Ask, for example: “{q}”" for q in EXAMPLES]
    else:
        report["next_steps"] = [f"{i}. {r['title']} — saves {dollars(r['savings_usd'])} ({r['confidence']} confidence)"
                                for i, r in enumerate(recommendations[:3], 1)]
        if target and not report["meets_target"]:
            report["warnings"].append(f"The changes found save {saved_pct}% of spend, short of the {target:g}% asked for.")
    unpriced = data.get("unpriced") or {}
    if unpriced.get("calls") and not any("without a known price" in w for w in report["warnings"]):
        report["warnings"].append(f"{unpriced['calls']:,} calls ({unpriced['tokens']:,} tokens) have no known price and are "
                                  "not in the totals.")
    return report


def narrative(ctx, task, report: dict) -> tuple[str, str]:
    """(text, source): the LLM's when it keeps to the facts, else the template's."""
    facts = _facts(report)
    request = LlmRequest(task.org_id, "reporting", Prompt(SYSTEM, [{"role": "user", "content": json.dumps(facts)}], 400),
                         AGENT_CHAIN, run_id=task.run_id)
    try:
        answer = ctx.gateway().complete(request)
    except (LlmUnavailable, BudgetExhausted):
        return template(report), "template"
    allowed = _numbers_in(json.dumps(facts), rounded=True)
    stated = _numbers_in(answer.text)
    if stated - allowed:
        return template(report), "template (the model stated numbers not in the facts)"
    if not stated:
        return template(report), "template (the model's text stated none of the figures)"
    return answer.text.strip(), f"llm:{answer.route.model}"


def template(report: dict) -> str:
    period = f"{report['period']['days']} days"
    if report["kind"] == "guidance":
        return (f"Netra found no LLM usage for your organisation in the last {period}, so there is nothing to optimise "
                "yet. Send your usage events or import an export, then ask again.")
    text = f"Over the last {period} you made {report['total_calls']:,} LLM calls costing {dollars(report['total_spend_usd'])}."
    if report["kind"] == "overview":
        return text + " Ask about cost, latency or model choice for a full analysis."
    recs = report["recommendations"]
    if not recs:
        return text + " No change passed the evidence bar for a recommendation."
    top = recs[0]
    text += (f" {len(recs)} changes would save {dollars(report['projected_savings_usd'])} "
             f"({report['projected_savings_pct']}% of spend); the largest, “{top['title']}”, saves {dollars(top['savings_usd'])}.")
    if report["target_reduction_pct"]:
        verdict = "meets" if report["meets_target"] else "falls short of"
        text += f" That {verdict} the {report['target_reduction_pct']:g}% target."
    if report["latency_findings"]:
        text += f" {report['latency_findings'][0]['finding']}"
    return text


def _facts(report: dict) -> dict:
    return {k: report[k] for k in ("kind", "question", "period", "total_calls", "total_spend_usd", "projected_savings_usd",
                                   "projected_savings_pct", "target_reduction_pct", "meets_target", "warnings")} | {
        "recommendations": [{k: r[k] for k in ("title", "lever", "savings_usd", "savings_pct", "confidence", "risk")}
                            for r in report["recommendations"]],
        "latency_findings": [f["finding"] for f in report["latency_findings"]],
    }


def _numbers_in(text: str, rounded: bool = False) -> set[str]:
    """The numbers a text states; `rounded` adds each one to the cent and to the unit, the
    ways prose may quote an exact figure ("252.605379" as "252.61" or "253")."""
    found = set()
    for raw in _NUMBER.findall(text):
        number = raw.replace(",", "").rstrip(".")
        found.add(number)
        if rounded and "." in number:
            value = Decimal(number)
            found |= {format(value.quantize(Decimal("0.01")), "f"), format(value.quantize(Decimal("0.1")), "f"),
                      format(value.quantize(Decimal("1")), "f")}
    return found


