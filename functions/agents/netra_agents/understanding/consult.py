"""Asking an LLM what code could not read, without letting it overrule code.

The LLM answers a JSON schema of the query's fields. Only fields the parser left at their
default (and the kind, when the parser found no kind signal) are taken from it, each
checked: a kind it may not choose, a date that is no date, a name the org does not have
are dropped one by one. An LLM that raises or answers nothing leaves the query as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from netra_agents.query import CACHE_MODES, DIMENSIONS, FILTERS, METRICS, SCENARIOS, Period, Query, Scenario, Target
from netra_agents.understanding.names import OrgNames, resolve
from netra_agents.understanding.periods import before

log = logging.getLogger("netra.agents.understanding")

# (system prompt, question, JSON schema) -> the JSON object answered, or None.
LlmAnswer = Callable[[str, str, dict], "dict | None"]
ASKABLE_KINDS = ("overview", "plan", "breakdown", "change", "what_if", "latency", "forecast")  # never guidance
# The LLM's answer when the question asks none of them: Netra asks back (kind clarify). First
# in the schema's enum, so a model that cannot read (the local emulator answers the first
# option) leaves the question asked back, never answered as another.
UNCLEAR = "unclear"
_MAX_DAYS_BACK = 731
_MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9.\-:/_]{0,80}$")
SYSTEM = (
    "You read questions sent to Netra, which analyses a team's LLM API usage (spend, calls, tokens, latency, errors) "
    "to cut cost and latency. Today is {today} (UTC). Fill the fields the question states and leave the others null or "
    "empty. kind: unclear (a greeting, what Netra can do, a request that is no analysis of usage, or too vague to "
    "tell), overview (the big picture: total and top drivers), plan (how to save), breakdown (spend/calls/tokens by a "
    "dimension), change (compared with an earlier period, why something went up), what_if (a scenario: move a workload "
    "to another model, cache (mode response or prompt), batch API, only the top N recommendations, traffic_growth "
    "(factor: 2 doubles, 0.5 halves, 0 turns the feature off)), latency, forecast (month end, budget). "
    "Dates are YYYY-MM-DD, period_to is the last day included. Names must be among: features {features}; models "
    "{models}; providers {providers}."
)


def schema() -> dict:
    nullable = lambda sub: {"anyOf": [{"type": "null"}, sub]}  # noqa: E731 - the emulator answers the first option
    # Only keywords every provider's strict structured output takes; values are checked on merge.
    date = {"type": "string", "description": "YYYY-MM-DD"}
    amount = {"type": "string", "description": "US dollars, digits only, e.g. 2500"}
    names = {"type": "array", "items": {"type": "string"}, "maxItems": 10}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "kind",
            "period_from",
            "period_to",
            "dimensions",
            "filters",
            "metric",
            "top_n",
            "target_pct",
            "target_usd",
            "budget_usd",
            "scenario",
        ],
        "properties": {
            "kind": {"type": "string", "enum": [UNCLEAR, *ASKABLE_KINDS]},
            "period_from": nullable(date),
            "period_to": nullable(date),
            "dimensions": {"type": "array", "items": {"type": "string", "enum": list(DIMENSIONS)}, "maxItems": 2},
            "filters": {
                "type": "object",
                "additionalProperties": False,
                "required": list(FILTERS),
                "properties": {f: names for f in FILTERS},
            },
            "metric": nullable({"type": "string", "enum": list(METRICS)}),
            "top_n": nullable({"type": "integer", "minimum": 1, "maximum": 100}),
            "target_pct": nullable({"type": "number", "exclusiveMinimum": 0, "maximum": 100}),
            "target_usd": nullable(amount),
            "budget_usd": nullable(amount),
            "scenario": nullable(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["type", "feature", "from_model", "to_model", "n", "mode", "factor"],
                    "properties": {
                        "type": {"type": "string", "enum": list(SCENARIOS)},
                        "feature": nullable({"type": "string"}),
                        "from_model": nullable({"type": "string"}),
                        "to_model": nullable({"type": "string"}),
                        "n": nullable({"type": "integer", "minimum": 1, "maximum": 100}),
                        "mode": nullable({"type": "string", "enum": list(CACHE_MODES)}),
                        "factor": nullable({"type": "number", "minimum": 0, "maximum": 1000}),
                    },
                }
            ),
        },
    }


def system_prompt(today: dt.date, names: OrgNames) -> str:
    listed = lambda values: ", ".join(values[:40]) or "none"  # noqa: E731
    return SYSTEM.format(
        today=today.isoformat(),
        features=listed(names.features),
        models=listed(names.models),
        providers=listed(names.providers),
    )


def consult(llm: LlmAnswer, text: str, query: Query, today: dt.date, names: OrgNames) -> Query:
    try:
        answer = llm(system_prompt(today, names), text, schema())
    except Exception as exc:  # noqa: BLE001 - any failure of the LLM leaves the parse as it is
        log.info("the LLM did not answer: %s", exc)
        return query
    if not isinstance(answer, dict):
        return query
    return merge(query, answer, today, names, text)


def merge(query: Query, answer: dict, today: dt.date, names: OrgNames, text: str = "") -> Query:
    """`query` with what `answer` may fill: fields the parser left at their default, the kind
    when the parser found no kind signal, every value checked (`text`: the question)."""
    sources = dict(query.sources)
    changes: dict = {}

    def open_(field: str) -> bool:
        return sources.get(field, "default") == "default"

    kind = answer.get("kind")
    if kind in ASKABLE_KINDS and not query.confident and sources.get("kind") != "parser":
        changes["kind"], sources["kind"] = kind, "llm"
    final_kind = changes.get("kind", query.kind)
    if open_("period") and (period := _period(answer.get("period_from"), answer.get("period_to"), today)):
        changes["period"], sources["period"] = period, "llm"
    if final_kind == "change" and open_("comparison"):
        changes["comparison"] = before(changes.get("period", query.period))
    elif final_kind != "change" and sources.get("comparison") != "parser":
        changes["comparison"] = None
    dims = answer.get("dimensions")
    if open_("dimensions") and isinstance(dims, list):
        valid = tuple(dict.fromkeys(d for d in dims if d in DIMENSIONS))
        if valid:
            changes["dimensions"], sources["dimensions"] = valid, "llm"
    filters = answer.get("filters")
    if open_("filters") and isinstance(filters, dict):
        resolved = {}
        for dimension in FILTERS:
            values = filters.get(dimension)
            found = (
                sorted({n for v in values if isinstance(v, str) and (n := resolve(v, dimension, names))})
                if isinstance(values, list)
                else []
            )
            if found:
                resolved[dimension] = tuple(found)
        if resolved:
            changes["filters"], sources["filters"] = resolved, "llm"
    if (
        open_("metric")
        and final_kind in ("breakdown", "change")
        and answer.get("metric") in METRICS
        and answer["metric"] != "latency"
    ):
        changes["metric"], sources["metric"] = answer["metric"], "llm"
    if final_kind == "latency":
        changes["metric"] = "latency"
    if open_("top_n") and _count(answer.get("top_n")):
        changes["top_n"], sources["top_n"] = answer["top_n"], "llm"
    if open_("target") and final_kind in ("plan", "what_if"):
        pct, usd = answer.get("target_pct"), _amount(answer.get("target_usd"))
        if isinstance(pct, (int, float)) and not isinstance(pct, bool) and 0 < pct <= 100:
            changes["target"], sources["target"] = Target(pct=float(pct)), "llm"
        elif usd:
            from netra_agents.understanding.signals import MONTHLY

            monthly = MONTHLY.search(text.lower()) is not None
            # Per month when the question says so (the parser's reading of the same text).
            changes["target"], sources["target"] = Target(usd=usd, per="month" if monthly else None), "llm"
    if open_("budget_usd") and (budget := _amount(answer.get("budget_usd"))):
        changes["budget_usd"], sources["budget_usd"] = budget, "llm"
    if open_("scenario") and final_kind == "what_if" and (scenario := _scenario(answer.get("scenario"), names)):
        changes["scenario"], sources["scenario"] = scenario, "llm"
    if final_kind != "what_if" and sources.get("scenario") != "parser":
        changes["scenario"] = None
    return dataclasses.replace(query, **changes, sources=sources)


def _period(start, end, today: dt.date) -> Period | None:
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except (TypeError, ValueError):
        return None
    if not (today - dt.timedelta(days=_MAX_DAYS_BACK) <= first <= last <= today):
        return None
    return Period(first, last + dt.timedelta(days=1), f"{first.isoformat()} to {last.isoformat()}")


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 100


def _amount(value) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return format(amount.normalize(), "f") if amount.is_finite() and 0 < amount < Decimal("1e12") else None


def _scenario(body, names: OrgNames) -> Scenario | None:
    if not isinstance(body, dict) or body.get("type") not in SCENARIOS:
        return None

    def model(value) -> str | None:
        if not isinstance(value, str):
            return None
        return resolve(value, "model", names) or (value.lower() if _MODEL_ID.match(value.lower()) else None)

    feature = resolve(body["feature"], "feature", names) if isinstance(body.get("feature"), str) else None
    kind = body["type"]
    if kind == "top_n":
        return Scenario("top_n", n=body["n"]) if _count(body.get("n")) else None
    if kind == "move_model":
        to_model = model(body.get("to_model"))
        return (
            Scenario("move_model", feature=feature, from_model=model(body.get("from_model")), to_model=to_model)
            if to_model
            else None
        )
    if kind == "traffic_growth":
        factor = body.get("factor")
        valid = isinstance(factor, (int, float)) and not isinstance(factor, bool) and 0 <= factor <= 1000
        return Scenario(kind, feature=feature, factor=round(float(factor), 4)) if valid else None
    if kind == "cache":
        return Scenario(kind, feature=feature, mode=body.get("mode") if body.get("mode") in CACHE_MODES else None)
    return Scenario(kind, feature=feature)
