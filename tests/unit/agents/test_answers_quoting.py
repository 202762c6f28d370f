"""Names from usage data as the agents state them: quoted once, on one line, cut short."""

from __future__ import annotations

from netra_agents.answers.quoting import name, plain, set_apart


def test_names_are_quoted_once_and_neutralised():
    assert name("chat") == "“chat”" and name(None) == "(none)" and name("") == "(none)"
    assert name('a "b" “c”\n\x00d\u202e') == "“a 'b' 'c' d”"
    assert name("x" * 100) == "“" + "x" * 59 + "…”"
    said = set_apart("Move doc-qa from gpt-4o to gpt-4o-mini", ["doc-qa", "gpt-4o", "gpt-4o-mini"])
    assert said == "Move “doc-qa” from “gpt-4o” to “gpt-4o-mini”"
    assert set_apart(said, ["doc-qa", "gpt-4o"]) == said  # already quoted: not again


def test_a_plain_name_is_one_word_one_would_type():
    assert plain("gpt-4o-mini") and plain("alice@example.com") and plain("anthropic.claude-3-5-sonnet-20240620-v1:0")
    assert not plain("support bot") and not plain('x"y') and not plain("") and not plain(None) and not plain("x" * 61)
