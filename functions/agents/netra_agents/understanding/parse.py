"""A question, read by code: what it names, when, how it splits it, and what kind of answer
it wants. `read` finds what the text states; `settle` makes the query, taking what a
follow-up leaves out from the thread's previous query.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import re

from netra_agents.query import DEFAULT_DAYS, Period, Query, Scenario, Target, Unresolved
from netra_agents.understanding import names as org_names
from netra_agents.understanding import periods, scenarios, signals
from netra_agents.understanding.names import OrgNames

# Shorthand and the words the signals look for, for correcting typos ("reduse", "latancy").
_SHORTHAND = {
    "wat": "what",
    "wht": "what",
    "waht": "what",
    "whta": "what",
    "wek": "week",
    "wk": "week",
    "mnth": "month",
    "mth": "month",
    "hw": "how",
    "hwo": "how",
    "teh": "the",
    "adn": "and",
    "whats": "what is",
    "what's": "what is",
    "r": "are",
    "u": "you",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "cuz": "because",
    "vs": "vs",
    "mo": "month",
    "yday": "yesterday",
    "ystd": "yesterday",
    "tmrw": "tomorrow",
}
_VOCABULARY = (
    "latency",
    "latencies",
    "reduce",
    "model",
    "models",
    "feature",
    "features",
    "spend",
    "spending",
    "costs",
    "savings",
    "forecast",
    "budget",
    "provider",
    "providers",
    "tokens",
    "calls",
    "breakdown",
    "compare",
    "compared",
    "increase",
    "expensive",
    "cheaper",
    "optimize",
    "recommendations",
    "yesterday",
    "month",
    "week",
    "quarter",
    "caching",
    "batch",
    "summary",
    "overview",
    "error",
    "errors",
    "requests",
    "daily",
    "slowest",
    "doubled",
    "jumped",
    "happened",
    "changed",
    "projected",
    "estimate",
    "predict",
    "compared",
    "versus",
    "usage",
    "users",
    "which",
    "should",
    "switch",
    "move",
    "would",
    "where",
    "total",
    "spent",
    "today",
    "since",
    "between",
    "through",
    "speed",
    "first",
    "token",
    "change",
    "faster",
    "cheapest",
    "could",
    "feature",
    "cache",
    "cached",
    "batching",
    "batched",
    "happen",
    "spenders",
    "spender",
    "cheap",
    "price",
    "prices",
    "priced",
    "pricey",
    "spends",
    "seven",
    "times",
    "thing",
    "things",
)
# English words one edit from a signal word: never typos of it ("which projects cost most" is no forecast).
_REAL_WORDS = frozenset("think world project projects protect protected protects modest batches".split())
_WORD = re.compile(r"[a-z][a-z']*")
FOLLOW_UP = re.compile(
    r"^\W*(?:and|what\s+about|how\s+about|ok(?:ay)?|same|now|also|then|but|so|instead|only|just|"
    r"what\s+if\s+we\s+only)\b|\binstead\b|\bthe\s+same\b|\bsame\s+(?:for|thing|but)\b"
    r"|\b(?:that|those|these|them)\b(?!\s+(?:week|month|day|quarter|year)s?\b)"
    r"|\b(?:cach|batch|mov|switch)\w*\s+it\b"  # "what would caching it save?"
    r"|\b(?:break|split|show|sort|group|slice)\s+(?:it|this)\b"
)  # "break it down by provider"
COMPARED_TO = re.compile(
    r"(?:vs\.?|versus|compared\s+(?:to|with)|compare(?:d)?\s+(?:it\s+)?(?:to|with)|than|since|against|"
    r"relative\s+to|over)\s*$"
)
# Where a question names a feature or model we may not have ("the feature search-bot").
_NAMED = (
    re.compile(r"\b(?:feature|workload)\s+['\"`]?([a-z][a-z0-9]{0,40}(?:[-_.][a-z0-9]{1,40}){1,8})"),
    re.compile(r"\b([a-z][a-z0-9]{0,40}(?:[-_.][a-z0-9]{1,40}){1,8})['\"`]?\s+(?:feature|workload)\b"),
    re.compile(r"\b(?:for|on|of|about|in|with)\s+(?:the\s+)?([a-z][a-z0-9]{0,40}(?:[-_][a-z0-9]{1,40}){1,8})\b"),
    re.compile(r"['\"`]([a-z][\w.\-]{1,60})['\"`]"),
    re.compile(r"\bthe\s+([a-z][a-z0-9]*(?:\s+[a-z0-9]+)?)\s+(?:feature|workload)\b"),  # "the doc qa feature"
)
_NOT_IN_NAMES = frozenset(
    "most least expensive costly biggest largest costliest cheapest slowest fastest top main new old whole same first "
    "last other each every one single entire busiest worst best used popular active".split()
)
# A workload a cache or batch scenario names that is not one of the org's ("cache doc qa").
_SCENARIO_OBJECT = (
    re.compile(
        r"\b(?:cache|caching|cached|batch|batching|batched)\s+(?:(?:the|our|for|on|of)\s+)*"
        r"([a-z][a-z0-9]*(?:[\s_-][a-z0-9]+)?)\s*(?:$|[?.!,]|\s+(?:and|too|also|as\s+well|instead)\b)"
    ),
    scenarios.MOVE_UNKNOWN,
)
_NOT_OBJECTS = frozenset(
    "it them everything all more prompt prompts response responses system calls requests results answers outputs "
    "stuff things this that those these save help cut reduce be work api apis endpoint mode jobs job traffic "
    "everything all it them".split()
)
_NOT_NAMES = frozenset(
    {
        "cost-wise",
        "right-size",
        "rightsize",
        "month-end",
        "to-date",
        "week-over-week",
        "time-to-first",
        "the",
        "this",
        "that",
        "our",
        "each",
        "every",
        "a",
        "an",
        "my",
        "all",
        "which",
        "what",
        "it",
    }
)
# A message that only splits: "per feature?", "by model" (the previous answer, split).
SPLIT_ONLY = re.compile(r"^\W*(?:and\s+|now\s+|ok\s+)?(?:by|per|for\s+each|split\s+by|broken\s+down\s+by)\s+\w+\W*$")
NAME_VERSUS_NAME = re.compile(r"zq\d+q\s*(?:vs\.?|versus|compared\s+(?:to|with)|against)\s*zq\d+q")


@dataclasses.dataclass
class Reading:
    """What the text itself states (None / empty: it does not say)."""

    text: str
    masked: str = ""  # the text with every name replaced by its slot (positions refer to it)
    kind: str | None = None
    strong: bool = False  # a kind signal that changes a follow-up's kind
    follow_up_marker: bool = False
    periods: list[periods.Found] = dataclasses.field(default_factory=list)
    dimensions: list[str] = dataclasses.field(default_factory=list)
    filters: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    unresolved: list[Unresolved] = dataclasses.field(default_factory=list)
    metric: str | None = None
    top_n: int | None = None
    percent: float | None = None
    money: str | None = None
    level: str | None = None  # the amount is a level to bring spend down to ("down to $3k a month")
    monthly: bool = False  # the amount is a month's ("save $500 a month")
    budget_word: bool = False
    target_word: bool = False
    scenario: Scenario | None = None
    slots: list[str] = dataclasses.field(default_factory=list)  # the dimension of each name in `masked`
    found_scenario: str | None = None  # the scenario's type the text describes, whatever the kind

    @property
    def facts(self) -> list[str]:
        """What code found besides the words, as the intent model sees it."""
        said = [f"period:{f.relation or 'named'}" for f in self.periods]
        said += [f"dimension:{d}" for d in self.dimensions]
        said += ["percent"] * (self.percent is not None) + ["money"] * (self.money is not None)
        said += ["top_n"] * (self.top_n is not None) + [f"metric:{self.metric}"] * (self.metric is not None)
        said += [f"scenario:{self.found_scenario}"] * (self.found_scenario is not None)
        return said

    @property
    def states_anything(self) -> bool:
        return bool(
            self.periods
            or self.dimensions
            or self.filters
            or self.unresolved
            or self.metric
            or self.top_n
            or self.percent
            or self.money
            or self.scenario
        )


_CONTRACTION = re.compile(r"\b(where|what|how|who|which|why|when|that|there|it)'s\b")


def normalize(text: str, names: OrgNames) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = _CONTRACTION.sub(lambda m: m.group(1) + " is", text)  # "where's the money going" reads as "where is"
    known = _name_words(names)

    def fix(m: re.Match) -> str:
        word = m.group()
        if word in _SHORTHAND:
            return _SHORTHAND[word]
        if word in known or org_names.stem(word) in _stems(known):  # "job matching" in an org with job-match
            return word
        if len(word) < 5:
            return _inserted(word) if len(word) == 4 else word
        corrected = _correction(word)
        return corrected if corrected != word else _name_correction(word, known)

    return _WORD.sub(fix, text)


@functools.lru_cache(maxsize=64)
def _name_words(names: OrgNames) -> frozenset[str]:
    return frozenset(
        t for n in (*names.features, *names.models, *names.providers) for t in re.findall(r"[a-z]+", n.lower())
    )


@functools.lru_cache(maxsize=64)
def _stems(known: frozenset[str]) -> frozenset[str]:
    return frozenset(org_names.stem(k) for k in known)


@functools.lru_cache(maxsize=4096)
def _inserted(word: str) -> str:
    """A four-letter word missing one inner vowel of a signal word ("modl" -> "model"), or `word`: not
    a final letter ("call" is no typo of "calls", "mode" none of "model"), nor a word with its vowels
    ("were" is no typo of "where", "uses" none of "users", "sped" none of "spend")."""
    if word in _VOCABULARY or sum(c in "aeiou" for c in word) > 1:
        return word
    for candidate in _VOCABULARY:
        if (
            len(candidate) == 5
            and candidate[0] == word[0]
            and any(candidate[i] in "aeiou" and candidate[:i] + candidate[i + 1 :] == word for i in range(1, 4))
        ):
            return candidate
    return word


@functools.lru_cache(maxsize=4096)
def _name_correction(word: str, known: frozenset[str]) -> str:
    """A word of the org's names `word` is a typo of ("anthropc" -> "anthropic"), or `word`."""
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.85)
    # A typo keeps the first letter: "matching" is no typo of "batching".
    if not close or close[0][0] != word[0] or close[0].startswith(word) or word.startswith(close[0]):
        return word
    return close[0]


