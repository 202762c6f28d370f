"""Whether the model's narrative may be shown in place of the template's.

The facts the model phrases carry text anyone can write: the question, and the names in the
org's usage data (features, models, providers, users), which whoever holds an ingest key
chooses. A model that follows text injected there could state a figure found only in a name
or in the question as Netra's, echo its instructions, or send the reader to a link. So the
narrative is shown only when:

- every number it states is one the code computed: the report's numeric fields, its amounts
  and dates, list lengths, and the numbers of the code's own sentences (warnings, evidence,
  assumptions) once the names in them are taken out; each may be rounded (to the cent, a
  tenth, the unit; milliseconds also as seconds, an error rate also in percent). Never a
  number from the question or from a name. A name that is one plain word starting with a
  letter ("gpt-4o-mini", "doc-qa-v2") is a name wherever it stands: its digits are not
  figures (nor are digits right after a letter, as in "p95");
- it has no link, unless the very same link is in the code's own sentences (the optimizer
  cites its sources); an e-mail address or a bare domain counts as a link;
- nothing in it reads as an instruction: role markers, "ignore previous instructions",
  SYSTEM or OVERRIDE in capitals, an echo of the system prompt, a request to click, visit,
  contact, sign in or download;
- a name that is not one plain word appears only quoted (“…”), as the template quotes it;
- it states at least one figure (prose without one says nothing the reader can check).

`problem(text, given_by(report, facts), instructions)` says which rule the text breaks
(None when it keeps them all); the reason names the rule, never the text.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

from netra_agents.answers.quoting import plain, whole

# Fields whose values are names or the user's words, anywhere in the report (the query too).
NAME_KEYS = frozenset(
    {
        "question",  # the user's words
        "text",  # an unresolved name as the question wrote it
        "closest",
        "key",
        "feature",
        "model",
        "provider",
        "user",
        "from_model",
        "to_model",
        "unpriced_models",
        "filters",
        "id",  # a recommendation's id: lever and a hash, not a figure
    }
)
# A number; digits right after a letter are part of a word ("p95", "gpt4"), not a figure.
_NUMBER = re.compile(r"(?<![A-Za-z_\d.])\d[\d,]*(?:\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_QUOTED = re.compile(r"“[^”]*”")
_STOPS = ".,;:!?)]}'\""
_TLDS = (
    "com|net|org|io|co|ai|dev|app|xyz|info|biz|me|ly|gg|us|uk|de|ru|cn|link|click|site|online|top|sh|to|cc|tk|"
    "page|support|help|security|login|live|pro|cloud|tech|store|shop"
)
_LINK = re.compile(
    r"(?i)(?:\b(?:https?|hxxps?|ftp)://|\bwww\.|\bmailto:)[^\s<>()\[\]\"“”]+"
    rf"|\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b(?:/[^\s<>()\[\]\"“”]*)?"
)
_INSTRUCTIONS = (
    (
        "a role marker",
        re.compile(
            r"(?im)^\s*(?:#+\s*)?(?:system|assistant|user|developer|human)\s*:"
            r"|<\|[a-z_]+\|>|\[/?(?:INST|SYS)\]|<</?SYS>>|</?(?:system|assistant|user|instructions?)>"
        ),
    ),
    (
        "an instruction to the model",
        re.compile(
            r"(?i)\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}?"
            r"\b(?:instructions?|prompts?|rules|directions|guidelines|everything)\b"
            r"|\bsystem\s+(?:prompt|message|override|instructions?)\b|\bnew\s+instructions?\b"
            r"|\byou\s+are\s+now\b|\bact\s+as\b|\bpretend\s+(?:to\s+be|you)\b|\bas\s+an\s+ai\b"
            r"|\bjailbreak|\bdeveloper\s+mode\b"
        ),
    ),
    ("SYSTEM or OVERRIDE in capitals", re.compile(r"\b(?:SYSTEM|OVERRIDE|ADMIN|IMPORTANT|ATTENTION)\b")),
    (
        "a request to click, visit or contact",
        re.compile(
            r"(?i)\b(?:click|tap|visit|go\s+to|navigate\s+to|contact|reach\s+out|call\s+us|e-?mail\s+us|write\s+to"
            r"|sign\s+(?:in|up)|log\s*in|verify\s+your|confirm\s+your|reset\s+your|enter\s+your|download"
            r"|scan\s+the|update\s+your\s+(?:payment|billing|card|password|account))\b"
        ),
    ),
)
ECHO_WORDS = 6  # this many words in a row from the system prompt are an echo of it


@dataclasses.dataclass(frozen=True)
class Given:
    """What the code put in the facts: the numbers it computed, the links it wrote, and the
    names (and the user's words) that are not the code's."""

    numbers: frozenset[Decimal]
    links: frozenset[str]
    names: tuple[str, ...]  # longest first
    words: re.Pattern | None  # the names that are one plain word starting with a letter


def given_by(report: dict, facts: dict) -> Given:
    """`facts` is what the model was shown (the report less internal fields); names are taken
    from the whole report, query included, since the code's sentences may quote any of them."""
    found: set[str] = set()
    _names(report, None, found)
    ordered = tuple(sorted(found, key=len, reverse=True))
    found_numbers: set[tuple[Decimal, str]] = set()
    links: set[str] = set()
    _computed(facts, None, _any_of(ordered), found_numbers, links)
    numbers = frozenset().union(*(_forms(number, unit) for number, unit in found_numbers))
    words = _any_of([n for n in ordered if _word_name(n)], re.IGNORECASE)
    return Given(numbers, frozenset(links), ordered, words)


def problem(text: str, given: Given, instructions: str) -> str | None:
    """The rule `text` breaks, in the words of the log and the narrative's source; None if none."""
    links = {_link(m) for m in _LINK.finditer(text)}
    if links - given.links:
        return "the model's text has a link the facts do not"
    bare = _LINK.sub(" ", text)
    bare = given.words.sub(" ", bare) if given.words else bare
    for why, pattern in _INSTRUCTIONS:
        if pattern.search(bare):
            return f"the model's text reads as instructions ({why})"
    if _echoes(text, instructions):
        return "the model's text reads as instructions (an echo of the system prompt)"
    if not _names_set_apart(text, given.names):
        return "the model's text states a name that is not quoted as a name"
    stated = {_decimal(raw) for raw in _NUMBER.findall(bare)} - {None}
    if stated - given.numbers:
        return "the model stated numbers not in the facts"
    if not stated:
        return "the model's text stated none of the figures"
    return None


def _names(value, key: str | None, out: set[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _names(v, key if key in ("filters", "closest", "unpriced_models") else k, out)
    elif isinstance(value, list | tuple):
        for v in value:
            _names(v, key, out)
    elif key in NAME_KEYS and isinstance(value, str) and value.strip() and not _DATE.fullmatch(value):
        out.add(value)  # a day's key ("2026-11-20") is analytics' bucket, not a name


def _computed(
    value, key: str | None, names: re.Pattern | None, numbers: set[tuple[Decimal, str]], links: set[str]
) -> None:
    """The numbers (with their unit: "ms", "rate" or "") and links of the code's own values."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in NAME_KEYS or k == "key":
                _computed(v, k, names, numbers, links)
        return
    if isinstance(value, list | tuple):
        numbers.add((Decimal(len(value)), ""))
        for v in value:
            _computed(v, key, names, numbers, links)
        return
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float | Decimal):
        numbers.add((Decimal(str(value)), _unit(key)))
        return
    text = str(value)
    if key == "key":  # a group's name: only a day's bucket is analytics' own
        if _DATE.fullmatch(text):
            numbers |= {(Decimal(part), "") for part in text.split("-")}
        return
    # The code's own sentence: names taken out first (as the data holds them, and quoted as the
    # optimizer and the answers write them), then the links it cites.
    text = _QUOTED.sub(" ", names.sub(" ", text) if names else text)
    links |= {_link(m) for m in _LINK.finditer(text)}
    for raw in _NUMBER.findall(_LINK.sub(" ", text)):
        number = _decimal(raw)
        if number is not None:
            numbers.add((number, _unit(key)))


def _unit(key: str | None) -> str:
    return "ms" if key and key.endswith("_ms") else "rate" if key == "error_rate" else ""


def _forms(value: Decimal, unit: str) -> set[Decimal]:
    """A computed number and the ways prose may round it."""
    bases = [value]
    if unit == "ms":
        bases.append(value / 1000)  # seconds
    if unit == "rate":
        bases.append(value * 100)  # percent
    forms = set()
    for base in bases:
        if not base.is_finite():
            continue
        forms.add(base)
        for step in (Decimal("0.01"), Decimal("0.1"), Decimal("1")):
            try:
                forms |= {base.quantize(step, rounding=ROUND_HALF_EVEN), base.quantize(step, rounding=ROUND_HALF_UP)}
            except InvalidOperation:  # more digits than the context holds: only the number itself
                pass
    return forms


def _decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.replace(",", "").rstrip("."))
    except InvalidOperation:
        return None


def _link(match: re.Match) -> str:
    return match.group(0).rstrip(_STOPS).lower()


def _any_of(names: list[str] | tuple[str, ...], flags: int = 0) -> re.Pattern | None:
    """Any of `names` where it stands as a whole word (longest first, so "gpt-4o-mini" wins
    over "gpt-4o")."""
    return re.compile("|".join(whole(n) for n in names), flags) if names else None


def _word_name(value: str) -> bool:
    """A name that is one plain word starting with a letter: it cannot carry a sentence, and
    its digits are part of it ("gpt-4o"); "31337.42" or "987usd" are not such names."""
    return plain(value) and value[:1].isalpha()


def _names_set_apart(text: str, names: tuple[str, ...]) -> bool:
    """Every name that is more than one plain word stands only inside quotes."""
    for value in names:
        if _word_name(value) or len(value) < 3:
            continue
        for m in re.finditer(re.escape(value), text, flags=re.IGNORECASE):
            before, after = text[max(0, m.start() - 1) : m.start()], text[m.end() : m.end() + 1]
            if before not in ("“", '"') or after not in ("”", '"'):
                return False
    return True


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _echoes(text: str, instructions: str) -> bool:
    said = _words(text)
    shingles = {tuple(said[i : i + ECHO_WORDS]) for i in range(len(said) - ECHO_WORDS + 1)}
    own = _words(instructions)
    return any(tuple(own[i : i + ECHO_WORDS]) in shingles for i in range(len(own) - ECHO_WORDS + 1))
