"""Scoring understanding on the fresh question sets (tests/unit/agents/understanding_fresh/):
written from the product description alone, in the writer's own vocabulary, for three orgs.

Their expectations are converted to Netra's `Query` here; every assumption the conversion
makes is written down, and none is taken from the parser:

- Kinds: the writer's eight are Netra's, except `unclear` (ask back, or say what Netra
  does), which is Netra's `clarify` (before issue 31's design: `guidance`, which it never
  answered with usage). A question marked `ambiguous` is right in any kind it
  lists as `acceptable`.
- Periods (today 2026-12-07, a Monday; ends exclusive): rolling windows end with today
  (`last_7_days`: Dec 1 to Dec 8); weeks start on Monday; `range:A..B` includes B;
  `default` (no period said) states nothing. A forecast's period is the time forecast: its
  `horizon` (`this_month`, "where December ends up", and `default`
  are the month end, no horizon).
- Plan targets and forecast budgets (the extension files): `{pct}`, `{usd, per}` and
  `{level_usd, per}` are `Target`'s pct, usd and level_usd with `per`; `budget_usd` as stated.
- Metrics: cost is `spend`; input, output and all tokens are `tokens`; every latency
  statistic is `latency`; calls and error rate as named. Stated only where the writer set one.
- Scenarios: `switch_model` is `move_model`, `cache` and `batch` as named; `cap_output` and
  `traffic_growth` have no `Query` type yet, so a what-if of theirs cannot be read right.
  Only the type is scored: its details are the writer's own keys.
- Filters and dimensions as stated (a what-if's target names sit in its scenario: not scored).

"Confidently wrong": the kind is wrong and the answer does not ask back (`clarify`).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from pathlib import Path

import yaml

FRESH = Path(__file__).resolve().parents[1] / "tests" / "unit" / "agents" / "understanding_fresh"
TODAY = dt.date(2026, 12, 7)
# Spans within a day are read at noon UTC of TODAY (`understand`'s default `now`).
NOW = dt.datetime(2026, 12, 7, 12)
KINDS = {"unclear": "clarify"}
METRICS = {
    "cost": "spend",
    "calls": "calls",
    "error_rate": "error_rate",
    "tokens": "tokens",
    "input_tokens": "tokens",
    "output_tokens": "tokens",
}
SCENARIOS = {"switch_model": "move_model", "cache": "cache", "batch": "batch"}


@dataclasses.dataclass
class FreshScore:
    cases: int = 0
    kinds_right: int = 0
    stated: int = 0
    stated_right: int = 0
    confidently_wrong: int = 0

    def pct(self, part: int, whole: int) -> float:
        return 100.0 * part / whole if whole else 0.0

    @property
    def kinds_pct(self) -> float:
        return self.pct(self.kinds_right, self.cases)

    @property
    def stated_pct(self) -> float:
        return self.pct(self.stated_right, self.stated)

    @property
    def confidently_wrong_pct(self) -> float:
        return self.pct(self.confidently_wrong, self.cases)


def period(text: str | None, today: dt.date = TODAY) -> tuple | None:
    """The writer's period vocabulary as [start, end) dates; None for `default`. Hours:
    `hours:N` is ("hours", N), `range:…T06:00..…T12:00` naive UTC times (`same` accepts a
    window of today that stops at now)."""
    if not text or text == "default":
        return None
    text = str(text)
    if text.startswith("hours:"):
        return ("hours", int(text.partition(":")[2]))
    if text.startswith("range:") and "T" in text:
        start, end = text.partition(":")[2].split("..")
        return dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end)
    day = dt.timedelta(days=1)
    tomorrow = today + day
    month_start = today.replace(day=1)
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    week_start = today - dt.timedelta(days=today.weekday())
    fixed = {
        "today": (today, tomorrow),
        "yesterday": (today - day, today),
        "this_week": (week_start, tomorrow),
        "last_week": (week_start - 7 * day, week_start),
        "this_month": (month_start, tomorrow),
        "last_month": ((month_start - day).replace(day=1), month_start),
        "last_7_days": (today - 6 * day, tomorrow),
        "last_30_days": (today - 29 * day, tomorrow),
        "last_90_days": (today - 89 * day, tomorrow),
        "this_quarter": (quarter_start, tomorrow),
        "last_quarter": (_months_before(quarter_start, 3), quarter_start),
        "year_to_date": (dt.date(today.year, 1, 1), tomorrow),
    }
    if text in fixed:
        return fixed[text]
    kind, _, value = text.partition(":")
    if kind == "month":
        year, month = (int(part) for part in value.split("-"))
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]) + day
    if kind == "range":
        start, end = value.split("..")
        return dt.date.fromisoformat(start), dt.date.fromisoformat(end) + day
    raise ValueError(f"not a period of the fresh sets: {text!r}")


def _months_before(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def stated(expect: dict) -> dict:
    """The fields the writer stated, in `Query`'s terms (see the module's assumptions)."""
    kind = KINDS.get(expect["kind"], expect["kind"])
    fields: dict = {}
    if kind != "forecast" and (when := period(expect.get("period"))):
        fields["period"] = when
    if kind == "forecast" and expect.get("period") not in (None, "default", "this_month"):
        fields["horizon"] = period(expect["period"])
    if kind == "plan" and (target := expect.get("target")):
        fields["target"] = _target(target.get("pct"), target.get("usd"), target.get("level_usd"), target.get("per"))
    if kind == "forecast" and expect.get("budget_usd") is not None:
        fields["budget_usd"] = _decimal(expect["budget_usd"])
    if kind == "change" and expect.get("comparison") == "previous":  # the same length just before
        if isinstance(fields.get("period"), tuple) and isinstance(fields["period"][0], dt.date):
            start, end = fields["period"]
            fields["comparison"] = (start - (end - start), start)
        else:
            fields["comparison"] = ("previous", fields.get("period"))
    elif kind == "change" and (other := period(expect.get("comparison"))):
        fields["comparison"] = other
    if expect.get("dimensions"):
        fields["dimensions"] = tuple(expect["dimensions"])
    if expect.get("filters") and kind != "what_if":
        fields["filters"] = {k: tuple(sorted(v)) for k, v in expect["filters"].items()}
    if metric := expect.get("metric"):
        fields["metric"] = "latency" if metric.startswith("latency") else METRICS.get(metric, metric)
    if kind == "what_if" and expect.get("scenario"):
        said = expect["scenario"]
        # Two scenarios combined ("and also cache it") are a list, in the order said.
        types = [SCENARIOS.get(x.get("type"), x.get("type")) for x in (said if isinstance(said, list) else [said])]
        fields["scenario"] = types[0] if len(types) == 1 else tuple(types)
    return fields


def _span(when) -> tuple:
    """A query's period in the writer's terms: dates, or naive UTC times for a span within
    days, and ("hours", N) for the last N hours to now."""
    if not getattr(when, "timed", False):
        return when.start, when.end
    start, end = (t.astimezone(dt.timezone.utc).replace(tzinfo=None) for t in (when.start, when.end))
    if end == NOW and when.label.startswith("the last"):
        return ("hours", round((end - start).total_seconds() / 3600))
    return start, end


def _compared(query):
    if query.comparison is None:
        return None
    if query.period.timed and _span(query.period)[0] == "hours" and query.comparison.end == query.period.start:
        return ("previous", _span(query.period))
    return _span(query.comparison)


def same(field: str, got, want) -> bool:
    """A field as the writer stated it; a named time of today may stop at now ("this morning so far")."""
    if got == want:
        return True
    timed = isinstance(got, tuple) and len(got) == 2 and all(isinstance(t, dt.datetime) for t in (*got, *want))
    return field in ("period", "comparison") and timed and got[0] == want[0] and got[1] == NOW < want[1]


def _decimal(value) -> str:
    from decimal import Decimal

    return format(Decimal(str(value)).normalize(), "f")


def _target(pct, usd, level, per) -> tuple:
    if pct is not None:
        return ("pct", float(pct))
    if level is not None:
        return ("level", _decimal(level), per)
    return ("usd", _decimal(usd), per)


def observed(query) -> dict:
    target = query.target
    return {
        "horizon": (query.horizon.start, query.horizon.end) if query.horizon else None,
        "target": _target(target.pct, target.usd, target.level_usd, target.per) if target else None,
        "budget_usd": query.budget_usd,
        "period": _span(query.period),
        "comparison": _compared(query),
        "dimensions": tuple(query.dimensions),
        "filters": {k: tuple(sorted(v)) for k, v in query.filters.items() if v},
        "metric": query.metric,
        "scenario": query.scenario.type if query.scenario else None,
    }


def batches() -> list[tuple[str, Path]]:
    """dev and its follow-ups, then final_1 (spent as the baseline). final_2, final_3 and
    followups_1 stay sealed until issue 31's design is in: each is scored once, then."""
    return [(f"fresh {name}", FRESH / f"{name}.yaml") for name in ("dev", "followups_dev", "final_1")]


