"""What-if scenarios as questions state them: move a workload to another model, cache a
feature's prompts (by response or by the provider's prompt caching), move a feature to a
batch API, apply only the top N recommendations, traffic that grows, shrinks or stops.

Read from the question with its names masked (`zq{i}q` stands for the i-th name found),
so "move summarize to gpt-4o-mini" is "move zq0q to zq1q" whatever the names' spelling.
"""

from __future__ import annotations

import dataclasses
import re

from netra_agents.query import Scenario

_SLOT = r"zq(\d+)q"
_VERB = (
    r"(?:move|moves|moving|moved|switch|switches|switching|switched|migrate|migrating|migrated|put|route|routing|"
    r"swap|swapping|swapped|downgrade|downgrading|run|running|change|changing|send|sending|shift|shifting)"
)
_FILLER = r"(?:\s+(?:all|the|our|of|whole|entire|everything|on|from|over|traffic|calls|jobs?|feature|workload|requests|stuff|model|that))*"
MOVE = (
    re.compile(
        rf"\b{_VERB}{_FILLER}\s+{_SLOT}{_FILLER}(?:\s+from\s+{_SLOT})?\s+(?:over\s+)?(?:to|onto|into|on|with)"
        rf"\s+(?:the\s+|a\s+)?{_SLOT}"
    ),
    re.compile(
        rf"{_SLOT}{_FILLER}\s+(?:went|go|goes|moved|switched|used|uses|use|ran|run|runs|were\s+on|was\s+on|ran\s+on|be\s+on)\s+"
        rf"(?:to\s+|on\s+|over\s+to\s+)?(?:the\s+|a\s+)?{_SLOT}"
    ),
    re.compile(
        rf"\b{_VERB}\s+(?:everything|all(?:\s+(?:of\s+)?(?:our\s+|the\s+)?(?:traffic|calls|requests|workloads|features))?|"
        rf"it\s+all)\s+(?:over\s+)?(?:to|onto)\s+(?:the\s+|a\s+)?{_SLOT}"
    ),
    re.compile(
        rf"\b(?:use|using|used|try|trying)\s+(?:the\s+)?{_SLOT}\s+(?:for|on|in|with)\s+(?:the\s+|our\s+)?{_SLOT}"
    ),
)
# "stop using gpt-5 for X and use gpt-4.1": the model named here is the one moved away from.
AWAY = re.compile(
    rf"\b(?:stop(?:ped|ping)?\s+using|instead\s+of|away\s+from|off(?:\s+of)?|replace|replacing|replaced|"
    rf"swap\s+out|drop|dropping|ditch|ditching)\s+(?:the\s+|our\s+)?{_SLOT}"
)
# "move doc qa to gpt-4o" in an org without doc-qa: the workload as written, to say it is unknown.
MOVE_UNKNOWN = re.compile(
    rf"\b{_VERB}\s+(?:the\s+|our\s+)?([a-z][a-z0-9]*(?:[\s_-][a-z0-9]+)?)\s+(?:over\s+)?(?:to|onto)\s+"
    rf"(?:the\s+|a\s+)?{_SLOT}"
)
# "gpt-5 -> gpt-4.1": one model to another, written as an arrow.
ARROW = re.compile(rf"{_SLOT}\s*(?:->|-->|=>|→)\s*{_SLOT}")
BATCH = re.compile(r"\bbatch(?:es|ed|ing)?\b|\bbatch\s+api\b|\boffline\s+(?:api|processing)\b")
CACHE = re.compile(r"\b(?:cache|caches|cached|caching)\b")
# The provider's prompt caching of shared prefixes, not a cache of whole answers.
PROMPT_CACHE = re.compile(
    r"\bprompt[\s-]+cach\w*|\bprefix(?:es)?\s+cach\w*|\bcach\w*\s+(?:the\s+|our\s+)?(?:shared\s+|system\s+)?"
    r"(?:prefix\w*|system\s+prompts?)|\b(?:anthropic|openai|gemini|provider)(?:'s)?\s+(?:prompt\s+)?cach\w*|"
    r"\bcache[\s_-]?control\b|\bcached\s+input\b|\b(?:cache|caching)\s+(?:breakpoints?|markers?)\b|"
    r"\bmark\w*\b[^.?!]{0,40}\bcach(?:e|ing|eable)\b"
)
RESPONSE_CACHE = re.compile(
    r"\b(?:response|answer|result|semantic|exact[\s-]match)s?\s+cach\w*|\bcach\w*\s+(?:the\s+)?(?:responses|answers|results)\b"
)
# Traffic that grows or shrinks: a volume word with a multiple ("if traffic doubles", "3x the
# calls", "usage up 40%"), or a feature turned off (a factor of 0).
_VOLUME = (
    r"(?:traffic|volume|usage|calls|requests|users|load|customers|queries|messages|sessions|conversations|"
    r"signups|demand|scale|growth|grows?|grew|growing)"
)
VOLUME = re.compile(rf"\b{_VOLUME}\b")
_MULTIPLE_WORDS = {
    "double": 2.0,
    "twice": 2.0,
    "triple": 3.0,
    "thrice": 3.0,
    "quadruple": 4.0,
    "halve": 0.5,
    "half": 0.5,
}
MULTIPLE = re.compile(
    r"\b(doubl|twice|tripl|thrice|quadrupl|halv|half)\w*|\b(\d+(?:\.\d+)?)\s*(?:x|×|times)(?![a-z0-9])"
)
PERCENT_UP = re.compile(
    r"\b(?:up|grows?|grew|growing|increases?|increased|rises?|rose|jumps?|jumped|climbs?|more)\s+(?:by\s+)?"
    r"(\d{1,4}(?:\.\d+)?)\s*(?:%|percent)|(\d{1,4}(?:\.\d+)?)\s*(?:%|percent)\s+(?:more|higher|growth|increase)"
)
PERCENT_DOWN = re.compile(
    r"\b(?:down|drops?|dropped|falls?|fell|shrinks?|shrank|decreases?|decreased|declines?)\s+(?:by\s+)?"
    r"(\d{1,2}(?:\.\d+)?)\s*(?:%|percent)|(\d{1,2}(?:\.\d+)?)\s*(?:%|percent)\s+(?:fewer|less|lower)"
)
TURN_OFF = re.compile(
    rf"\b(?:turn(?:ed|ing)?\s+off|shut(?:ting)?\s+(?:down|off)|kill(?:ed|ing)?|disabl(?:e|ed|ing)|sunset(?:ted|ting)?|"
    rf"switch(?:ed|ing)?\s+off|stop(?:ped|ping)?\s+running|retir(?:e|ed|ing)|drop(?:ped|ping)?)\s+(?:the\s+|our\s+)?{_SLOT}"
    rf"|{_SLOT}\s+(?:was|were|is|got)\s+(?:turned\s+off|shut\s+(?:down|off)|switched\s+off|killed|disabled|retired|gone)"
)


