"""The words that say what kind of answer a question wants, what it measures, how it
splits it, and the amounts it states.

Kinds are tried in a fixed order (a what-if before a latency question before a change
before a forecast before a plan before a breakdown); the first with a signal wins.
Breakdown words are weak ("show", "how much"): in a follow-up they do not change the
previous turn's kind.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from netra_agents.understanding.periods import NUMBERS

HYPOTHETICAL = re.compile(
    r"\b(what\s+if|what\s+would|if\s+we|if\s+i|suppose|supposing|imagine|would\s+(?:we|it|that|this|caching|batching)"
    r"|could\s+we\s+(?:move|switch|cache|batch)|(?:can|could|would|should)\s+(?:we|zq\d+q|it|they|this|that)|make\s+sense|what\s+would\s+it\s+cost|should\s+we\s+(?:move|switch|cache|batch|use)|how\s+much\s+would"
    r"|how\s+much\s+more\s+would|what\s+would)\b"
)
# Weighing a lever: "is caching worth it", "does batching make sense", "would it help".
WORTH = re.compile(r"\b(worth|make\s+sense|makes\s+sense|pay\s+off|pays\s+off|help|helps|benefit|benefits)\b")
IMPERATIVE = re.compile(
    r"^\s*(?:please\s+|let'?s\s+|ok,?\s+|so\s+)?(move|switch|migrate|cache|batch|use|put|route|try)\b"
)

LATENCY = re.compile(
    r"\b(latency|latencies|slow|slower|slowest|slowness|fast|faster|fastest|speed|speed\s+up|laggy|lag|lagging|"
    r"p50|p90|p95|p99|ttft|time[\s-]+to[\s-]+first[\s-]+token|response\s+times?|takes?\s+too\s+long|sluggish|"
    r"quicker|quickest|snappier|snappy|responsiveness|(?:taking|takes?|took)\s+(?:so|too)\s+long)\b"
)
CHANGE = re.compile(
    r"\b(vs\.?|versus|compared?\s+(?:to|with)|compare[sd]?|comparison|doubled?|tripled?|quadrupled?|went\s+up|gone\s+up|"
    r"go\s+up|goes\s+up|going\s+up|went\s+down|go\s+down|jump(?:ed|s)?|spike[sd]?|spiking|increase[sd]?|increasing|"
    r"grew|grow(?:n|ing|th)?|climb\w*|creep(?:s|ing)?|crept|soar\w*|shot\s+up|ramp(?:ed|ing)?\s+up|rise|rose|risen|rising|drop(?:ped|s)?|fell|fall(?:en|ing)?|decrease[sd]?|decreasing|surge[sd]?|"
    r"why\s+did\s+(?:that|this|it)\s+happen|balloon(?:ed|ing)?|skyrocket(?:ed|ing)?|what\s+happened|what'?s\s+going\s+on|what\s+is\s+going\s+on|what\s+changed|changed|change\s+in|changes\s+in|change\s+(?:from|between|since)|"
    r"what\s+caused|what\s+drove|caused|anything\s+(?:weird|unusual|odd|strange)|trend(?:ing)?\s+(?:up|down)|"
    r"week\s+over\s+week|month\s+over\s+month|higher|lower\s+than|more\s+than\s+(?:last|before|usual)|"
    r"(?:more|less|fewer)\s+(?:\w+\s+){0,2}?than\s+(?:last|before|usual|normal|ever|(?:it|we|they)\s+used\s+to)|since\s+when|"
    r"anomal\w*|outliers?|unusual|(?:went|gone|go|jumped|grown)\s+from|drove|driven|what\s+is\s+driving|what'?s\s+driving|"
    r"(?:make|made|making|got|gotten|getting|became|become)\s+(?:\w+\s+){0,2}?(?:more\s+expensive|pricier|costlier))\b"
)
WHY_HIGH = re.compile(
    r"\b(?:why|what\s+made|how\s+come)\b[^?.!]{0,160}?\b(high|so\s+much|expensive|up|higher|more|big|large|"
    r"costly|pricey)\b"
)
# "vs our 15k budget": a forecast against the budget, not a change between periods.
AGAINST_BUDGET = re.compile(
    r"\b(?:vs\.?|versus|against|compared\s+(?:to|with))\s+(?:(?:our|the|a|my|monthly|"
    r"\$?[\d.,]+[km]?)\s+){0,3}budget"
)
WHY_ALONE = re.compile(r"^\W*(?:and\s+|but\s+|ok\s+|so\s+)?why\W*$")
FORECAST = re.compile(
    r"\b(forecast\w*|projected|projection|project|predict\w*|estimate[sd]?|on\s+track|run\s+out|burn\s+rate|"
    r"will\s+we|are\s+we\s+going\s+to|by\s+(?:the\s+)?(?:end\s+of\s+(?:the\s+)?month|month[\s-]+end|eom)|"
    r"end\s+of\s+(?:the\s+)?month|month[\s-]+end|go\s+over|stay\s+(?:under|within|below)|exceed\w*|budget\w*|"
    r"at\s+this\s+rate|next\s+month|going\s+to\s+spend|will\s+(?:we|it|our|the)\s+\w+|how\s+much\s+will|"
    r"will\s+\w+\s+(?:cost|come\s+to|be)|are\s+we\s+(?:ok|okay|good|fine|safe)|on\s+pace|"
    r"how\s+long\s+(?:until|till|before|will|do\s+we\s+have)|until\s+we\s+(?:hit|reach|run\s+out|exceed|go\s+over)|"
    r"when\s+(?:will|do|would)\s+we\s+(?:hit|reach|cross|exceed))\b"
)
# Where the money goes, though a budget is named ("what's eating our budget"): tried before a forecast.
WHERE_IT_GOES = re.compile(
    r"\b(?:what\s+is|what'?s)\s+eating|\bwhere\s+(?:does|do|is|are)\s+(?:all\s+)?(?:our|the|my)\s+"
    r"(?:money|spend|spending|budget|costs?|bill|dollars)\s+go"
)
PLAN = re.compile(
    r"\b(save|saves|saving|savings|cheaper|cheapest\s+way|cut|cuts|cutting|reduce|reducing|reduction|lower|lowering|"
    r"trim|optimi[sz]\w*|recommend\w*|waste|wasting|wasted|wasteful|overpay\w*|overspen\w*|over-spend\w*|quick\s+wins?|right-?siz\w*|"
    r"spend\s+less|pay\s+less|worth|runaway|retry|retries|duplicated?|redundant|unnecessary|doing\s+wrong|(?:right|wrong|best|better|cheaper|smaller|lighter|appropriate|correct)\s+models?|downgrad\w*|"
    r"(?:which|what)\s+models?\s+(?:should|could|would|to)\b|"
    r"cheapest\s+(?:setup|option|options|configuration|config|approach|alternative)|overkill|overpowered|too\s+(?:big|powerful)\s+(?:a\s+)?models?|"
    r"(?:costs?|spend|spending|bill)\s+down|opportunit\w*|efficien\w*|improve\s+costs?)\b"
)
OVERVIEW = re.compile(
    r"\b(what\s+can\s+you\s+do|what\s+do\s+you\s+do|what\s+are\s+you|who\s+are\s+you|what\s+is\s+this|what\s+should\s+i\s+ask|"
    r"overview|summary|help\s+me\s+understand|explain\s+(?:our|my|the)\s+(?:ai\s+|llm\s+)?(?:costs?|spend|bill|usage)|"
    r"anything\s+i\s+should\s+know|summari[sz]e\s+(?:our|my|the)\s+(?:usage|account|data)|how\s+are\s+we\s+doing|"
    r"tell\s+me\s+about\s+(?:our|my|the)\s+(?:usage|account|data|org)|get\s+started|how\s+does\s+this\s+work)\b"
)
HELP = re.compile(r"^\W*(?:help|help\s+me|can\s+you\s+help(?:\s+me)?|what\s+now)\W*$")
GREETING = re.compile(
    r"^\W*(hi|hello|hey|hiya|yo|howdy|greetings|good\s+(?:morning|afternoon|evening)|thanks|thank\s+you|"
    r"thx|cheers)\b"
)
BREAKDOWN_STRONG = re.compile(
    r"\b(breakdown|broken\s+down|split|which\s+(?:features?|models?|users?|providers?|team)|who|whos|"
    r"top\s+\w+|by\s+(?:features?|models?|providers?|users?|days?|vendors?)|per\s+\w+|each\s+(?:features?|models?|users?|day)|"
    r"most\s+expensive|biggest|largest|costliest|busiest|rank\w*|list)\b"
)
BREAKDOWN_WEAK = re.compile(
    r"\b(how\s+much|how\s+many|spend|spent|spending|cost|costs|costing|calls|requests|tokens|usage|total|show|"
    r"what\s+did|what\s+does|errors?|error\s+rate|fail\w*|bill|daily|models|features|using|use)\b"
)

# Metric words, strongest first.
_METRICS = (
    ("tokens", re.compile(r"\b(tokens?|token\s+count)\b")),
    ("error_rate", re.compile(r"\b(error\s+rates?|errors?|fail\w*|timeouts?|rate[\s-]+limit\w*)\b")),
    (
        "calls",
        re.compile(
            r"\b(calls?|requests?|how\s+many\s+times|volume|traffic|busiest|most\s+used|most\s+popular|"
            r"most\s+active)\b"
        ),
    ),
    ("spend", re.compile(r"\b(spend\w*|spent|costs?|costing|dollars|money|bill|expensive)\b")),
)
# A follow-up that widens to everything: the previous turn's filters are dropped.
WHOLE = re.compile(
    r"\b(?:whole|entire)\s+(?:org|organi[sz]ation|company|account|team|bill)\b|\boverall\b|\borg[\s-]wide\b"
    r"|\ball\s+(?:features|models|providers|users|workloads)\b|\bacross\s+the\s+board\b|\beverything\b"
)
USAGE = re.compile(r"\busage\b")
INSTEAD = re.compile(r"\b(\w+)\s+instead\s+of\s+(\w+)\b")

_DIM_WORD = r"(features?|models?|providers?|vendors?|users?|people|days?|teams?|workloads?)"
_DIMENSIONS = (
    re.compile(
        rf"\b(?:by|per|for\s+each|each|across|split\s+by|grouped\s+by|broken\s+down\s+by)\s+{_DIM_WORD}"
        rf"((?:\s*(?:,|and|then|&)\s*(?:by\s+|per\s+)?{_DIM_WORD})*)"
    ),
    re.compile(
        rf"\b(?:which|what|list|show|rank|top\s+\w+|biggest|largest|costliest|most\s+expensive|cheapest|busiest|"
        rf"most\s+used|most\s+popular|most\s+active|"
        rf"slowest|fastest|all)\s+(?:the\s+|our\s+|of\s+our\s+)?{_DIM_WORD}\b"
    ),
)
ONLY_DIMENSION = re.compile(rf"^\W*(?:and\s+|now\s+)?{_DIM_WORD}\W*$")
_DIM = {
    "feature": "feature",
    "model": "model",
    "provider": "provider",
    "vendor": "provider",
    "user": "user",
    "people": "user",
    "day": "day",
    "team": "user",
    "workload": "feature",
}
WHO = re.compile(r"\b(who|whos|who's|which\s+users?|which\s+people|spenders?)\b")
DAILY = re.compile(
    r"\b(daily|per\s+day|each\s+day|by\s+day|day\s+by\s+day|every\s+day|over\s+time|a\s+day|(?:trend|trends|trending)(?!\s+(?:up|down|higher|lower|upward|downward))|"
    r"time\s+series)\b"
)
_COUNT = r"(\d{1,3}|" + "|".join(NUMBERS) + ")"
TOP = re.compile(
    rf"\btop\s+{_COUNT}\b|\b(?:the\s+)?{_COUNT}\s+(?:most|least|biggest|largest|costliest|priciest|cheapest|"
    rf"slowest|top)\b"
)
TOP_ONE = re.compile(
    r"\b(?:most|least)\s+(?:expensive|costly|used|popular|active)\s+(feature|model|user|provider)\b"
    r"|\b(?:costliest|priciest|biggest|busiest)\s+(feature|model|user|provider)\b"
)
ONLY_TOP = re.compile(
    rf"^\W*(?:ok(?:ay)?\s+|so\s+|then\s+|let'?s\s+)?(?:just\s+)?do\s+(?:only\s+)?(?:the\s+)?(?:top|first)\s+{_COUNT}\b|"
    rf"\b(?:apply|applied|applying|implement|implemented|implementing)\s+(?:only\s+|just\s+)?(?:the\s+)?"
    rf"(?:top|first)\s+{_COUNT}\b|\b(?:only|just)\s+(?:do\s+|did\s+|apply\s+|applied\s+|implement\s+|the\s+|take\s+)*(?:top|first)\s+{_COUNT}\b"
    rf"|\btop\s+{_COUNT}\s+(?:recommendations?|changes?|fixes|levers?|ones?)\b"
    rf"|\b(?:only|just)\s+(?:do\s+|apply\s+|implement\s+|take\s+)?(?:the\s+)?{_COUNT}\s+(?:biggest|largest|best|"
    rf"top|most\s+\w+)\b"
)
# After a plan or a what-if: the whole plan again.
ALL_OF_THEM = re.compile(
    r"\b(?:all\s+of\s+them|all\s+of\s+it|all\s+(?:the\s+)?(?:recommendations|changes|fixes|levers)|"
    r"the\s+whole\s+(?:plan|thing|list)|everything)\b"
)
PLAN_WORDS = re.compile(r"\b(recommendations?|changes?|fixes|levers?|ideas?|do|apply|implement|plan)\b")

PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*(?:%|percent\b|pct\b)")
MONEY = re.compile(
    r"(?:\$|usd\s*)\s?(\d[\d,]*(?:\.\d+)?)\s*(k|m)?\b|\b(\d[\d,]*(?:\.\d+)?)\s*(k|m)?\s*(?:usd|dollars|bucks)\b"
    r"|\b(\d+(?:\.\d+)?)(k)\b"
)
# An amount per month: "$500 a month", "2k per month", "$3k/month", "monthly savings of $400".
MONTHLY = re.compile(r"\b(?:a|per|each|every)\s+month\b|/\s*mo(?:nth)?\b|\bmonthly\b")
BUDGET = re.compile(
    r"\b(budget\w*|stay\s+(?:under|within|below)|go\s+(?:over|above)|exceed\w*|cap|limit|run\s+out|"
    r"we\s+have|allowance|afford)\b"
)
TARGET = re.compile(
    r"\b(save|saving|savings|cut|reduce|trim|lower|shave|target|"
    r"(?:get|bring|need|want)\s+(?:\w+\s+){0,2}?down)\b"
)  # "get costs down 40%", not "went down 40%"


# A level to bring spend down to, said just before its amount: "down to $3,000 a month", "get the
# bill under 2k/mo", "at most $800 a month".
LEVEL = re.compile(
    r"\b(?:down\s+to|(?:get|bring|keep|push|drive)\s+(?:\w+\s+){0,3}?(?:to|under|below|beneath)|under|below|beneath|"
    r"at\s+most|no\s+more\s+than|max(?:imum)?\s+of|less\s+than|(?:need|needs|want|have)\s+to\s+(?:be|land|come\s+in)\s+at)"
    r"\s+(?:about\s+|around\s+|roughly\s+|~\s*)?"
)


_UNIT_COST = re.compile(r"\b(?:per|a|each|every)\s+(?:call|request|token|1k\s+tokens|million\s+tokens)s?\b")


def metric(text: str) -> str | None:
    text = _UNIT_COST.sub(" ", text)  # "cost per call" is spend
    for name, pattern in _METRICS:
        if pattern.search(text):
            return name
    return None


def dimensions(text: str) -> list[str]:
    found: list[tuple[int, str]] = []
    for pattern in (*_DIMENSIONS, ONLY_DIMENSION):
        for m in pattern.finditer(text):
            found.append((m.start(), _DIM[_singular(m.group(1))]))
            if m.lastindex and m.lastindex >= 2 and m.group(2):
                for word in re.findall(_DIM_WORD, m.group(2)):
                    found.append((m.start(), _DIM[_singular(word)]))
    if WHO.search(text):
        found.append((WHO.search(text).start(), "user"))
    if DAILY.search(text):
        found.append((DAILY.search(text).start(), "day"))
    ordered: list[str] = []
    for _, dimension in sorted(found, key=lambda f: f[0]):
        if dimension not in ordered:
            ordered.append(dimension)
    return ordered


def _singular(word: str) -> str:
    return word if word == "people" else word.rstrip("s")


def top_n(text: str) -> int | None:
    if m := TOP.search(text):
        return _count(m.group(1) or m.group(2))
    if TOP_ONE.search(text):
        return 1
    return None


def only_top(text: str) -> int | None:
    """N of "only the top N" / "top N recommendations": a what-if over the plan."""
    if m := ONLY_TOP.search(text):
        return _count(next(g for g in m.groups() if g))
    return None


def _count(word: str) -> int | None:
    value = int(word) if word.isdigit() else NUMBERS.get(word)
    return value if value and 0 < value <= 100 else None


_FRACTION = ((re.compile(r"\b(?:by|in)\s+half\b|\bhalve\b"), 50.0), (re.compile(r"\bby\s+a\s+quarter\b"), 25.0))


def percent(text: str) -> float | None:
    if m := PERCENT.search(text):
        value = float(m.group(1))
        if 0 < value <= 100:
            return value
    return next((value for pattern, value in _FRACTION if pattern.search(text)), None)  # "cut it by half"


def money(text: str) -> str | None:
    """The first dollar amount, as a decimal string ("$5k" -> "5000", "$1,200.50" -> "1200.5")."""
    return next((amount for m in MONEY.finditer(text) if (amount := _amount(m)) is not None), None)


def level(text: str) -> str | None:
    """The amount a level phrase sets spend to ("down to $3k a month" -> "3000"), else None."""
    for m in LEVEL.finditer(text):
        if (found := MONEY.match(text, m.end())) and (amount := _amount(found)) is not None:
            return amount
    return None


def _amount(m: re.Match) -> str | None:
    digits, suffix = next(((m.group(i), m.group(i + 1)) for i in (1, 3, 5) if m.group(i)), (None, None))
    try:
        value = Decimal(digits.replace(",", ""))
    except (InvalidOperation, AttributeError):
        return None
    value *= {"k": 1000, "m": 1000000}.get(suffix or "", 1)
    return format(value.normalize(), "f") if 0 < value < Decimal("1e12") else None
