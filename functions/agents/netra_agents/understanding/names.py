"""The org's own names (features, models, providers, users) and finding them in a question.

A question names things loosely: "doc qa" for `doc-qa`, "gpt 4o mini" for
`gpt-4o-mini-2024-07-18`, "summarize" for `doc-summarizer`, "OpenAI" for the provider
`openai`, "gemini" for Google. Matching compares compact forms (lowercase, separators
dropped), longest span first, then single distinctive words that name exactly one thing.
Something that looks like a name but is not the org's becomes `Unresolved` with the
closest ones the org has.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re

from netra_agents.query import FILTERS, Unresolved

_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)*")
_DATED = re.compile(r"-(?:20\d\d-?\d\d-?\d\d|latest)$")
# Provider words besides the provider's own name (model families name their maker).
PROVIDER_WORDS = {
    "openai": ("open ai", "gpt", "chatgpt"),
    "anthropic": ("claude",),
    "google": ("gemini", "vertex", "gcp"),
}
# Providers a question may name that an org may not use (then: unresolved, not ignored).
KNOWN_PROVIDERS = {
    "openai": "openai",
    "open ai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "mistral": "mistral",
    "cohere": "cohere",
    "groq": "groq",
    "azure": "azure",
    "bedrock": "bedrock",
    "deepseek": "deepseek",
    "xai": "xai",
    "perplexity": "perplexity",
    "together": None,
}
PROVIDER_WORD = re.compile(r"\b(" + "|".join(k.replace(" ", r"\s+") for k, v in KNOWN_PROVIDERS.items() if v) + r")\b")
# Words too common in questions to stand for a name on their own.
_COMMON = frozenset(
    "report reports answer answers tool tools chat assistant assistants agent agents data model models feature features "
    "api job jobs prompt prompts user users cost costs spend usage call calls token tokens weekly daily monthly doc docs "
    "mini pro max large small latest test tests team teams openai google anthropic other batch cache caching llm llms "
    "app apps bot".split()
)
# Names too vague to be meant when the word is used ("other" is a provider in the data).
_VAGUE = frozenset({"other", "unknown", "none", "default", "test"})
_FAMILIES = frozenset({"gpt", "claude", "gemini"})
# Words for the same job a workload does, so that "classification" finds `ticket-triage` or
# `classify-ticket`, "summaries" `doc-summarizer`: a question word in a group stands for the
# org's one feature or model with a word of the same group (never when two share it).
_SAME_JOB = (
    "classify classification classifier categorize categorization categorise triage labeling labelling routing",
    "summarize summarise summaries summarization summarisation summarizer digest tldr",
    "extract extraction extractor extracting entity entities ner",
    "enrich enrichment enriching",
    "translate translation translator translating localization",
    "embed embedding embeddings vectorize",
    "moderate moderation moderator",
    "search retrieval rag lookup",
    "code coding codegen copilot programming",
    "faq faqs",
    "support helpdesk",
)
# Model ids that are not the org's: a family word and a version joined by hyphens.
MODEL_ID = re.compile(
    r"\b(?:gpt|claude|gemini|llama|mistral|mixtral|command|deepseek|qwen|grok|phi|o[1-9])(?:-[a-z0-9.]{1,30}){1,8}\b"
)


@dataclasses.dataclass(frozen=True)
class OrgNames:
    """The names seen in one org's usage data."""

    features: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    users: tuple[str, ...] = ()

    def of(self, dimension: str) -> tuple[str, ...]:
        return getattr(self, dimension + "s")


@dataclasses.dataclass(frozen=True)
class Mention:
    """A name found in the question: where (character span), what it resolved to."""

    start: int
    end: int
    dimension: str
    name: str


def compact(text: str) -> str:
    return "".join(_TOKEN.findall(text.lower())).replace(".", "")


def undated(model: str) -> str:
    return _DATED.sub("", model.lower())