@functools.lru_cache(maxsize=4096)
def _correction(word: str) -> str:
    """The signal word `word` is a typo of ("reduse" -> "reduce"), or `word`."""
    if word in _VOCABULARY or word in _REAL_WORDS:
        return word
    close = [c for c in difflib.get_close_matches(word, _VOCABULARY, n=3, cutoff=0.8) if c[0] == word[0]][:1]
    if close and close[0] == word + "e":  # "featur": a dropped final e
        return close[0]
    if not close or close[0].startswith(word) or word.startswith(close[0]):  # "change" is no typo of "changed"
        return word
    return close[0]


def read(
    question: str,
    today: dt.date,
    names: OrgNames,
    previous: Query | None,
    kind: str | None = None,
    now: dt.datetime | None = None,
) -> Reading:
    """What `question` states; `kind`, when given, is the kind decided elsewhere (the intent
    model), so the scenario, filters and amounts are read as that kind reads them."""
    text = normalize(question, names)
    masked, slots = mask(text, names)
    reading = Reading(text, masked, slots=[s.dimension.rstrip("?") for s in slots])
    scenario, used = scenarios.find(masked, slots)
    reading.found_scenario = scenario.type if scenario is not None else None
    reading.periods = periods.find(masked, today, now)
    reading.dimensions = signals.dimensions(masked)
    reading.follow_up_marker = bool(FOLLOW_UP.search(masked))
    only_top = signals.only_top(masked)
    if (
        only_top is None
        and previous is not None
        and previous.scenario is not None
        and previous.scenario.type == "top_n"
    ):
        only_top = signals.top_n(masked)  # "and the top 4?" after "only the top two"
    top_scenario = (
        only_top is not None
        and not reading.dimensions
        and (previous is None or previous.kind in ("plan", "what_if") or bool(signals.HYPOTHETICAL.search(masked)))
    )
    if top_scenario:
        scenario, used = Scenario("top_n", n=only_top), set()
    else:
        reading.top_n = signals.top_n(masked)
    _filters(reading, slots, used, names)  # what the scenario does not use, for the kind to see
    reading.kind, reading.strong = (kind, True) if kind else _kind(masked, scenario, top_scenario, reading, previous)
    if reading.kind == "what_if":
        reading.scenario = scenario
        if (
            scenario is not None
            and scenario.type != "top_n"
            and scenario.feature is None
            and scenario.from_model is None
        ):
            pattern = _SCENARIO_OBJECT[scenario.type == "move_model"]
            unknown = pattern.search(masked)
            words = unknown.group(1).split() if unknown else []
            if (
                words
                and not set(words) & _NOT_OBJECTS
                and not any(w.startswith("zq") for w in words)
                and all(u.text != unknown.group(1) for u in reading.unresolved)
            ):
                reading.unresolved.append(org_names.unresolved("feature", unknown.group(1), names))
    else:  # a scenario's names in another kind of question are filters ("is caching worth it for doc-qa")
        _filters(reading, [s if i in used else None for i, s in enumerate(slots)], set(), names)
    reading.metric = signals.metric(masked) or ("calls" if signals.USAGE.search(masked) else None)
    if m := signals.INSTEAD.search(masked):  # "calls instead of spend"
        reading.metric = signals.metric(m.group(1)) or reading.metric
    reading.percent = signals.percent(masked)
    reading.money = signals.money(masked)
    reading.level = signals.level(masked)
    reading.monthly = bool(signals.MONTHLY.search(masked))
    reading.budget_word = bool(signals.BUDGET.search(masked))
    reading.target_word = bool(signals.TARGET.search(masked))
    return reading


