"""Triage: what the question asks, as a typed `Query` (netra_agents.understanding).

The names in the org's own data (features, models, providers, users) are read through the
analytics API with the run's delegated token, as the data agent reads usage; the thread's
previous query comes from its latest earlier run that has one. Code reads the question;
an LLM is asked only when code found no kind signal, and fills only what code left open.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from shared_lib.contracts.agents import StepTask, TriageSummary
from shared_lib.contracts.steps import TriageOutput
from shared_lib.llm.budget import BudgetExhausted
from shared_lib.llm.gateway import LlmGateway, LlmRequest, LlmUnavailable
from shared_lib.llm.providers import Prompt

from netra_agents.analytics import UsageApi
from netra_agents.answers.quoting import name, plain
from netra_agents.catalog import AGENT_CHAIN
from netra_agents.progress import Progress
from netra_agents.query import Query
from netra_agents.runs import RunStore, as_utc
from netra_agents.understanding import OrgNames, understand

NAMES_WINDOW_DAYS = 90
MAX_NAMES = 500  # per dimension, the costliest first: a question names what matters
NAMED = ("feature", "model", "provider", "user")
# The categories the steps before issue 11 plan and report from (kept until they read `query`).
CATEGORY = {
    "overview": "general",
    "guidance": "general",
    "clarify": "general",
    "latency": "latency",
    "breakdown": "usage_analysis",
    "plan": "cost",
    "change": "cost",
    "what_if": "cost",
    "forecast": "cost",
}


@dataclasses.dataclass(frozen=True)
class TriageContext:
    store: RunStore  # the run's question, the thread's earlier runs
    usage: UsageApi  # the org's names, with the run's token
    gateway: Callable[[], LlmGateway]  # asked only when the parser is unsure


def triage(task: StepTask, progress: Progress, ctx: TriageContext) -> tuple[TriageOutput, TriageSummary]:
    run = ctx.store.run(task.run_id)
    question = run.get("question", "")
    progress.thinking("Reading the question", "question")
    with progress.tool("org_names", "Reading the names in your data") as said:
        names = org_names(task, ctx.usage)
        said.update(
            features=len(names.features),
            models=len(names.models),
            providers=len(names.providers),
            users=len(names.users),
        )
    previous = previous_query(ctx.store, task.run_id, run)
    if previous is not None:
        progress.thinking(f"Reading it as a follow-up to: {describe(previous)}", "follow_up")
    asked: dict = {}
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    query = understand(
        question,
        today=now.date(),
        now=now,
        names=names,
        previous=previous,
        llm=_llm(task, progress, ctx, asked) if question.strip() else None,
    )
    verdict: TriageOutput = {
        "query": query.to_json(),
        "category": CATEGORY[query.kind],
        "intent": describe(query),
        "source": asked.get("source", "parser"),
        "entities": {
            "models": list(query.filters.get("model", ())),
            "target_reduction_pct": query.target.pct if query.target else None,
            "days": query.period.days,
        },
        "needs_usage_data": True,
    }
    progress.completed(f"Understood: {describe(query)}", kind=query.kind, confident=query.confident)
    return verdict, {"verdict": verdict}


def describe(query: Query) -> str:
    """One line: what the query asks ("breakdown of calls by feature, the last 7 days, feature doc-qa")."""
    what = {
        "plan": "savings plan",
        "breakdown": f"breakdown of {query.metric.replace('_', ' ')}",
        "change": f"change in {query.metric.replace('_', ' ')}",
        "what_if": "what-if",
        "latency": "latency",
        "forecast": f"forecast of {query.horizon.label}" if query.horizon else "forecast",
        "overview": "overview",
        "guidance": "guidance",
        "clarify": "a question back" + (f" ({query.clarify.reason.replace('_', ' ')})" if query.clarify else ""),
    }[query.kind]
    parts = [what + (f" by {' and '.join(query.dimensions)}" if query.dimensions else "")]
    if not query.horizon:  # a forecast of days to come reads the past, but was asked about the future
        parts.append(query.period.label or f"{query.period.start} to {query.period.end}")
    if query.comparison:
        parts.append(f"against {query.comparison.label or query.comparison.start}")
    # A name one would type as is reads as a name; any other (spaces, a sentence) is quoted, so a
    # name in the data never reads as Netra's words in "Understood: …".
    parts += [
        f"{dimension} {', '.join(v if plain(v) else name(v) for v in values)}"
        for dimension, values in sorted(query.filters.items())
    ]
    if query.scenario:
        parts.append(query.scenario.type.replace("_", " "))
    return ", ".join(parts)


def org_names(task: StepTask, usage: UsageApi) -> OrgNames:
    """The org's feature, model, provider and user names over the last 90 days, read with
    the run's delegated token (the user's org, read only), in one call: a burst of questions
    queued behind four reads each."""
    reads = usage.for_run(task.run_id)
    end = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    window = {"from": (end - dt.timedelta(days=NAMES_WINDOW_DAYS)).isoformat(), "to": end.isoformat()}
    found = reads.get("/api/usage/names", {**window, "limit": MAX_NAMES}, timeout=60)["names"]
    named = {dimension: tuple(n for n in found.get(dimension, ()) if isinstance(n, str) and n) for dimension in NAMED}
    return OrgNames(named["feature"], named["model"], named["provider"], named["user"])


def previous_query(store: RunStore, run_id: str, run: dict) -> Query | None:
    """The query of the latest earlier run in the same thread (and of the same user) that
    has one: the run document's resolved `query`, else what its triage understood."""
    if not run.get("thread_id") or run.get("created_at") is None:
        return None
    return latest_query(
        store.thread_runs(run["thread_id"], run.get("user_id")),
        run_id,
        run["created_at"],
        lambda earlier_id: store.output(earlier_id, "triage"),
    )