@dataclasses.dataclass(frozen=True)
class Slot:
    """A masked name: its dimension ("feature", "model", "provider", "user", or "model?"
    for a model id the org does not use) and the name (the org's, or as written)."""

    dimension: str
    name: str


def find(masked: str, slots: list[Slot]) -> tuple[Scenario | None, set[int]]:
    """The scenario the text states, and the slots it used (they are not filters)."""
    features = [i for i, s in enumerate(slots) if s.dimension == "feature"]
    if BATCH.search(masked):
        return Scenario("batch", feature=slots[features[0]].name if features else None), set(features[:1])
    away = next(
        (int(m.group(1)) for m in AWAY.finditer(masked) if slots[int(m.group(1))].dimension in ("model", "model?")),
        None,
    )
    arrow = next(
        (m for m in ARROW.finditer(masked) if all(slots[int(g)].dimension in ("model", "model?") for g in m.groups())),
        None,
    )
    if away is None and arrow is not None:
        away = int(arrow.group(1))
    if away is not None:
        target = (
            int(arrow.group(2))
            if arrow is not None and int(arrow.group(1)) == away
            else next((i for i, s in enumerate(slots) if i != away and s.dimension in ("model", "model?")), None)
        )
        if target is not None:
            feature = features[0] if features else None
            scenario = Scenario(
                "move_model",
                feature=slots[feature].name if feature is not None else None,
                from_model=slots[away].name,
                to_model=slots[target].name,
            )
            return scenario, {away, target} | ({feature} if feature is not None else set())
    for number, pattern in enumerate(MOVE):
        for m in pattern.finditer(masked):
            groups = [int(g) for g in m.groups() if g is not None]
            if number == 3:  # use <target> for <workload>
                groups = groups[1:] + groups[:1]
            *sources, target = groups
            if slots[target].dimension not in ("model", "model?"):
                continue
            scenario = Scenario("move_model", to_model=slots[target].name)
            for i in sources:
                if slots[i].dimension == "feature" and scenario.feature is None:
                    scenario = dataclasses.replace(scenario, feature=slots[i].name)
                elif slots[i].dimension in ("model", "model?") and scenario.from_model is None:
                    scenario = dataclasses.replace(scenario, from_model=slots[i].name)
            return scenario, {*sources, target}
    for m in MOVE_UNKNOWN.finditer(masked):
        if slots[int(m.group(2))].dimension in ("model", "model?") and not m.group(1).startswith("zq"):
            return Scenario("move_model", to_model=slots[int(m.group(2))].name), {int(m.group(2))}
    if CACHE.search(masked) or PROMPT_CACHE.search(masked):
        mode = "prompt" if PROMPT_CACHE.search(masked) else "response" if RESPONSE_CACHE.search(masked) else None
        return Scenario("cache", feature=slots[features[0]].name if features else None, mode=mode), set(features[:1])
    growth = _growth(masked, slots)
    if growth is not None:
        factor, feature = growth
        scenario = Scenario(
            "traffic_growth", feature=slots[feature].name if feature is not None else None, factor=factor
        )
        return scenario, {feature} if feature is not None else set()
    return None, set()


def _growth(masked: str, slots: list[Slot]) -> tuple[float, int | None] | None:
    """(factor, the feature's slot or None) of traffic the text scales or turns off."""
    for m in TURN_OFF.finditer(masked):
        slot = int(next(g for g in m.groups() if g is not None))
        if slots[slot].dimension == "feature":
            return 0.0, slot
    if not VOLUME.search(masked):
        return None
    factor = None
    if m := MULTIPLE.search(masked):
        factor = (
            _MULTIPLE_WORDS[next(w for w in _MULTIPLE_WORDS if w.startswith(m.group(1)[:4]))]
            if m.group(1)
            else float(m.group(2))
        )
    elif m := PERCENT_UP.search(masked):
        factor = 1 + float(m.group(1) or m.group(2)) / 100
    elif m := PERCENT_DOWN.search(masked):
        factor = 1 - float(m.group(1) or m.group(2)) / 100
    if factor is None or factor < 0 or factor > 1000:
        return None
    feature = next((i for i, s in enumerate(slots) if s.dimension == "feature"), None)
    return round(factor, 4), feature