def mask(text: str, names: OrgNames) -> tuple[str, list[scenarios.Slot]]:
    """The text with each name found replaced by `zq{i}q`, and the names (slots) in order."""
    mentions = org_names.find(text, names)
    # A whole model id is one slot: the org's (written with a date it does not use, or without
    # the one it does), or one the org does not use ("claude-opus-4") — not its family's provider.
    unknown = []
    for m in org_names.MODEL_ID.finditer(text):
        if any(x.dimension == "model" and x.start <= m.start() and m.end() <= x.end for x in mentions):
            continue
        known = org_names.resolve(m.group(), "model", names)
        mentions = [x for x in mentions if not (m.start() <= x.start and x.end <= m.end())]
        if known:
            mentions.append(org_names.Mention(m.start(), m.end(), "model", known))
        else:
            unknown.append(m)
    spans = [(m.start, m.end, scenarios.Slot(m.dimension, m.name)) for m in mentions]
    spans += [(u.start(), u.end(), scenarios.Slot("model?", u.group())) for u in unknown]
    for p in org_names.PROVIDER_WORD.finditer(text):  # "our Mistral bill" in an org that never used Mistral
        if not any(start < p.end() and p.start() < end for start, end, _ in spans):
            word = re.sub(r"\s+", " ", p.group())
            spans.append((p.start(), p.end(), scenarios.Slot("provider?", org_names.KNOWN_PROVIDERS[word])))
    spans.sort(key=lambda s: s[0])
    masked, last = [], 0
    for i, (start, end, _) in enumerate(spans):
        masked.append(text[last:start] + f" zq{i}q ")
        last = end
    return "".join(masked) + text[last:], [slot for _, _, slot in spans]


