"""Scoring understanding against a corpus of questions with their expected queries
(tests/unit/agents/understanding_corpus.yaml): the unit test's bar and the bench's numbers.

A case states the fields that differ from their defaults in a shorthand: periods as
"YYYY-MM-DD..YYYY-MM-DD" (end exclusive), unresolved names as "dimension:text".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from netra_agents.query import DEFAULT_DAYS, Period, Query, Scenario, Target
from netra_agents.understanding.names import OrgNames
from netra_agents.understanding.periods import before

FIELDS = (
    "kind",
    "period",
    "comparison",
    "dimensions",
    "filters",
    "metric",
    "top_n",
    "target",
    "budget_usd",
    "scenario",
    "unresolved",
)


@dataclasses.dataclass(frozen=True)
class Corpus:
    today: dt.date
    names: OrgNames
    cases: tuple[dict, ...]

    @classmethod
    def from_json(cls, body: dict) -> Corpus:
        names = body["names"]
        return cls(
            _date(body["today"]),
            OrgNames(*(tuple(names.get(k) or ()) for k in ("features", "models", "providers", "users"))),
            tuple(body["cases"]),
        )


@dataclasses.dataclass
class Score:
    cases: int = 0
    kinds_right: int = 0
    fields: int = 0
    fields_right: int = 0
    stated: int = 0  # fields a case states (its kind, and a change's comparison, always)
    stated_right: int = 0
    misses: list[str] = dataclasses.field(default_factory=list)

    @property
    def kinds_pct(self) -> float:
        return 100.0 * self.kinds_right / self.cases if self.cases else 0.0

    @property
    def fields_pct(self) -> float:
        return 100.0 * self.fields_right / self.fields if self.fields else 0.0

    @property
    def stated_pct(self) -> float:
        """Fields right among those the cases state: a parser that answers defaults scores low here."""
        return 100.0 * self.stated_right / self.stated if self.stated else 0.0


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _period(value: str | None) -> Period | None:
    if not value:
        return None
    start, end = value.split("..")
    return Period(_date(start), _date(end), "")


def expected(case: dict, today: dt.date) -> dict:
    """The comparable form of a case's expected query, defaults filled in."""
    kind = case["kind"]
    period = _period(case.get("period")) or Period(
        today - dt.timedelta(days=DEFAULT_DAYS - 1), today + dt.timedelta(days=1), ""
    )
    comparison = _period(case.get("comparison")) or (before(period) if kind == "change" else None)
    target = case.get("target") or None
    scenario = case.get("scenario") or None
    return {
        "kind": kind,
        "period": (period.start, period.end),
        "comparison": (comparison.start, comparison.end) if comparison else None,
        "dimensions": tuple(case.get("dimensions") or ()),
        "filters": {k: tuple(sorted(v)) for k, v in (case.get("filters") or {}).items()},
        "metric": case.get("metric") or ("latency" if kind == "latency" else "spend"),
        "top_n": case.get("top_n"),
        "target": (
            float(target["pct"]) if target.get("pct") is not None else None,
            target.get("usd"),
            target.get("per"),
        )
        if target
        else None,
        "budget_usd": case.get("budget_usd"),
        "scenario": Scenario(**scenario) if scenario else None,
        "unresolved": tuple(sorted(case.get("unresolved") or ())),
    }


def observed(query: Query) -> dict:
    return {
        "kind": query.kind,
        "period": (query.period.start, query.period.end),
        "comparison": (query.comparison.start, query.comparison.end) if query.comparison else None,
        "dimensions": tuple(query.dimensions),
        "filters": {k: tuple(sorted(v)) for k, v in query.filters.items() if v},
        "metric": query.metric,
        "top_n": query.top_n,
        "target": (query.target.pct, query.target.usd, query.target.per) if query.target else None,
        "budget_usd": query.budget_usd,
        "scenario": query.scenario,
        "unresolved": tuple(sorted(f"{u.dimension}:{u.text}" for u in query.unresolved)),
    }


def previous_query(case: dict, today: dt.date) -> Query | None:
    """The thread's previous query a follow-up case states (shorthand, defaults filled in)."""
    short = case.get("previous")
    if not short:
        return None
    want = expected(short, today)
    target = want["target"]
    return Query(
        kind=want["kind"],
        period=Period(*want["period"], ""),
        comparison=Period(*want["comparison"], "") if want["comparison"] else None,
        dimensions=want["dimensions"],
        filters=want["filters"],
        metric=want["metric"],
        top_n=want["top_n"],
        target=Target(*target) if target else None,
        budget_usd=want["budget_usd"],
        scenario=want["scenario"],
    )


def score(corpus: Corpus, parse: Callable[[str, Query | None], Query]) -> Score:
    """How many kinds and fields `parse(question, previous)` gets right on the corpus."""
    result = Score()
    for case in corpus.cases:
        want = expected(case, corpus.today)
        got = observed(parse(str(case["q"]), previous_query(case, corpus.today)))
        result.cases += 1
        result.kinds_right += got["kind"] == want["kind"]
        wrong = [f for f in FIELDS if got[f] != want[f]]
        result.fields += len(FIELDS)
        result.fields_right += len(FIELDS) - len(wrong)
        stated = [
            f
            for f in FIELDS
            if f in case
            or f == "kind"
            or (f == "comparison" and want["kind"] == "change")
            or (f == "metric" and want["kind"] == "latency")
        ]
        result.stated += len(stated)
        result.stated_right += sum(got[f] == want[f] for f in stated)
        if wrong:
            result.misses.append(f"{case['q']!r}: " + "; ".join(f"{f} {got[f]!r} (want {want[f]!r})" for f in wrong))
    return result
