"""The kind of answer a question wants, by a model trained on labelled questions: a
multinomial logistic regression over the words of the question as code read it (each name
of the org's replaced by its dimension, so "cache support-chat" and "cache doc-qa" are one
phrase), its word pairs and the periods, amounts and dimensions code found.

Why a model and not more rules (docs/decisions/0016-understanding-by-a-trained-model.md):
rules tuned until the corpus passes stop moving fresh questions; a model weighs every word
of every labelled question at once and says how sure it is, which is what asking back needs.

The weights (`intent_model.json`, beside this module) are built from files in the
repository by `python -m scripts.train_intent`; nothing is downloaded or trained at run
time. Pure Python, loaded once per process: the agents' cold start stays light.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections.abc import Iterable
from importlib import resources

# The model's classes: the answer kinds a question asks for, and `clarify` (a greeting,
# "what can you do", a request Netra cannot do, or too vague to read).
CLASSES = ("overview", "breakdown", "change", "forecast", "plan", "what_if", "latency", "clarify")
_TOKEN = re.compile(r"__[a-z]+|[a-z][a-z']*|\d+|[$%?]")
_SLOT = re.compile(r"\bzq(\d+)q\b")
# Words about LLM usage and its cost or speed: a question with none of them and no name of
# the org's is no question about usage ("what's the weather tomorrow", "write me a poem").
DOMAIN = frozenset(
    """
    ai llm llms gpt claude gemini model models openai anthropic google vendor vendors provider providers api apis
    token tokens prompt prompts cache cached caching batch batched batching call calls request requests usage
    spend spent spending spends cost costs costing costly price prices pricing priced bill bills billing invoice
    money dollars budget budgets burn burning expensive cheaper cheap cheapest save saving savings cut cuts reduce
    trim shave latency latencies slow slower slowest fast faster speed ttft p50 p95 p99 wait waiting timeout
    error errors failed failing failures retries forecast projection projected trend feature features user users
    workload workloads traffic volume throughput output input context month week day quarter year daily weekly
    monthly hour hours
    """.split()
)


def features(masked: str, slots: Iterable[str], facts: Iterable[str] = ()) -> frozenset[str]:
    """What the model sees of a question: `masked` is the text as code read it with each
    name replaced by `zq{i}q`, `slots` the dimension of each name (in order), `facts` what
    code found besides ("period:last", "percent", "money", "dimension")."""
    dims = list(slots)
    text = _SLOT.sub(lambda m: f" __{dims[int(m.group(1))]} " if int(m.group(1)) < len(dims) else " ", masked)
    words = ["#" if t.isdigit() else t for t in _TOKEN.findall(text)]
    found = set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}
    if words:
        found.add("^" + words[0])
    found |= {f"={fact}" for fact in facts}
    found.add("=short" if len(words) <= 3 else "=long" if len(words) > 18 else "=medium")
    if not dims and not any(w in DOMAIN or w.rstrip("s") in DOMAIN for w in words):
        found.add("=no_domain_word")
    return frozenset(found)


class Model:
    """Weights per (class, feature) and a bias per class."""

    def __init__(self, weights: dict[str, dict[str, float]], bias: dict[str, float]):
        self.weights, self.bias = weights, bias

    def probabilities(self, seen: frozenset[str]) -> dict[str, float]:
        scores = {
            c: self.bias.get(c, 0.0) + sum(w.get(f, 0.0) for f in seen)
            for c, w in ((c, self.weights.get(c, {})) for c in CLASSES)
        }
        top = max(scores.values())
        exp = {c: math.exp(s - top) for c, s in scores.items()}
        total = sum(exp.values())
        return {c: v / total for c, v in exp.items()}

    def to_json(self) -> dict:
        return {
            "classes": list(CLASSES),
            "bias": {c: round(b, 5) for c, b in self.bias.items()},
            "weights": {
                c: {f: round(v, 5) for f, v in sorted(w.items()) if abs(v) >= 1e-4} for c, w in self.weights.items()
            },
        }

    @classmethod
    def from_json(cls, body: dict) -> Model:
        return cls({c: dict(w) for c, w in body["weights"].items()}, dict(body["bias"]))


def train(examples: list[tuple[frozenset[str], str]], epochs: int = 30, rate: float = 0.5, l2: float = 1e-3) -> Model:
    """Logistic regression by AdaGrad over the examples in a fixed order (deterministic: the
    same files give the same weights)."""
    weights: dict[str, dict[str, float]] = {c: {} for c in CLASSES}
    bias = {c: 0.0 for c in CLASSES}
    squares: dict[tuple[str, str], float] = {}
    model = Model(weights, bias)
    order = sorted(range(len(examples)), key=lambda i: (hash_of(i), i))
    for _ in range(epochs):
        for i in order:
            seen, label = examples[i]
            p = model.probabilities(seen)
            for c in CLASSES:
                error = p[c] - (c == label)
                for f in (*seen, ""):
                    w = bias[c] if f == "" else weights[c].get(f, 0.0)
                    g = error + l2 * w
                    key = (c, f)
                    squares[key] = squares.get(key, 1e-8) + g * g
                    w -= rate * g / math.sqrt(squares[key])
                    if f == "":
                        bias[c] = w
                    else:
                        weights[c][f] = w
    return model


def hash_of(i: int) -> int:
    """A fixed shuffle of the training order (Python's `hash` of an int is the int)."""
    return (i * 2654435761) % 4294967296


@functools.cache
def model() -> Model:
    return Model.from_json(json.loads(resources.files(__package__).joinpath("intent_model.json").read_text()))


def probabilities(masked: str, slots: Iterable[str], facts: Iterable[str] = ()) -> dict[str, float]:
    return model().probabilities(features(masked, slots, facts))