def _filters(reading: Reading, slots: list[scenarios.Slot | None], used: set[int], names: OrgNames) -> None:
    """Add the slots not `used` (and not None) as filters, or as unresolved names; then the
    names the text marks as a feature's that are not the org's."""
    for i, slot in enumerate(slots):
        if slot is None or i in used:
            continue
        if slot.dimension in ("model?", "provider?"):
            if all(u.text != slot.name for u in reading.unresolved):
                reading.unresolved.append(org_names.unresolved(slot.dimension[:-1], slot.name, names))
        elif slot.name not in reading.filters.setdefault(slot.dimension, []):
            reading.filters[slot.dimension].append(slot.name)
    reading.filters = {k: v for k, v in reading.filters.items() if v}
    seen = {u.text for u in reading.unresolved}
    for pattern in _NAMED:
        for m in pattern.finditer(reading.masked):
            word = m.group(1)
            if (
                word not in _NOT_NAMES
                and not word.startswith("zq")
                and not word.isdigit()
                and word not in seen
                and not set(word.split()) & _NOT_IN_NAMES
                and "zq" not in word
            ):
                seen.add(word)
                reading.unresolved.append(org_names.unresolved("feature", word, names))


def _kind(
    masked: str, scenario: Scenario | None, top_scenario: bool, reading: Reading, previous: Query | None
) -> tuple[str | None, bool]:
    if top_scenario or (
        scenario is not None
        and (
            signals.HYPOTHETICAL.search(masked)
            or signals.IMPERATIVE.search(masked)
            or (previous is not None and reading.follow_up_marker)
            or _names_its_workload(scenario, masked)
        )
    ):
        return "what_if", True
    if previous is not None and previous.kind in ("plan", "what_if") and signals.ALL_OF_THEM.search(masked):
        return "plan", True
    if signals.LATENCY.search(masked):
        return "latency", True
    if signals.AGAINST_BUDGET.search(masked):
        return "forecast", True
    if NAME_VERSUS_NAME.search(masked) and len([f for f in reading.periods if f.period]) < 2:
        return "breakdown", True  # "openai vs anthropic": two names side by side, not two periods
    if (
        signals.CHANGE.search(masked)
        or signals.WHY_HIGH.search(masked)
        or any(f.relation == "over" for f in reading.periods)
        or (previous is not None and signals.WHY_ALONE.search(masked))
    ):
        return "change", True
    if signals.WHERE_IT_GOES.search(masked):
        return "breakdown", True
    if signals.FORECAST.search(masked):
        return "forecast", True
    if signals.PLAN.search(masked):
        return "plan", True
    if signals.BREAKDOWN_STRONG.search(masked) or reading.dimensions or reading.top_n:
        return "breakdown", True
    if signals.OVERVIEW.search(masked) or signals.HELP.search(masked):
        return "overview", True
    if signals.BREAKDOWN_WEAK.search(masked) or reading.filters:
        return "breakdown", False
    if signals.GREETING.search(masked):
        return "overview", True
    return None, False


