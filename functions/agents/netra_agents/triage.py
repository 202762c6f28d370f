"""Triage: what the question is about and what it names.

The category and intent come from an LLM answering a JSON schema; when no model answers
acceptably, from keyword rules. Numbers (a target reduction, a time range) and names
(models, features) are read from the question by code, never taken from the LLM: an LLM
only classifies here.
"""

from __future__ import annotations

import re

from shared_lib.llm.budget import BudgetExhausted
from shared_lib.llm.gateway import LlmRequest, LlmUnavailable
from shared_lib.llm.providers import Prompt

from netra_agents.catalog import AGENT_CHAIN
from netra_agents.runtime import StepFailed

# "general" first: a model unsure of anything else (and the emulator, which picks the
# option a question names) falls back to it.
CATEGORIES = ("general", "cost", "latency", "model_selection", "usage_analysis")
DEFAULT_DAYS = 30
SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["category", "intent"],
    "properties": {
        "category": {"enum": list(CATEGORIES)},
        "intent": {"type": "string", "maxLength": 200},
    },
}
SYSTEM = (
    "You classify questions sent to Netra, a platform that analyses a team's LLM API usage to cut cost and latency. "
    "Categories: cost (spend, savings, budgets), latency (speed, time to first token), model_selection (which model to "
    "use), usage_analysis (where calls and tokens go), general (anything else, greetings, unclear or empty questions). "
    "Answer with the category and a one-line intent."
)
_RULES = (
    ("latency", r"\b(latency|slow|slower|faster|speed|ttft|time to first token|p9\d|response time)\b"),
    ("model_selection", r"\b(which model|switch|downgrade|cheaper model|smaller model|model choice|right-?siz\w*)\b"),
    ("cost", r"\b(cost|costs|spend|spending|cheaper|save|savings|saving|bill|budget|expensive|reduce|cut|\$)"),
    ("usage_analysis", r"\b(usage|how many|calls|tokens|breakdown|where does|which features?|who uses|trend)\b"),
)
_MODEL = re.compile(r"\b(gpt-[\w.\-]+|o\d(?:-[\w\-]+)?|claude-[\w.\-]+|gemini-[\w.\-]+|mistral-[\w.\-]+|llama-?[\w.\-]*)\b", re.I)
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*(?:%|percent)")
_DAYS = re.compile(r"\b(?:last|past)\s+(\d{1,3})\s+days?\b", re.I)
_PERIODS = {"week": 7, "fortnight": 14, "month": 30, "quarter": 90}


def triage(task, progress, ctx) -> tuple[dict, dict]:
    question = ctx.store.run(task.run_id).get("question", "")
    progress.thinking("Reading the question", "question")
    source, category, intent = "rules", *rules_category(question)
    if question.strip():
        with progress.tool("classify_question", "Classifying the question") as said:
            try:
                answer = ctx.gateway().complete(LlmRequest(task.org_id, "triage",
                                                           Prompt(SYSTEM, [{"role": "user", "content": question}], 200, SCHEMA,
                                                                  "triage"), AGENT_CHAIN, run_id=task.run_id))
                source, category, intent = f"llm:{answer.route.model}", answer.data["category"], answer.data["intent"]
            except BudgetExhausted as exc:
                raise StepFailed(f"Netra's LLM budget for your org is used up this month ({exc}).") from None
            except LlmUnavailable as exc:
                progress.thinking("No model answered; classifying by rules", "fallback")
                said["fallback"] = str(exc)[:300]
            said.update(category=category, source=source)
    verdict = {"category": category, "intent": intent, "source": source, "entities": entities(question),
               "needs_usage_data": category != "general"}
    progress.completed(f"Category: {category.replace('_', ' ')}", category=category)
    return verdict, {"verdict": verdict}


def rules_category(question: str) -> tuple[str, str]:
    text = question.lower()
    for category, pattern in _RULES:
        if re.search(pattern, text):
            return category, f"{category.replace('_', ' ')} question (rules)"
    return "general", "not a usage question, or an unclear one (rules)"


def entities(question: str) -> dict:
    """Models, a target reduction and a time range, as the question states them."""
    percent = _PERCENT.search(question)
    target = float(percent.group(1)) if percent and 0 < float(percent.group(1)) <= 100 else None
    days = DEFAULT_DAYS
    if found := _DAYS.search(question):
        days = max(1, min(int(found.group(1)), 400))
    else:
        for word, length in _PERIODS.items():
            if re.search(rf"\b(?:last|past|this)\s+{word}\b", question, re.I):
                days = length
    return {"models": sorted({m.lower() for m in _MODEL.findall(question)}), "target_reduction_pct": target, "days": days}
