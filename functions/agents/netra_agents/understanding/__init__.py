"""Understanding a question, deterministic first: the text becomes a typed `Query`.

Code reads the kind of answer, the period and comparison, dimensions, filters (resolved
against the org's own names), metric, target, budget and scenario, and takes what a
follow-up leaves out from the thread's previous query. Only when code finds no kind
signal is an LLM asked, and it fills only what code left at its default. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt

from netra_agents.query import Query
from netra_agents.understanding.consult import LlmAnswer, consult, schema
from netra_agents.understanding.names import OrgNames
from netra_agents.understanding.parse import read, settle

__all__ = ["LlmAnswer", "OrgNames", "schema", "understand"]


def understand(
    text: str, *, today: dt.date, names: OrgNames, previous: Query | None = None, llm: LlmAnswer | None = None
) -> Query:
    """The query `text` asks, on `today` (UTC), for an org with `names`, in a thread whose
    previous turn asked `previous`. `llm(system, question, schema) -> dict | None` is asked
    only when the parse is not confident; its failures and nonsense leave the parse as is."""
    query = settle(read(text, today, names, previous), today, previous)
    if not query.confident and llm is not None:
        query = consult(llm, text, query, today, names)
    return query
