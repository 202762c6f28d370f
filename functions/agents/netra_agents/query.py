"""What a question asks, typed: the contract between understanding (triage), the data the
run reads, the answer it computes and the report (`report.query`).

A `Query` is made by `netra_agents.understanding` from the text, the thread's previous
query and the names in the org's own data; every field records where it came from
(`sources`: parser, llm, context — the previous turn — or default). Its JSON form is stored
on the run (`runs/{id}.query`) and carried in every report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

Kind = Literal["plan", "breakdown", "change", "what_if", "latency", "forecast", "overview", "guidance", "clarify"]
# `clarify`: Netra asks back (the reading is unsure, or the question is no question Netra
# answers) with a few choices instead of answering a question nobody asked.
KINDS: tuple[str, ...] = (
    "plan",
    "breakdown",
    "change",
    "what_if",
    "latency",
    "forecast",
    "overview",
    "guidance",
    "clarify",
)
# Why Netra asks back: a greeting, "what can you do", a request it cannot do, too vague to
# read, or a reading torn between answers.
ClarifyReason = Literal["greeting", "capability", "cannot_do", "vague", "unsure"]
CLARIFY_REASONS: tuple[str, ...] = ("greeting", "capability", "cannot_do", "vague", "unsure")
Dimension = Literal["feature", "model", "provider", "user", "day"]
DIMENSIONS: tuple[str, ...] = ("feature", "model", "provider", "user", "day")
Metric = Literal["spend", "calls", "tokens", "latency", "error_rate"]
METRICS: tuple[str, ...] = ("spend", "calls", "tokens", "latency", "error_rate")
# Filterable dimensions (a filter on `day` is a period).
FILTERS: tuple[str, ...] = ("feature", "model", "provider", "user")
ScenarioType = Literal["move_model", "cache", "batch", "top_n", "traffic_growth"]
SCENARIOS: tuple[str, ...] = ("move_model", "cache", "batch", "top_n", "traffic_growth")
# How a cache scenario caches: an exact-match response cache, or the provider's prompt caching
# of shared prefixes (None: not said, priced as a response cache).
CACHE_MODES: tuple[str, ...] = ("response", "prompt")
Source = Literal["parser", "llm", "context", "default"]
DEFAULT_DAYS = 30


@dataclasses.dataclass(frozen=True)
class Period:
    """Whole UTC days (dates), or a span within days (UTC datetimes: "the last 6 hours",
    "this morning"); `start` inclusive, `end` exclusive; `label` is how to say it ("the last
    7 days", "this month", "since Nov 3")."""

    start: dt.date
    end: dt.date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def timed(self) -> bool:
        return isinstance(self.start, dt.datetime)

    def to_json(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "days": self.days, "label": self.label}

    @classmethod
    def from_json(cls, body: dict) -> Period:
        return cls(_moment(body["from"]), _moment(body["to"]), body.get("label", ""))

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        length = self.end - self.start
        if self.timed:
            hours = length.total_seconds() / 3600
            return Period(self.start - length, self.start, f"the {hours:g} hours before")
        return Period(self.start - length, self.start, f"the {self.days} days before")


def _moment(iso: str) -> dt.date:
    """A period's bound: a date, or (with a time) a UTC datetime."""
    if "T" not in iso:
        return dt.date.fromisoformat(iso)
    at = dt.datetime.fromisoformat(iso)
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)


@dataclasses.dataclass(frozen=True)
class Target:
    """A savings target: a share of spend, an amount to take off, or a level to bring spend
    down to (decimal strings in USD). An amount or level is over the period analysed, or a
    month when `per` is "month" ("save $500 a month", "down to $3,000 a month")."""

    pct: float | None = None
    usd: str | None = None
    per: str | None = None  # "month", or None: the period analysed
    level_usd: str | None = None

    def to_json(self) -> dict:
        return {"pct": self.pct, "usd": self.usd, "per": self.per, "level_usd": self.level_usd}


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A what-if. move_model: `feature` (or all) from `from_model` to `to_model`; cache:
    `feature`'s repeated prompts (or all), by `mode` (CACHE_MODES); batch: `feature` to a batch
    API; top_n: only the `n` largest recommendations of the plan; traffic_growth: `feature`'s
    (or all) calls times `factor` (2: traffic doubles, 0.5: halves, 0: turned off)."""

    type: ScenarioType
    feature: str | None = None
    from_model: str | None = None
    to_model: str | None = None
    n: int | None = None
    mode: str | None = None
    factor: float | None = None

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Unresolved:
    """A name the question used that the org's data does not have, with the closest ones."""

    dimension: str
    text: str
    closest: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"dimension": self.dimension, "text": self.text, "closest": list(self.closest)}


