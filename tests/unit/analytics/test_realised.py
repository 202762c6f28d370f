"""A change as GET /api/usage/realised's parameters name it: each missing or malformed one is
a 400 with its own code; the default window ends now."""

from __future__ import annotations

import datetime as dt

import pytest

from shared_lib.errors import Invalid

from netra_analytics.realised import parse_change
from netra_analytics.service import _instant

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
MODEL_CHANGE = {
    "lever": "model_rightsizing",
    "feature": "ticket-classifier",
    "from_model": "gpt-4o",
    "to_model": "gpt-4o-mini",
    "applied_at": "2026-11-20",
}


def test_a_model_change_reads_its_models_and_defaults_to_now():
    change = parse_change({**MODEL_CHANGE, "provider": "OpenAI", "projected_saving_usd": "12.50"}, NOW, _instant)
    assert (change.from_model, change.models, change.providers) == ("gpt-4o", ("gpt-4o-mini",), ("openai",))
    assert change.applied_at == dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc) and change.to == NOW
    assert change.projected_saving_usd == "12.5"


def test_model_names_the_new_model_when_to_model_is_not_given():
    args = {k: v for k, v in MODEL_CHANGE.items() if k != "to_model"}
    assert parse_change({**args, "model": "gpt-4o-mini"}, NOW, _instant).models == ("gpt-4o-mini",)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({**MODEL_CHANGE, "lever": "caching"}, "invalid_lever"),
        ({**MODEL_CHANGE, "feature": " "}, "invalid_feature"),
        ({**MODEL_CHANGE, "applied_at": ""}, "invalid_applied_at"),
        ({**MODEL_CHANGE, "applied_at": "last tuesday"}, "invalid_range"),
        ({**MODEL_CHANGE, "to": "2026-11-19"}, "invalid_range"),
        ({**MODEL_CHANGE, "applied_at": "2025-01-01"}, "invalid_range"),  # over 366 days to now
        ({**MODEL_CHANGE, "from_model": ""}, "missing_model"),
        ({**MODEL_CHANGE, "to_model": "gpt-4o"}, "missing_model"),
        ({**MODEL_CHANGE, "projected_saving_usd": "NaN"}, "invalid_projected_saving"),
        ({**MODEL_CHANGE, "projected_saving_usd": "$12"}, "invalid_projected_saving"),
    ],
)
def test_a_malformed_change_is_refused_with_its_code(change, code):
    with pytest.raises(Invalid) as refused:
        parse_change(change, NOW, _instant)
    assert refused.value.code == code


def test_caching_and_batching_need_no_models():
    change = parse_change(
        {"lever": "batching", "feature": "nightly-eval", "applied_at": "2026-11-21T00:00Z"}, NOW, _instant
    )
    assert change.models == () and change.from_model is None
