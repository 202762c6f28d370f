"""Understanding a question, deterministic first: the text becomes a typed `Query`.

Code reads the period and comparison, dimensions, filters (resolved against the org's own
names), metric, target, budget and scenario, and takes what a follow-up leaves out from the
thread's previous query. The kind of answer a first question wants is the intent model's
(`intent`, trained on the repository's labelled questions), weighed with the rules' reading;
when neither is sure, or the question is no question about usage, the query asks back
(`clarify`) instead of answering another question. An LLM, where one is configured, is asked
only when the reading is unsure, and fills only what code left open. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from netra_agents.query import Query
from netra_agents.understanding import clarify, intent
from netra_agents.understanding.consult import LlmAnswer, consult, schema
from netra_agents.understanding.names import OrgNames
from netra_agents.understanding.parse import SPLIT_ONLY, Reading, follows, read, settle

__all__ = ["LlmAnswer", "OrgNames", "schema", "understand"]

# Below this probability of its likeliest kind the model is unsure: Netra asks back between
# the likeliest answers (calibrated on the dev set: see ADR 0016).
SURE = 0.6
# A kind within this share of the likeliest is offered beside it when asking back.
CLOSE = 0.5


def understand(
    text: str,
    *,
    today: dt.date,
    names: OrgNames,
    previous: Query | None = None,
    llm: LlmAnswer | None = None,
    now: dt.datetime | None = None,
) -> Query:
    """The query `text` asks, on `today` (UTC), for an org with `names`, in a thread whose
    previous turn asked `previous`. `llm(system, question, schema) -> dict | None` is asked
    only when the reading is unsure; its failures and nonsense leave the reading as is.
    `now` (UTC) places spans within a day ("the last 6 hours"); None: noon of `today`."""
    now = now or dt.datetime.combine(today, dt.time(12), dt.timezone.utc)
    reading = read(text, today, names, previous, now=now)
    query = settle(reading, today, previous)
    kind, sure, ranked = decide(reading)
    if previous is not None and follows(reading):
        if leans_on_previous(reading, sure and kind != "clarify"):  # a follow-up: the thread's kind, read by code
            return consult(llm, text, query, today, names) if not query.confident and llm is not None else query
        # Nothing in it refers back ("costs", "whats the weather", "email me a pdf of this"):
        # it is read on its own, as in a new thread.
        previous = None
        reading = read(text, today, names, None, now=now)
        query = settle(reading, today, None)
        kind, sure, ranked = decide(reading)
    if kind == "clarify":
        why = clarify.reason(reading)
        if why != "vague" or llm is None:  # a greeting, "what can you do", a request Netra cannot do
            return _asking(query, clarify.clarification(why, ranked if not sure else [], reading))
    elif kind != reading.kind and (sure or llm is not None):  # unsure without an LLM: asked back as read
        reading = read(text, today, names, previous, kind=kind, now=now)
        query = settle(reading, today, previous)
    if sure and kind != "clarify":
        return dataclasses.replace(query, confident=True)
    if llm is not None:  # unsure, or too vague for code: the LLM may read it, code checks it
        unsure = dataclasses.replace(query, confident=False, sources={**query.sources, "kind": "default"})
        asked = consult(llm, text, unsure, today, names)
        if asked.sources.get("kind") == "llm":
            return asked
    if kind == "clarify":
        return _asking(query, clarify.clarification("vague", ranked if not sure else [], reading))
    return _asking(query, clarify.clarification("unsure", ranked, reading))


def leans_on_previous(reading: Reading, sure_of_an_answer: bool) -> bool:
    """Whether a message in a thread modifies the previous question: it says so ("and …",
    "what about …", "only the top two", "why?", "by model"), or it is a few words that
    state a period, a name or a split ("yesterday?", "for doc-qa") and no kind the model is
    sure of."""
    if reading.follow_up_marker or SPLIT_ONLY.search(reading.masked) or _REFERS_BACK.search(reading.masked):
        return True
    short = len(reading.text.split()) <= 4
    return short and (bool(_WHY.search(reading.masked)) or (reading.states_anything and not sure_of_an_answer))


# "how sure are you about the first one?", "who was behind it?": a reference to the last answer.
_REFERS_BACK = re.compile(
    r"\bthe\s+(?:first|second|third|last|top|other|cheapest|biggest|largest)\s+(?:one|two|three)\b"
    r"|\b(?:this|that)\s+one\b|\b(?:behind|about|explain|caused?|drove|driving)\s+(?:it|that|this)\b"
)
_WHY = re.compile(r"^\W*(?:and\s+|but\s+|ok\s+|so\s+)?(?:why|how\s+come)\b")


def decide(reading: Reading) -> tuple[str, bool, list[str]]:
    """(kind, sure, the answer kinds worth offering, likeliest first), by the intent model; the
    rules' reading reaches it only as features (the periods, amounts and names code found)."""
    p = intent.probabilities(reading.masked, reading.slots, reading.facts)
    ranked = sorted(p, key=p.get, reverse=True)
    best = ranked[0]
    close = [k for k in ranked if k != "clarify" and p[k] >= CLOSE * p[best]]
    return best, p[best] >= SURE, close


def _asking(query: Query, clarification) -> Query:
    return dataclasses.replace(
        query,
        kind="clarify",
        clarify=clarification,
        confident=True,
        sources={**query.sources, "kind": "parser"},
    )
