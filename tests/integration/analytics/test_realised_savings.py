"""Realised savings on a real warehouse (embedded chDB): a change injected on a known day for each
re-pricing lever, with volume growth after it; answer keys hand-worked from the providers'
published prices (per million tokens):

  gpt-4o           input 2.50, cached input 1.25, output 10.00 (OpenAI: no cache-write charge)
  gpt-4o-mini      input 0.15, cached input 0.075, output 0.60; Batch API half price
  claude-3-5-haiku input 0.80, cache write 1.00, cache read 0.08, output 4.00
  claude-sonnet-4-5, prompts up to 200k: input 3.00, cache read 0.30, output 15.00;
                     prompts over 200k: input 6.00, cache read 0.60, output 22.50
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from importlib import resources

import jsonschema
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared_lib.auth import Authenticator, InvalidToken, Principal
from shared_lib.clients.clickhouse import clickhouse_client
from shared_lib.config import load_settings
from shared_lib.errors import Invalid
from shared_lib.usage import parse_batch

from netra_analytics import realised, routes, warehouse
from netra_analytics.service import AnalyticsService, _instant

ORG = "org-realised"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
SCHEMA = json.loads(resources.files("shared_lib.contracts").joinpath("realised_savings.schema.json").read_text())


def at(day: int, hour: int = 10) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:00:00Z"


def calls(n: int, feature: str, model: str, when: str, tag: str, provider: str = "openai", **tokens) -> list[dict]:
    return [
        {
            "event_id": f"{tag}-{i}",
            "feature": feature,
            "model": model,
            "provider": provider,
            "timestamp": when,
            **tokens,
        }
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    client = clickhouse_client(load_settings({"CLICKHOUSE_DSN": f"chdb://{tmp_path_factory.mktemp('realised')}"}))
    warehouse.migrate(client)
    rows = []
    # ticket-classifier: gpt-4o (10 calls a day, 1000 in / 200 out) until Nov 20, then gpt-4o-mini,
    # with volume growth: 20 calls on Nov 20, 30 on Nov 21 (one of them with 800 cached);
    # 2 calls stayed on gpt-4o on Nov 21. Another feature on gpt-4o after it must not count.
    for day in range(10, 20):
        rows += calls(
            10, "ticket-classifier", "gpt-4o", at(day), f"tc-before-{day}", input_tokens=1000, output_tokens=200
        )
    rows += calls(20, "ticket-classifier", "gpt-4o-mini", at(20), "tc-20", input_tokens=1000, output_tokens=200)
    rows += calls(29, "ticket-classifier", "gpt-4o-mini", at(21), "tc-21", input_tokens=1000, output_tokens=200)
    rows += calls(
        1, "ticket-classifier", "gpt-4o-mini-2024-07-18", at(21), "tc-21c", input_tokens=1000, cached_input_tokens=800,
        output_tokens=200,
    )  # fmt: skip
    rows += calls(2, "ticket-classifier", "gpt-4o", at(21), "tc-stayed", input_tokens=1000, output_tokens=200)
    rows += calls(5, "summarizer", "gpt-4o", at(21), "sum", input_tokens=1000, output_tokens=200)
    # support-bot: prompt caching on from Nov 20 12:00.
    rows += calls(10, "support-bot", "gpt-4o", at(20, 10), "sb-before", input_tokens=5000, output_tokens=100)
    rows += calls(10, "support-bot", "gpt-4o", at(20, 14), "sb-20", input_tokens=5000, cached_input_tokens=4000,
                  output_tokens=100)  # fmt: skip
    rows += calls(10, "support-bot", "gpt-4o", at(21), "sb-21", input_tokens=5000, cached_input_tokens=4000,
                  output_tokens=100)  # fmt: skip
    rows += calls(5, "support-bot", "gpt-4o", at(21), "sb-21-miss", input_tokens=5000, output_tokens=100)
    rows += calls(1, "support-bot", "claude-3-5-haiku-latest", at(21), "sb-w", "anthropic", input_tokens=3000,
                  cache_write_tokens=2000, output_tokens=100)  # fmt: skip
    rows += calls(4, "support-bot", "claude-3-5-haiku-latest", at(21), "sb-r", "anthropic", input_tokens=3000,
                  cached_input_tokens=2000, output_tokens=100)  # fmt: skip
    # nightly-eval: moved to the Batch API on Nov 21; 10 calls stayed synchronous (one sent its own cost).
    rows += calls(100, "nightly-eval", "gpt-4o-mini", at(21, 2), "ne-b", input_tokens=2000, output_tokens=500,
                  batch=True, interactive=False)  # fmt: skip
    rows += calls(9, "nightly-eval", "gpt-4o-mini", at(21, 3), "ne-s", input_tokens=2000, output_tokens=500)
    rows += calls(1, "nightly-eval", "gpt-4o-mini", at(21, 3), "ne-p", input_tokens=2000, output_tokens=500,
                  cost_usd="0.0005")  # fmt: skip
    # drafts: gpt-4o with 500 out until Nov 20, then gpt-4o-mini writing 20% longer (600 out).
    rows += calls(10, "drafts", "gpt-4o", at(15), "dr-before", input_tokens=1000, output_tokens=500)
    rows += calls(10, "drafts", "gpt-4o-mini", at(20), "dr-after", input_tokens=1000, output_tokens=600)
    # long-context: caching on claude-sonnet-4-5 with one prompt each side of the 200k tier start.
    rows += calls(1, "long-context", "claude-sonnet-4-5", at(21), "lc-a", "anthropic", input_tokens=150_000,
                  cached_input_tokens=100_000, output_tokens=1000)  # fmt: skip
    rows += calls(1, "long-context", "claude-sonnet-4-5", at(21), "lc-b", "anthropic", input_tokens=250_000,
                  cached_input_tokens=200_000, output_tokens=1000)  # fmt: skip
    events, rejected = parse_batch(rows, ORG, NOW)
    assert rejected == []
    warehouse.insert(client, events)
    yield client
    client.close()  # chDB opens one data path per process at a time: the next module's must open


def savings(client, **args) -> dict:
    change = realised.parse_change({k: str(v) for k, v in args.items()}, NOW, _instant)
    report = realised.realised_savings(client, ORG, change)
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(report)) == []
    return report


def by_day(report: dict) -> dict[str, tuple]:
    return {
        d["day"]: (d["calls"], Decimal(d["actual_cost_usd"]), Decimal(d["counterfactual_cost_usd"]),
                   Decimal(d["realised_saving_usd"]), Decimal(d["cumulative_saving_usd"]))
        for d in report["days"]
    }  # fmt: skip


def test_a_model_change_with_volume_growth_is_the_calls_after_it_at_the_previous_models_prices(client):
    report = savings(
        client,
        lever="model_rightsizing",
        feature="ticket-classifier",
        from_model="gpt-4o",
        to_model="gpt-4o-mini",
        applied_at="2026-11-20T00:00:00Z",
        to="2026-11-22T00:00:00Z",
        projected_saving_usd="0.2",
    )
    # A call of 1000 in / 200 out: on mini 1000*0.15/M + 200*0.6/M = 0.00027; on gpt-4o
    # 1000*2.5/M + 200*10/M = 0.0045. The cached one (200 plain, 800 cached): mini 0.00003 +
    # 0.00006 + 0.00012 = 0.00021; gpt-4o 0.0005 + 0.001 + 0.002 = 0.0035.
    # Nov 20: 20 calls: 0.0054 vs 0.09, saving 0.0846.
    # Nov 21: 29 * 0.00027 + 0.00021 = 0.00804 vs 29 * 0.0045 + 0.0035 = 0.134, saving 0.12596.
    assert by_day(report) == {
        "2026-11-20": (20, Decimal("0.0054"), Decimal("0.09"), Decimal("0.0846"), Decimal("0.0846")),
        "2026-11-21": (30, Decimal("0.00804"), Decimal("0.134"), Decimal("0.12596"), Decimal("0.21056")),
    }
    totals = report["totals"]
    assert (totals["calls"], totals["actual_cost_usd"], totals["counterfactual_cost_usd"]) == (50, "0.01344", "0.224")
    assert totals["realised_saving_usd"] == "0.21056" and totals["recorded_cost_usd"] == "0.01344"
    assert report["projected_saving_usd"] == "0.2"  # echoed, not computed
    assert "held equal" in report["method"]
    assert any("2 call(s) of the feature stayed on gpt-4o" in note for note in report["notes"])
    # Outputs were 200 before and after: the band is the point.
    assert report["band"]["realised_saving_usd"] == ["0.21056", "0.21056"]
    assert report["band"]["before"]["calls"] == 100 and report["band"]["before"]["mean_output_tokens"] == 200


def test_prompt_caching_prices_reads_at_full_input_and_no_write_premium(client):
    report = savings(
        client,
        lever="prompt_caching",
        feature="support-bot",
        applied_at="2026-11-20T12:00:00Z",
        to="2026-11-22T00:00:00Z",
    )
    # gpt-4o 5000 in (4000 cached) / 100 out: 1000*2.5/M + 4000*1.25/M + 100*10/M = 0.0085;
    # uncached 5000*2.5/M + 0.001 = 0.0135. A miss costs 0.0135 either way.
    # haiku write call 3000 in (2000 written) / 100 out: 0.0008 + 0.002 + 0.0004 = 0.0032 vs
    # 3000*0.8/M + 0.0004 = 0.0028 (the write premium: -0.0004). A read call: 0.0008 + 0.00016
    # + 0.0004 = 0.00136 vs 0.0028.
    # Nov 20 (from 12:00; the calls at 10:00 are before): 10 cached: 0.085 vs 0.135.
    # Nov 21: 0.085 + 5*0.0135 + 0.0032 + 4*0.00136 = 0.16114 vs 0.135 + 0.0675 + 0.0028 + 4*0.0028 = 0.2165.
    assert by_day(report) == {
        "2026-11-20": (10, Decimal("0.085"), Decimal("0.135"), Decimal("0.05"), Decimal("0.05")),
        "2026-11-21": (20, Decimal("0.16114"), Decimal("0.2165"), Decimal("0.05536"), Decimal("0.10536")),
    }
    assert report["totals"]["realised_saving_usd"] == "0.10536"
    assert report["band"]["exact"] is True and report["band"]["realised_saving_usd"] == ["0.10536", "0.10536"]
    # Scoped to one model: gpt-4o alone, 0.05 + 0.05.
    only = savings(
        client,
        lever="prompt_caching",
        feature="support-bot",
        model="gpt-4o",
        applied_at="2026-11-20T12:00:00Z",
        to="2026-11-22T00:00:00Z",
    )
    assert only["totals"]["calls"] == 25 and only["totals"]["realised_saving_usd"] == "0.1"


def test_batching_prices_batch_calls_at_synchronous_prices(client):
    report = savings(
        client, lever="batching", feature="nightly-eval", applied_at="2026-11-21T00:00:00Z", to="2026-11-22T00:00:00Z"
    )
    # 2000 in / 500 out on gpt-4o-mini: 0.0003 + 0.0003 = 0.0006 synchronous, 0.0003 batched.
    # 100 batched + 10 synchronous: 0.03 + 0.006 = 0.036 vs 110 * 0.0006 = 0.066.
    totals = report["totals"]
    assert (totals["calls"], totals["actual_cost_usd"], totals["counterfactual_cost_usd"]) == (110, "0.036", "0.066")
    assert totals["realised_saving_usd"] == "0.03"
    # As recorded, the one call that sent its own cost counts 0.0005: 0.03 + 9 * 0.0006 + 0.0005.
    assert totals["recorded_cost_usd"] == "0.0359"
    assert report["band"]["exact"] is True


def test_a_long_context_tier_prices_each_prompt_at_its_own_tier(client):
    report = savings(
        client, lever="prompt_caching", feature="long-context", applied_at="2026-11-21T00:00:00Z",
        to="2026-11-22T00:00:00Z",
    )  # fmt: skip
    # 150k (100k cached) / 1000 out, short tier: 50k*3/M + 100k*0.3/M + 1000*15/M = 0.195 vs
    # 150k*3/M + 0.015 = 0.465. 250k (200k cached), long tier: 50k*6/M + 200k*0.6/M + 1000*22.5/M
    # = 0.4425 vs 250k*6/M + 0.0225 = 1.5225. (Their sums, 400k in, would all price long.)
    totals = report["totals"]
    assert (totals["actual_cost_usd"], totals["counterfactual_cost_usd"]) == ("0.6375", "1.9875")
    assert totals["realised_saving_usd"] == "1.35"


def test_a_change_with_no_calls_after_it_saves_zero_and_says_so(client):
    report = savings(
        client,
        lever="model_rightsizing",
        feature="ticket-classifier",
        from_model="gpt-4o",
        to_model="gpt-4o-mini",
        applied_at="2026-11-23T00:00:00Z",
        to="2026-11-25T00:00:00Z",
    )
    assert [(d["day"], d["calls"], d["realised_saving_usd"]) for d in report["days"]] == [
        ("2026-11-23", 0, "0"),
        ("2026-11-24", 0, "0"),
    ]
    assert report["totals"]["calls"] == 0 and report["totals"]["realised_saving_usd"] == "0"
    assert any("no calls of the scope after the change" in note for note in report["notes"])
    assert report["band"]["realised_saving_usd"] is None


def test_a_scope_with_no_calls_is_refused_with_a_reason(client):
    with pytest.raises(Invalid) as refused:
        savings(client, lever="batching", feature="no-such-feature", applied_at="2026-11-21T00:00:00Z")
    assert refused.value.code == "unknown_scope" and "no-such-feature" in refused.value.message
    with pytest.raises(Invalid) as refused:
        savings(
            client,
            lever="model_rightsizing",
            feature="ticket-classifier",
            from_model="gpt-4o",
            to_model="gpt-4o-mimi",
            applied_at="2026-11-21T00:00:00Z",
        )
    assert refused.value.code == "unknown_model" and "gpt-4o-mimi" in refused.value.message
    # A model the catalog knows that the feature has not used yet: nothing after it, said.
    report = savings(
        client,
        lever="model_rightsizing",
        feature="ticket-classifier",
        from_model="gpt-4o",
        to_model="claude-3-5-haiku-latest",
        applied_at="2026-11-21T00:00:00Z",
        to="2026-11-22T00:00:00Z",
    )
    assert report["totals"]["calls"] == 0
    assert any("no calls of the feature on claude-3-5-haiku-latest" in note for note in report["notes"])


def test_the_band_of_a_model_change_whose_outputs_got_20_percent_longer(client):
    report = savings(
        client,
        lever="model_rightsizing",
        feature="drafts",
        from_model="gpt-4o",
        to_model="gpt-4o-mini",
        applied_at="2026-11-20T00:00:00Z",
        to="2026-11-21T00:00:00Z",
    )
    # 10 calls of 1000 in / 600 out on mini: 10 * (0.00015 + 0.00036) = 0.0051.
    # At gpt-4o on their own outputs: 10 * (0.0025 + 0.006) = 0.085, saving 0.0799.
    # At gpt-4o with the 500 out per call it wrote before: 10 * (0.0025 + 0.005) = 0.075, saving 0.0699.
    assert report["totals"]["realised_saving_usd"] == "0.0799"
    band = report["band"]
    assert band["exact"] is False and band["before"]["mean_output_tokens"] == 500
    assert band["counterfactual_cost_usd"] == ["0.075", "0.085"]
    assert band["realised_saving_usd"] == ["0.0699", "0.0799"]


class Verifier:
    """A signed-in user of the org, for the routes' real Authenticator."""

    def principal(self, token, token_type="access"):
        if token != "ada":
            raise InvalidToken("malformed_token", "the token is not a JWT")
        return Principal("user", ORG, "ada", (), 2_000_000_000, session_id="s-ada")


