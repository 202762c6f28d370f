"""Deterministic answers: the same request always gets the same reply.

Structured requests get JSON valid for their schema. Where a schema offers choices (an
enum), the emulator picks the first option named in the first user message (the question;
later turns may be repair requests), so that a test can steer a classification by what it
asks; otherwise the first option.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

_WORDS = (
    "usage",
    "cost",
    "model",
    "cache",
    "batch",
    "latency",
    "savings",
    "calls",
    "tokens",
    "plan",
    "review",
    "rollout",
)


def count_tokens(text: str) -> int:
    """About four characters a token, as the providers' English average; at least one."""
    return max(1, math.ceil(len(text) / 4))


def text_answer(conversation: str) -> str:
    digest = hashlib.sha256(conversation.encode()).digest()
    words = [_WORDS[b % len(_WORDS)] for b in digest[:12]]
    return "Emulated answer: " + " ".join(words) + "."


def json_for(schema: dict, conversation: str, steer: str, path: str = "$") -> Any:
    """A value valid for `schema` (the JSON Schema subset structured outputs use)."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return _choose(schema["enum"], steer)
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return json_for(schema[combinator][0], conversation, steer, path)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: json_for(sub, conversation, steer, f"{path}.{name}") for name, sub in properties.items()}
    if kind == "array":
        count = schema.get("minItems", 0)
        return [json_for(schema.get("items", {}), conversation, steer, f"{path}[{i}]") for i in range(count)]
    if kind == "string":
        text = text_answer(conversation + path)
        limit = schema.get("maxLength")
        return text[:limit] if limit else text
    if kind == "integer":
        return int(schema.get("minimum", 0))
    if kind == "number":
        return float(schema.get("minimum", 0))
    if kind == "boolean":
        return False
    return None


def _choose(options: list, conversation: str) -> Any:
    lowered = conversation.lower()
    for option in options:
        # A word starting with the option counts ("costs" names "cost").
        if isinstance(option, str) and re.search(
            rf"\b{re.escape(option.lower().replace('_', ' '))}", lowered.replace("_", " ")
        ):
            return option
    return options[0]
