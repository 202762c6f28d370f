"""The intent model: built from the repository's labelled questions (never the fresh sets,
which measure it), current with them, deterministic, and reading names as their dimension."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from netra_agents.understanding import intent

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("train_intent", ROOT / "scripts" / "train_intent.py")
train_intent = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(train_intent)


def test_the_shipped_model_is_the_one_the_repositorys_files_build():
    shipped = json.loads(train_intent.MODEL.read_text())
    assert shipped["sources_sha256"] == train_intent.digest(train_intent.sources()), (
        "the labelled questions or the features changed: run scripts/train_intent.py"
    )
    assert set(shipped["classes"]) == set(intent.CLASSES) and shipped["examples"] >= 900


def test_the_fresh_sets_are_never_trained_on():
    assert not [p for p in train_intent.sources() if "understanding_fresh" in str(p)]


def test_a_name_reads_as_its_dimension_and_a_question_about_nothing_says_so():
    one = intent.features("cache zq0q for zq1q", ["feature", "user"])
    assert {"cache", "__feature", "cache __feature", "for __user"} <= one and "=no_domain_word" not in one
    assert "=no_domain_word" in intent.features("write me a haiku about autumn", [])
    assert "=no_domain_word" not in intent.features("what did we spend", [])


def test_training_is_deterministic_and_learns_what_it_is_shown():
    examples = [
        (intent.features("spend by feature", []), "breakdown"),
        (intent.features("how do we save money", []), "plan"),
        (intent.features("hello there", []), "clarify"),
    ] * 3
    first, again = intent.train(examples, epochs=5), intent.train(examples, epochs=5)
    assert first.to_json() == again.to_json()
    p = first.probabilities(intent.features("show spend by model", []))
    assert max(p, key=p.get) == "breakdown" and abs(sum(p.values()) - 1) < 1e-9
