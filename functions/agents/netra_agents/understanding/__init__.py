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

from netra_agents.query import Query
from netra_agents.understanding import clarify, intent
from netra_agents.understanding.consult import LlmAnswer, consult, schema
from netra_agents.understanding.names import OrgNames
from netra_agents.understanding.parse import Reading, follows, read, settle

__all__ = ["LlmAnswer", "OrgNames", "schema", "understand"]

# Below this probability of its likeliest kind the model is unsure: Netra asks back between
# the likeliest answers (calibrated on the dev set: see ADR 0016).
SURE = 0.6
# A kind within this share of the likeliest is offered beside it when asking back.
CLOSE = 0.5


def understand(
    text: str, *, today: dt.date, names: OrgNames, previous: Query | None = None, llm: LlmAnswer | None = None
) -> Query:
    """The query `text` asks, on `today` (UTC), for an org with `names`, in a thread whose
    previous turn asked `previous`. `llm(system, question, schema) -> dict | None` is asked
    only when the reading is unsure; its failures and nonsense leave the reading as is."""
    reading = read(text, today, names, previous)
    query = settle(reading, today, previous)
    if previous is not None and follows(reading):  # a follow-up: the thread's kind, read by code
        return consult(llm, text, query, today, names) if not query.confident and llm is not None else query
    kind, sure, ranked = decide(reading)
    if kind == "clarify":
        why = clarify.reason(reading)
        if why != "vague" or llm is None:  # a greeting, "what can you do", a request Netra cannot do
            return _asking(query, clarify.clarification(why, ranked if not sure else [], reading))
    elif kind != reading.kind and (sure or llm is not None):  # unsure without an LLM: asked back as read
        reading = read(text, today, names, previous, kind=kind)
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


def decide(reading: Reading) -> tuple[str, bool, list[str]]:
    """(kind, sure, the kinds worth offering, likeliest first) from the model and the rules."""
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