def _names_its_workload(scenario: Scenario, masked: str) -> bool:
    """A scenario stated with what it changes is asked about, whatever the verb around it ("price out moving
    support chat to gpt-4.1-mini", "caching for support chat?", "is caching worth it for doc-qa"); a lever
    named alone is a what-if when the question weighs it ("is caching worth it for us")."""
    if scenario.type == "move_model":
        return scenario.feature is not None or scenario.from_model is not None
    return scenario.feature is not None or bool(signals.WORTH.search(masked))


def default_period(today: dt.date) -> Period:
    return periods.rolling(today, DEFAULT_DAYS)


def settle(reading: Reading, today: dt.date, previous: Query | None) -> Query:
    """The query: what the text states (source parser), what a follow-up leaves out taken
    from the previous query (context), the rest defaults."""
    base = previous if previous is not None and follows(reading) else None
    sources: dict[str, str] = {}

    def take(field: str, stated, inherited, default):
        if stated is not None:
            sources[field] = "parser"
            return stated
        if base is not None and inherited is not None:
            sources[field] = "context"
            return inherited
        sources[field] = "default"
        return default

    keeps_kind = (
        base is not None
        and reading.kind == "breakdown"
        and (
            reading.follow_up_marker or (bool(SPLIT_ONLY.search(reading.masked)) and base.kind in ("change", "latency"))
        )
    )
    # A question of some length that names its own kind and no follow-up marker asks afresh
    # ("how much did the foobar feature cost" after a latency question is about spend).
    asks_afresh = reading.kind is not None and not reading.follow_up_marker and len(reading.text.split()) > 6
    if reading.kind is not None and (reading.strong or base is None or asks_afresh) and not keeps_kind:
        kind = take("kind", reading.kind, None, None)
    else:
        kind = take("kind", None, base.kind if base else None, "overview")
    confident = reading.kind is not None or (base is not None and reading.states_anything)
    if kind in ("overview", "breakdown", "change") and _only_future(reading):
        kind = take("kind", "forecast", None, None)  # days that have not happened: only a forecast tells them

    forecasts = kind == "forecast"
    horizon = take(
        "horizon",
        _horizon(reading, today) if forecasts else None,
        base.horizon if forecasts and base is not None and base.kind == "forecast" else None,
        None,
    )
    period, comparison = _periods(reading, today, base, kind)
    period = take("period", period, base.period if base else None, default_period(today))
    if kind == "change":
        inherited = base.comparison if base is not None and sources["period"] == "context" else None
        comparison = take("comparison", comparison, inherited, periods.before(period))
    else:
        comparison = take("comparison", None, None, None)

    stated_dimensions = tuple(reading.dimensions) or None
    if stated_dimensions is None and kind in (
        "breakdown",
        "change",
        "latency",
    ):  # "the split between openai and anthropic"
        named = [d for d, values in reading.filters.items() if len(values) >= 2]
        stated_dimensions = tuple(named[:1]) or None
    if kind in ("plan", "what_if", "forecast", "overview"):  # answers by lever or in total: "which model should X use"
        dimensions = take("dimensions", None, None, ())
    else:
        dimensions = take("dimensions", stated_dimensions, base.dimensions if base else None, ())
    # "and for the whole org?": the previous turn's filters are dropped
    filters: dict[str, tuple[str, ...]] = (
        dict(base.filters) if base and not signals.WHOLE.search(reading.masked) else {}
    )
    stated_scenario = reading.scenario
    if (
        base is not None
        and kind == "what_if"
        and stated_scenario is None
        and base.scenario is not None
        and base.scenario.type != "top_n"
        and reading.filters.get("feature")
    ):  # "and for the code assistant?"
        stated_scenario = dataclasses.replace(base.scenario, feature=reading.filters.pop("feature")[0])
    if (
        base is not None
        and kind == "what_if"
        and stated_scenario is None
        and base.scenario is not None
        and base.scenario.type == "move_model"
        and len(reading.filters.get("model", ())) == 1
    ):  # "haiku instead?"
        stated_scenario = dataclasses.replace(base.scenario, to_model=reading.filters.pop("model")[0])
    if (
        base is not None
        and stated_scenario is not None
        and stated_scenario.type in ("cache", "batch")
        and stated_scenario.feature is None
        and base.scenario is not None
        and base.scenario.feature is not None
        and not reading.unresolved
    ):  # "and batching?" after caching one feature
        stated_scenario = dataclasses.replace(stated_scenario, feature=base.scenario.feature)
    if (
        base is not None
        and stated_scenario is not None
        and stated_scenario.type != "top_n"
        and stated_scenario.feature is None
        and len(filters.get("feature", ())) == 1
    ):  # "what would batching it save?"
        stated_scenario = dataclasses.replace(stated_scenario, feature=filters.pop("feature")[0])
    for dimension, values in reading.filters.items():
        filters[dimension] = tuple(sorted(values))
    sources["filters"] = "parser" if reading.filters else ("context" if filters else "default")

    if kind == "latency":
        metric = take("metric", "latency", None, "latency")
    elif kind in ("breakdown", "change"):
        stated = reading.metric if reading.metric not in (None, "latency") else None
        inherited = base.metric if base is not None and base.metric != "latency" else None
        metric = take("metric", stated, inherited, "spend")
    else:
        metric = take("metric", None, None, "spend")

    top_n = take("top_n", reading.top_n, base.top_n if base and base.kind == kind else None, None)
    target_stated, budget_stated = _amounts(reading, kind)
    target = take("target", target_stated, base.target if base and kind in ("plan", "what_if") else None, None)
    # A budget carries over only to another forecast: a latency answer has no use for one.
    budget = take("budget_usd", budget_stated, base.budget_usd if base and kind == "forecast" else None, None)
    scenario = take("scenario", stated_scenario, base.scenario if base and kind == "what_if" else None, None)
    return Query(
        kind=kind,
        period=period,
        comparison=comparison,
        dimensions=dimensions,
        filters=filters,
        metric=metric,
        target=target,
        budget_usd=budget,
        scenario=scenario,
        top_n=top_n,
        horizon=horizon,
        unresolved=tuple(reading.unresolved),
        sources=sources,
        confident=confident,
    )


