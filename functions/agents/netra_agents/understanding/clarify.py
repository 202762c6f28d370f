"""Asking back: why Netra does (a greeting, "what can you do", a request it cannot do, a
question too vague to read, or a reading torn between answers) and the two to four answers
it offers, each a question code wrote so that sending it reads back as that answer.

The choices carry what the question did state (the period, the names, a target), so
choosing one answers the question the user meant, not a generic one.
"""

from __future__ import annotations

import re

from netra_agents.query import Choice, Clarification
from netra_agents.understanding.parse import Reading

GREETING = re.compile(
    r"^\W*(?:hi+|hello|hey+|yo|hiya|howdy|good\s+(?:morning|afternoon|evening)|thanks?(?:\s+you)?|thx|cheers|"
    r"greetings)\b(?:\W+(?:there|again|netra|team|all|folks))*\W*$"
)
CAPABILITY = re.compile(
    r"\bwhat\s+(?:can|could|do|else\s+can)\s+(?:you|u|netra|i)\s+(?:do|help|answer|ask|tell)|\bhow\s+(?:does|do)\s+"
    r"(?:this|it|netra|you)\s+work|\bwhat\s+(?:are|is)\s+(?:you|netra|this(?:\s+thing|\s+tool)?)\b|^\W*(?:help|help\s+me|"
    r"menu|options|commands)\W*$|\bwhat\s+(?:kind|sort)s?\s+of\s+(?:questions|things)\b|\bhow\s+do\s+i\s+(?:use|start)\b"
)
# Things Netra does not do from a chat: act outside it, write other things, change settings.
CANNOT = re.compile(
    r"\b(?:e-?mail|send|slack|text|sms|forward|schedule|remind|notify|page|alert|cancel|delete|remove|upgrade|"
    r"downgrade|change|switch\s+off|turn\s+off|set\s+up|configure|deploy|write|draft|compose|translate|book|order|"
    r"buy|pay|refund|generate)\b(?!\s+(?:it|this)\s+(?:cost|spend))"
)

# Each answer as a button says it, and the question that asks for it.
_LABELS = {
    "overview": "The big picture",
    "breakdown": "Where the money goes",
    "change": "What changed",
    "forecast": "What's coming",
    "plan": "How to spend less",
    "what_if": "What the change would save",
    "latency": "Where the time goes",
}
DEFAULT_KINDS = ("overview", "breakdown", "plan")


def reason(reading: Reading) -> str:
    """Why a question the model reads as no question about usage is one Netra asks back on."""
    text = reading.text
    if GREETING.search(text):
        return "greeting"
    if CAPABILITY.search(text):
        return "capability"
    if CANNOT.search(text):
        return "cannot_do"
    return "vague"


def clarification(why: str, kinds: list[str], reading: Reading) -> Clarification:
    """Asking back for `why`, offering `kinds` (the likeliest first; the defaults when the
    question names no answer), each phrased with what `reading` stated."""
    offered = [k for k in kinds if k in _LABELS and (k != "what_if" or reading.found_scenario)]
    for k in DEFAULT_KINDS:
        if len(offered) >= (2 if why == "unsure" else 3):
            break
        if k not in offered:
            offered.append(k)
    return Clarification(why, tuple(choice(k, reading) for k in offered[:4]))


def choice(kind: str, reading: Reading) -> Choice:
    when = _period(reading)
    scope = _scope(reading)
    target = f" by {reading.percent:g}%" if reading.percent is not None else ""
    label = _LABELS[kind]
    if kind == "plan" and target:
        label = f"How to cut{target.replace(' by', '')}"
    question = {
        "overview": f"Give me an overview of spend{scope}{when or ' this month'}",
        "breakdown": f"Show spend by {(reading.dimensions or ['feature'])[0]}{scope}{when}",
        "change": f"Why did spend change{scope}{when or ' last week'}?",
        "forecast": f"Forecast next month's spend{scope}",
        "plan": f"How can we cut spend{scope}{target}?",
        "what_if": f"What would {_scenario_words(reading)}{scope} save?",
        "latency": f"Where does the latency come from{scope}{when}?",
    }[kind]
    return Choice(kind, label, question)


def _period(reading: Reading) -> str:
    named = [f.period for f in reading.periods if f.period is not None and f.period.label]
    return f" {_phrase(named[0].label)}" if named else ""


def _phrase(label: str) -> str:
    """A period's label as it follows "spend": "the last 7 days" reads "in the last 7 days"."""
    return label if label.startswith(("since ", "this ", "last ", "yesterday", "today")) else f"in {label}"


def _scope(reading: Reading) -> str:
    said = []
    for dimension in ("feature", "model", "provider", "user"):
        for value in reading.filters.get(dimension, ()):
            said.append(f"{dimension} {value}" if dimension in ("user", "provider") else value)
    return f" for {' and '.join(said)}" if said else ""


def _scenario_words(reading: Reading) -> str:
    return {
        "cache": "caching",
        "batch": "the batch API",
        "move_model": "a cheaper model",
        "traffic_growth": "that change in traffic",
    }.get(reading.found_scenario or "", "the change")