@dataclasses.dataclass(frozen=True)
class Choice:
    """One answer Netra offers when it asks back: the words on the button and the question
    it sends into the thread when chosen (typed by the code, read back as that kind)."""

    kind: str
    label: str
    question: str

    def to_json(self) -> dict:
        return {"kind": self.kind, "label": self.label, "question": self.question}


@dataclasses.dataclass(frozen=True)
class Clarification:
    reason: ClarifyReason
    choices: tuple[Choice, ...] = ()

    def to_json(self) -> dict:
        return {"reason": self.reason, "choices": [c.to_json() for c in self.choices]}

    @classmethod
    def from_json(cls, body: dict) -> Clarification:
        return cls(
            body["reason"], tuple(Choice(c["kind"], c["label"], c["question"]) for c in body.get("choices") or ())
        )


@dataclasses.dataclass(frozen=True)
class Query:
    kind: Kind
    period: Period
    comparison: Period | None = None
    dimensions: tuple[str, ...] = ()
    filters: dict[str, tuple[str, ...]] = dataclasses.field(
        default_factory=dict
    )  # dimension -> names in the org's data
    metric: Metric = "spend"
    target: Target | None = None
    budget_usd: str | None = None
    scenario: Scenario | None = None
    top_n: int | None = None  # rows to show in a breakdown (None: the answer's default)
    # forecast: the days still to come it projects ("next month", "Q1 next year"); None: the month end
    horizon: Period | None = None
    unresolved: tuple[Unresolved, ...] = ()
    # field -> Source, for kind, period, comparison, dimensions, filters, metric, top_n, target,
    # budget_usd, scenario and horizon
    sources: dict[str, str] = dataclasses.field(default_factory=dict)
    # False: the parser found no kind signal, so an LLM was (or, with none, would have been) asked
    confident: bool = True
    clarify: Clarification | None = None  # kind clarify: why Netra asks back, and what it offers

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "period": self.period.to_json(),
            "comparison": self.comparison.to_json() if self.comparison else None,
            "dimensions": list(self.dimensions),
            "filters": {k: list(v) for k, v in self.filters.items()},
            "metric": self.metric,
            "target": self.target.to_json() if self.target else None,
            "budget_usd": self.budget_usd,
            "scenario": self.scenario.to_json() if self.scenario else None,
            "top_n": self.top_n,
            "horizon": self.horizon.to_json() if self.horizon else None,
            "unresolved": [u.to_json() for u in self.unresolved],
            "sources": dict(self.sources),
            "confident": self.confident,
            "clarify": self.clarify.to_json() if self.clarify else None,
        }

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Query:
        target, scenario = body.get("target"), body.get("scenario")
        return cls(
            kind=body["kind"],
            period=Period.from_json(body["period"]),
            comparison=Period.from_json(body["comparison"]) if body.get("comparison") else None,
            dimensions=tuple(body.get("dimensions") or ()),
            filters={k: tuple(v) for k, v in (body.get("filters") or {}).items()},
            metric=body.get("metric") or "spend",
            target=Target(target.get("pct"), target.get("usd"), target.get("per"), target.get("level_usd"))
            if target
            else None,
            budget_usd=body.get("budget_usd"),
            scenario=Scenario(**scenario) if scenario else None,
            top_n=body.get("top_n"),
            horizon=Period.from_json(body["horizon"]) if body.get("horizon") else None,
            unresolved=tuple(
                Unresolved(u["dimension"], u["text"], tuple(u.get("closest") or ()))
                for u in body.get("unresolved") or ()
            ),
            sources=dict(body.get("sources") or {}),
            confident=bool(body.get("confident", True)),
            clarify=Clarification.from_json(body["clarify"]) if body.get("clarify") else None,
        )