def follows(reading: Reading) -> bool:
    """Whether a message in a thread modifies the previous query rather than asking afresh:
    it says so ("and …", "what about …", "instead", "those"), names no kind of its own, or is
    a few words long. A greeting or "what can you do" always starts afresh."""
    words = len(reading.text.split())
    return reading.kind != "overview" and (
        reading.follow_up_marker or not reading.strong or words <= 4 or (not reading.states_anything and words <= 6)
    )


def _amounts(reading: Reading, kind: str) -> tuple[Target | None, str | None]:
    """(target, budget) from the percent and dollar amount stated: a dollar amount is a
    budget when the question says budget (or asks a forecast), a level to bring spend down to
    when a plan says so ("down to $3,000 a month"), else a savings target."""
    target = None
    ceiling = reading.level or (reading.money if reading.budget_word else None)
    if kind == "plan" and reading.percent is None and ceiling is not None:
        # A plan under a level or a ceiling ("down to $3k a month", "we may not go above $5k") saves
        # what spend runs above it: a month's unless the question sets it over a period of its own.
        said_period = any(f.period is not None for f in reading.periods)
        target = Target(level_usd=ceiling, per="month" if reading.monthly or not said_period else None)
    elif reading.percent is not None and (reading.target_word or kind in ("plan", "what_if")):
        target = Target(pct=reading.percent)
    elif (
        reading.money is not None
        and not reading.budget_word
        and kind != "forecast"
        and (reading.target_word or kind in ("plan", "what_if"))
    ):
        target = Target(usd=reading.money, per="month" if reading.monthly else None)
    budget = reading.money if reading.money is not None and (reading.budget_word or kind == "forecast") else None
    if target is not None and target.level_usd is not None:
        budget = None  # the ceiling is the plan's target
    return target, budget


