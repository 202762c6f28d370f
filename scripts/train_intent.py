#!/usr/bin/env python3
"""Build the intent model (functions/agents/netra_agents/understanding/intent_model.json)
from the labelled questions in the repository:

- tests/unit/agents/understanding_corpus.yaml and understanding_heldout*.yaml (the parser's
  corpora, in their own org);
- tests/unit/agents/understanding_training.yaml (written from the product description only,
  for training; never a measure).

First turns only (a follow-up's kind is the thread's, read by code). The fresh sets under
understanding_fresh/ are never trained on: they measure. Deterministic: the same files give
the same weights. `--check` exits 1 when the model is not the one these files build (the
hash of its sources differs), as the unit test does.

  .venv/bin/python scripts/train_intent.py [--check]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "functions" / "agents"))

from netra_agents.understanding import intent  # noqa: E402
from netra_agents.understanding.names import OrgNames  # noqa: E402
from netra_agents.understanding.parse import read  # noqa: E402

AGENTS = ROOT / "tests" / "unit" / "agents"
MODEL = ROOT / "functions" / "agents" / "netra_agents" / "understanding" / "intent_model.json"
# The writers' label for "ask back / say what Netra does" is Netra's clarify.
LABELS = {"unclear": "clarify", "guidance": "clarify"}


def sources() -> list[Path]:
    found = [AGENTS / "understanding_corpus.yaml", *sorted(AGENTS.glob("understanding_heldout*.yaml"))]
    training = AGENTS / "understanding_training.yaml"
    return found + ([training] if training.exists() else [])


def digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(Path(intent.__file__).read_bytes())  # the features are part of what is built
    return h.hexdigest()


def _names(header: dict) -> OrgNames:
    return OrgNames(*(tuple(header.get(k) or ()) for k in ("features", "models", "providers", "users")))


def questions(path: Path) -> list[tuple[str, OrgNames, dt.date, str]]:
    """(question, names, today, label) of each first turn in `path`, in either file format."""
    body = yaml.safe_load(path.read_text())
    if "cases" in body:  # the corpora: one org, `q` and `kind`
        today = dt.date.fromisoformat(str(body["today"]))
        names = _names(body["names"])
        return [
            (str(c["q"]), names, today, LABELS.get(c["kind"], c["kind"]))
            for c in body["cases"]
            if not c.get("previous")
        ]
    orgs = {org: _names(header) for org, header in body["orgs"].items()}
    return [
        (str(q["question"]), orgs[q["org"]], dt.date(2026, 12, 7), LABELS.get(q["expect"]["kind"], q["expect"]["kind"]))
        for q in body["questions"]
    ]


def examples(paths: list[Path]) -> list[tuple[frozenset[str], str]]:
    out = []
    for path in paths:
        for text, names, today, label in questions(path):
            if label not in intent.CLASSES:
                raise SystemExit(f"{path.name}: {text!r} is labelled {label!r}, not one of {intent.CLASSES}")
            reading = read(text, today, names, None)
            out.append((intent.features(reading.masked, reading.slots, reading.facts), label))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the model is stale")
    args = parser.parse_args()
    paths = sources()
    want = digest(paths)
    if args.check:
        have = json.loads(MODEL.read_text()).get("sources_sha256") if MODEL.exists() else None
        if have != want:
            print(f"{MODEL.relative_to(ROOT)} is stale: run scripts/train_intent.py", file=sys.stderr)
            return 1
        return 0
    data = examples(paths)
    model = intent.train(data)
    body = {
        "sources": [str(p.relative_to(ROOT)) for p in paths],
        "sources_sha256": want,
        "examples": len(data),
        **model.to_json(),
    }
    MODEL.write_text(json.dumps(body, indent=0, sort_keys=True) + "\n")
    print(f"{len(data)} questions -> {MODEL.relative_to(ROOT)} ({MODEL.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