def score(path: Path, parse) -> FreshScore:
    """`parse(question, names, previous) -> Query` over one file of the fresh sets. In a file
    of follow-up pairs, the second turns are scored, each read after its first turn."""
    from netra_agents.understanding.names import OrgNames

    body = yaml.safe_load(path.read_text())
    names = {
        org: OrgNames(*(tuple(n.get(k) or ()) for k in ("features", "models", "providers", "users")))
        for org, n in body["orgs"].items()
    }
    result = FreshScore()
    if "pairs" in body:
        cases = []
        for pair in body["pairs"]:
            first, second = pair["turns"][:2]
            previous = parse(str(first["question"]), names[pair["org"]], None)
            cases.append((pair["org"], second, previous))
    else:
        cases = [(case["org"], case, None) for case in body["questions"]]
    for org, case, previous in cases:
        expect = case["expect"]
        query = parse(str(case["question"]), names[org], previous)
        kinds = {KINDS.get(k, k) for k in [expect["kind"], *(expect.get("acceptable") or [])]}
        result.cases += 1
        right = query.kind in kinds
        result.kinds_right += right
        result.confidently_wrong += not right and query.kind not in ("clarify", "guidance")
        want, got = stated(expect), observed(query)
        result.stated += len(want)
        result.stated_right += sum(same(field, got[field], value) for field, value in want.items())
    return result
