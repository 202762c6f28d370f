"""Answers: each kind of question computed from the data the run read (analytics' numbers,
the optimizer's savings). Pure functions, no I/O; `reporting` wraps them in the report.

`by_kind.answer(query, data, found, plans)` gives the kind's own fields; `money` is the one
place the agents format money. Nothing is imported here, so that a step needing one answer
module (data: `breakdown`; optimization: `money`) does not load every kind at cold start.
"""
