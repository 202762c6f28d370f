"""The prompt's hashes, computed on the caller's machine: no prompt text ever leaves it.

A prompt is a list of segments in the order the model reads them: first what comes before
the conversation (the system prompt and the tools, one segment), then each message. Each
segment is written as canonical JSON (keys sorted, no whitespace, `None` values and
Anthropic's `cache_control` markers left out: they do not change what the model reads), one
line per segment, and hashed with SHA-256 as a running digest, so the hash at the end of a
segment identifies the whole prompt up to there. `prompt_hash` is the digest of every segment.

**Token offsets are estimated.** A provider's response gives only the prompt's total token
count, so the offset of each position is taken as proportional to the characters of canonical
JSON up to it: `floor(input_tokens * chars_up_to_position / all_chars)`, then raised where
needed to be at least one above the previous position (tokens strictly increasing), and a
position that cannot fit under `input_tokens` is left out. The estimate ignores that JSON
punctuation and non-English text tokenize differently from prose; the last position (the
whole prompt) is always exactly `input_tokens`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

# 128 bits of SHA-256, in hex: collisions are out of reach at any call volume, and a chain of
# 512 positions stays small on the wire. Netra takes 1-128 characters of [0-9A-Za-z_:+/=-].
HASH_HEX = 32
# Netra refuses a longer chain (ADR 0017); see `prefix_chain` for which positions are kept.
MAX_CHAIN = 512
# Keys that do not change what the model reads: caching markers, so that turning caching on
# does not make every prefix new.
IGNORED_KEYS = frozenset({"cache_control"})


@dataclasses.dataclass(frozen=True)
class Segment:
    """A part of the prompt that ends at a chain position: `at` is "system" (the system prompt
    and tools) or "turn" (a message)."""

    content: Any
    at: str


def plain(value: Any) -> Any:
    """`value` as JSON data: SDK objects (pydantic models, dataclasses) by their fields, bytes
    (an image, a file) by their SHA-256, so that equal content gives equal JSON."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items() if v is not None and k not in IGNORED_KEYS}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
    if isinstance(value, type):  # a response_format given as a pydantic model: its JSON schema
        schema = getattr(value, "model_json_schema", None)
        return plain(schema()) if callable(schema) else f"{value.__module__}.{value.__qualname__}"
    dump = getattr(value, "model_dump", None)  # pydantic v2: the OpenAI, Anthropic and Gemini SDKs
    if callable(dump):
        return plain(dump(exclude_none=True))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return plain(to_dict())
    if isinstance(value, Iterable):
        return [plain(v) for v in value]
    # Anything else is hashed by its text: stable for values whose str() is (enums, numbers).
    return str(value)


def canonical(value: Any) -> str:
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclasses.dataclass(frozen=True)
class PromptHashes:
    prompt_hash: str
    # (hash, characters up to the position's end, at), one per segment
    positions: tuple[tuple[str, int, str], ...]
    characters: int

    def prefix_chain(self, input_tokens: int) -> list[dict]:
        """The event's `prefix_chain` for a prompt of `input_tokens` tokens (offsets estimated
        as the module says). Over 512 positions, the first "system" one and the last ones are
        kept: the simulation reads a breakpoint on the system prompt, and the positions just
        before the end of the prompt, where the previous turn's prompt ends."""
        if input_tokens <= 0 or not self.characters:
            return []
        chain, last = [], 0
        for digest, chars, at in self.positions:
            tokens = max(last + 1, math.floor(input_tokens * chars / self.characters))
            if chars == self.characters:
                tokens = input_tokens  # the whole prompt: exactly what the provider counted
            if tokens > input_tokens or (chars < self.characters and tokens == input_tokens):
                continue  # no room left below the whole prompt's position
            chain.append({"hash": digest, "tokens": tokens, "at": at})
            last = tokens
        if len(chain) > MAX_CHAIN:
            head = [p for p in chain[:1] if p["at"] == "system"]
            chain = head + chain[len(chain) - (MAX_CHAIN - len(head)) :]
        return chain


def hash_prompt(segments: Iterable[Segment]) -> PromptHashes:
    running, positions, characters = hashlib.sha256(), [], 0
    for segment in segments:
        line = canonical(segment.content) + "\n"  # JSON never holds a raw newline: segments stay apart
        running.update(line.encode("utf-8"))
        characters += len(line)
        positions.append((running.copy().hexdigest()[:HASH_HEX], characters, segment.at))
    return PromptHashes(running.hexdigest()[:HASH_HEX], tuple(positions), characters)