def stem(word: str) -> str:
    for suffix in (
        "izations",
        "ization",
        "ations",
        "ation",
        "izers",
        "izer",
        "ize",
        "ing",
        "ions",
        "ion",
        "ment",
        "ers",
        "er",
        "es",
        "ed",
        "s",
        "e",
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


# More words than this and a name is found only whole, never by one of its words.
_MAX_NAME_WORDS = 4


@functools.lru_cache(maxsize=64)
def _index(names: OrgNames) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]], int]:
    """(compact form -> (dimension, name), distinctive word stem -> (dimension, name), longest span in tokens)."""
    spans: dict[str, tuple[str, str]] = {}
    longest = 1
    for dimension in ("user", "provider", "feature", "model"):  # later dimensions win a clash
        for name in names.of(dimension):
            forms = {compact(name), compact(undated(name))} if dimension == "model" else {compact(name)}
            for form in forms:
                if form and form not in _VAGUE:
                    spans[form] = (dimension, name)
            longest = max(longest, len(_TOKEN.findall(name.lower())))
    short: dict[str, set[str]] = {}  # "4o mini" for gpt-4o-mini: a model without its family word
    for name in names.models:
        family, *rest = _TOKEN.findall(undated(name)) or [""]
        form = compact(" ".join(rest))
        if family in _FAMILIES and re.search(r"[a-z]", form) and re.search(r"[0-9]", form):
            short.setdefault(form, set()).add(name)
    for form, owners in short.items():
        if len(owners) == 1 and form not in spans:
            spans[form] = ("model", next(iter(owners)))
    for provider, words in PROVIDER_WORDS.items():
        if provider in names.providers:
            for word in words:
                spans.setdefault(compact(word), ("provider", provider))
    seen: dict[str, set[tuple[str, str]]] = {}
    for dimension in ("feature", "model", "user"):
        for name in names.of(dimension):
            # A user's own name, not their email's domain ("alice" for alice@acme.com).
            tokens = _TOKEN.findall(name.lower().split("@")[0] if dimension == "user" else undated(name))
            if len(tokens) > _MAX_NAME_WORDS:
                # A name that reads as a sentence ("SYSTEM OVERRIDE: total spend is …") is found
                # only when written whole: its words ("total spend") are the question's own.
                continue
            for token in tokens:
                if len(token) >= 3 and not token[0].isdigit() and token not in _COMMON:
                    seen.setdefault(stem(token), set()).add((dimension, name))
    words = {word: next(iter(owners)) for word, owners in seen.items() if len(owners) == 1 and word not in spans}
    for group in _SAME_JOB:
        stems = {stem(w) for w in group.split()}
        owners = set().union(*(seen.get(s, set()) for s in stems))
        if len(owners) == 1:
            for word in stems - set(words) - set(spans) - set(seen):
                words[word] = next(iter(owners))
    return spans, words, longest + 2  # room for a date suffix written out in the question


def find(text: str, names: OrgNames) -> list[Mention]:
    """Every org name the (lowercased) text mentions, left to right, spans not overlapping."""
    spans, words, longest = _index(names)
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    found: list[Mention] = []
    i = 0
    while i < len(tokens):
        for j in range(min(len(tokens), i + longest), i, -1):
            hit = spans.get("".join(t for t, _, _ in tokens[i:j]).replace(".", ""))
            if hit:
                found.append(Mention(tokens[i][1], tokens[j - 1][2], *hit))
                i = j
                break
        else:
            word = tokens[i][0]
            hit = words.get(stem(word)) if len(word) >= 3 and word not in _COMMON else None
            if hit:  # with the words around it that are the same name's ("the call summaries")
                own = _own_stems(hit[1])
                first, last = i, i + 1
                while (
                    first > 0
                    and (not found or found[-1].end <= tokens[first - 1][1])
                    and stem(tokens[first - 1][0]) in own
                ):
                    first -= 1
                while last < len(tokens) and stem(tokens[last][0]) in own:
                    last += 1
                found.append(Mention(tokens[first][1], tokens[last - 1][2], *hit))
                i = last
                continue
            i += 1
    return _family_first(found, text)


@functools.lru_cache(maxsize=4096)
def _own_stems(name: str) -> frozenset[str]:
    """The stems of a name's words and of the words for the same job."""
    own = {stem(t) for t in _TOKEN.findall(undated(name)) if not t[0].isdigit()}
    for group in _SAME_JOB:
        stems = {stem(w) for w in group.split()}
        if own & stems:
            own |= stems
    return frozenset(own)


def _family_first(found: list[Mention], text: str) -> list[Mention]:
    """ "claude haiku": the provider word is part of the model that follows it, not a filter of its own."""
    merged: list[Mention] = []
    for mention in found:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.dimension == "provider"
            and mention.dimension == "model"
            and not text[last.end : mention.start].strip()
            and compact(text[last.start : last.end]) in compact(mention.name)
        ):
            merged[-1] = Mention(last.start, mention.end, "model", mention.name)
        else:
            merged.append(mention)
    return merged


def resolve(text: str, dimension: str, names: OrgNames) -> str | None:
    """The org's name for `text` in `dimension` (exact up to case, separators and a model's date)."""
    wanted = {compact(text), compact(undated(text))}
    for name in names.of(dimension):
        if compact(name) in wanted or (dimension == "model" and compact(undated(name)) in wanted):
            return name
    return None


def unresolved(dimension: str, text: str, names: OrgNames) -> Unresolved:
    candidates = names.of(dimension) if dimension in FILTERS else ()
    by_compact = {compact(c): c for c in candidates}
    closest = difflib.get_close_matches(compact(text), list(by_compact), n=3, cutoff=0.4)
    if not closest:  # a shared word still helps: "search-bot" -> the org's "*-bot"s
        words = set(_TOKEN.findall(text.lower()))
        closest = [compact(c) for c in candidates if words & set(_TOKEN.findall(c.lower()))][:3]
    return Unresolved(dimension, text, tuple(by_compact[c] for c in closest))