def get(client, query: str, token: str | None = "ada") -> tuple[int, dict]:
    service = AnalyticsService(
        authenticator=Authenticator(Verifier(), None),  # no API keys here: a user token
        publisher=None,
        project_id="netra-test",
        warehouse_client=client,
        clock=lambda: NOW,
    )
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    environ = EnvironBuilder(path="/api/usage/realised", query_string=query, headers=headers).get_environ()
    answer, status, _ = routes.dispatch(Request(environ), lambda: service)
    return status, json.loads(answer)


def test_the_route_answers_the_document_and_refuses_bad_changes_with_a_code(client):
    status, report = get(
        client,
        "lever=batching&feature=nightly-eval&applied_at=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z",
    )
    assert status == 200 and report["totals"]["realised_saving_usd"] == "0.03"  # as the batching key above
    status, refused = get(client, "lever=batching&feature=no-such-feature&applied_at=2026-11-21T00:00:00Z")
    assert (status, refused["error"]["code"]) == (400, "unknown_scope")
    status, refused = get(client, "lever=model_rightsizing&feature=drafts&applied_at=2026-11-20")
    assert (status, refused["error"]["code"]) == (400, "missing_model")
    status, _ = get(client, "lever=batching&feature=nightly-eval&applied_at=2026-11-21", token=None)
    assert status == 401