def latest_query(
    runs: list[tuple[str, dict]], run_id: str, created: dt.datetime, triage_output: Callable[[str], dict | None]
) -> Query | None:
    """Among a thread's runs, the query of the latest one created before `created` that has
    one (a few are tried: a run that failed before triage has none)."""
    earlier = sorted(
        (
            (as_utc(data["created_at"]), earlier_id, data)
            for earlier_id, data in runs
            if earlier_id != run_id
            and isinstance(data.get("created_at"), dt.datetime)
            and as_utc(data["created_at"]) < as_utc(created)
        ),
        key=lambda e: e[:2],
        reverse=True,
    )
    for _, earlier_id, data in earlier[:5]:
        body = data.get("query") or (triage_output(earlier_id) or {}).get("query")
        if isinstance(body, dict):
            try:
                return Query.from_json(body)
            except (KeyError, TypeError, ValueError):
                continue  # a query stored in another shape: try the one before
    return None


def _llm(
    task: StepTask, progress: Progress, ctx: TriageContext, asked: dict
) -> Callable[[str, str, dict], dict | None]:
    """The LLM as understanding asks it: (system, question, schema) -> the JSON answered, or
    None when no model answers or the org's LLM budget is spent (the parse stands)."""

    def answer(system: str, question: str, schema: dict) -> dict | None:
        with progress.tool("read_question_with_llm", "Asking a model to read an unclear question") as said:
            try:
                completion = ctx.gateway().complete(
                    LlmRequest(
                        task.org_id,
                        "triage",
                        Prompt(system, [{"role": "user", "content": question}], 400, schema, "query"),
                        AGENT_CHAIN,
                        run_id=task.run_id,
                    )
                )
            except (LlmUnavailable, BudgetExhausted) as exc:
                progress.thinking("No model answered; going by what the question says", "fallback")
                said["fallback"] = str(exc)[:300]
                return None
            asked["source"] = f"llm:{completion.route.model}"
            said["model"] = completion.route.model
            return completion.data

    return answer