def _only_future(reading: Reading) -> bool:
    """The text names days still to come and no usage that happened."""
    said = [f for f in reading.periods if f.period is not None]
    return bool(said) and all(f.relation == "future" for f in said)


def _horizon(reading: Reading, today: dt.date) -> Period | None:
    """The days a forecast projects, as the text states them: days still to come ("next
    month", "Q1 next year", "the next 30 days"), or a month or quarter named without a year
    whose date this year has passed ("January" in December); None: the month end."""
    for found in reading.periods:
        if found.relation == "future":
            return found.period
        if (ahead := periods.next_occurrence(found, today)) is not None:
            return ahead
    return None


def _periods(reading: Reading, today: dt.date, base: Query | None, kind: str) -> tuple[Period | None, Period | None]:
    """(period, comparison) as the text states them; None where it does not. Days still to
    come are no period of usage (a forecast holds them as its horizon)."""
    named = [
        f
        for f in reading.periods
        if f.period is not None
        and f.relation != "future"
        and not (kind == "forecast" and periods.next_occurrence(f, today) is not None)
    ]
    relative = [f for f in reading.periods if f.period is None]
    if kind == "change" and named:
        first = named[0]
        compared = first.relation == "last" and (
            COMPARED_TO.search(_before(reading, first)) or reading.masked.startswith("since", first.at)
        )
        if len(named) >= 2:  # the later against the earlier, whichever was said first
            later, earlier = sorted(named[:2], key=lambda f: f.period.start, reverse=True)
            return later.period, _as_long_as(earlier.period, later.period)
        same = [f for f in relative if f.relation == "same"]
        if same:  # "this week vs the same period last week"
            return first.period, periods.same_period(first.period, same[0].unit)
        if compared:  # "compared to last week": this week against last week
            unit = first.unit or "day"
            return periods.calendar(unit, today), first.period
        if relative:
            return first.period, periods.shifted(first.period, relative[0])
        return first.period, None
    if named:
        return named[0].period, None
    if relative and base is not None:  # "and the week before?"
        return periods.shifted(base.period, relative[0]), None
    return None, None


def _as_long_as(earlier: Period, later: Period) -> Period:
    """A span within a day compared with one that stops at now ("this morning so far against
    yesterday morning"): the earlier cut to the same length, so the two compare like for like."""
    length = later.end - later.start
    if not (earlier.timed and later.timed) or earlier.end - earlier.start <= length:
        return earlier
    return Period(earlier.start, earlier.start + length, f"{earlier.label} to the same time")


def _before(reading: Reading, found: periods.Found) -> str:
    return reading.masked[: found.at]
