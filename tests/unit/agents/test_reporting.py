"""The report's narrative: the model's prose only when every figure in it is one it was given."""

from __future__ import annotations

from types import SimpleNamespace

from netra_agents.reporting import compose, narrative
from shared_lib.llm.gateway import LlmUnavailable

DATA = {"period": {"from": "2026-10-26T00:00:00+00:00", "to": "2026-11-25T00:00:00+00:00", "days": 30},
        "summary": {"totals": {"calls": 1200, "cost_usd": "812.5"}, "groups": [{"key": "gpt-4o", "calls": 1200, "cost_usd": "812.5",
                                                                     "p50_latency_ms": 900.0, "p95_latency_ms": 2100.0, "p95_ttft_ms": 400.0}]},
        "unpriced": {"calls": 0, "tokens": 0}}
FOUND = {"total_spend_usd": "812.50", "projected_savings_usd": "300.00", "projected_savings_pct": 36.92, "warnings": [],
         "latency_findings": [], "recommendations": [
             {"id": "model_rightsizing-1", "lever": "model_rightsizing", "title": "Move triage from gpt-4o to gpt-4o-mini",
              "savings_usd": "300.00", "savings_pct": 94.0, "confidence": "medium", "risk": "medium", "evidence": ["..."]}]}


def ctx_answering(text: str | None):
    def complete(request):
        if text is None:
            raise LlmUnavailable(["all down"])
        return SimpleNamespace(text=text, route=SimpleNamespace(model="gpt-4o-mini"))
    return SimpleNamespace(gateway=lambda: SimpleNamespace(complete=complete))


TASK = SimpleNamespace(org_id="o", run_id="r")


def report():
    return compose("cut costs by 30%", {"category": "cost", "entities": {"target_reduction_pct": 30.0}}, DATA, FOUND, {})


def test_the_report_carries_the_optimizers_numbers_and_the_target():
    r = report()
    assert (r["kind"], r["total_spend_usd"], r["projected_savings_usd"], r["meets_target"]) == ("analysis", "812.50", "300.00", True)
    assert r["spend_by_model"] == [{"model": "gpt-4o", "calls": 1200, "cost_usd": "812.5", "unpriced_calls": 0}]
    assert r["latency_by_model"] == [{"model": "gpt-4o", "calls": 1200, "p50_latency_ms": 900.0, "p95_latency_ms": 2100.0,
                                      "p95_ttft_ms": 400.0}]


def test_prose_with_the_given_figures_is_kept():
    text = "You spent $812.50 over 30 days; moving triage to gpt-4o-mini saves $300 (36.9%)."  # figures may be rounded
    assert narrative(ctx_answering(text), TASK, report()) == (text, "llm:gpt-4o-mini")


def test_an_invented_figure_or_no_figure_falls_back_to_the_template():
    invented, source = narrative(ctx_answering("You could save $450 a month."), TASK, report())
    assert "not in the facts" in source and "$300.00" in invented and "450" not in invented
    vague, source = narrative(ctx_answering("Costs can be cut a lot."), TASK, report())
    assert "none of the figures" in source and "1,200 LLM calls costing $812.50" in vague
    down, source = narrative(ctx_answering(None), TASK, report())
    assert source == "template" and "meets the 30% target" in down
