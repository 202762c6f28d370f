"""Usage through the real path: HTTP -> Pub/Sub emulator -> consumer -> chDB, and back
out through the summary API, scoped to the caller's org."""

from __future__ import annotations

import pytest

from shared_lib.contracts import usage_events
from tests.helpers import bearer, dev_login, eventually, probe, url_of


@pytest.fixture
def analytics_url(platform) -> str:
    return url_of(platform, "analytics")


@pytest.fixture
def owner(http, auth_url, unique):
    tokens = dev_login(http, auth_url, f"usage-{unique}@example.com")
    return bearer(tokens["access_token"])


def rows(unique: str, *ids: int) -> list[dict]:
    return [
        {
            "event_id": f"{unique}-{n}",
            "timestamp": "2026-11-20T10:00:00Z",
            "provider": "openai",
            "model": "gpt-4o",
            "input_tokens": 1000,
            "output_tokens": 500,
            "latency_ms": 100 * n,
            "feature": "support",
        }
        for n in ids
    ]


def summary(http, url, headers) -> dict:
    return http.get(
        f"{url}/api/usage/summary",
        params={"from": "2026-11-01", "to": "2026-12-01", "group_by": "feature"},
        headers=headers,
    ).json()


def wait_for_calls(http, url, headers, expected: int, timeout: float = 30.0) -> dict:
    return eventually(
        lambda: (report := summary(http, url, headers))["totals"]["calls"] == expected and report,
        timeout=timeout,
        interval=0.3,
        what=lambda: f"expected {expected} calls, have {summary(http, url, headers)['totals']}",
    )


def test_ingest_then_query_with_exact_costs_and_redelivery_counted_once(http, analytics_url, owner, unique):
    bad = [{"event_id": "x", "provider": "openai"}, {"nonsense": True}]
    answer = http.post(f"{analytics_url}/api/usage", json=rows(unique, 1, 2, 3) + bad, headers=owner)
    assert answer.status_code == 200
    assert answer.json()["accepted"] == 3 and [r["index"] for r in answer.json()["rejected"]] == [3, 4]
    report = wait_for_calls(http, analytics_url, owner, 3)
    # 3 x (1000 * 2.5/M + 500 * 10/M) = 3 x 0.0075
    assert report["totals"]["cost_usd"] == "0.0225" and report["groups"][0]["key"] == "support"

    # Every message again (a full redelivery), plus one new event to know it was processed.
    again = http.post(f"{analytics_url}/api/usage", json=rows(unique, 1, 2, 3, 4), headers=owner).json()
    assert again["accepted"] == 4
    report = wait_for_calls(http, analytics_url, owner, 4)
    assert report["totals"]["cost_usd"] == "0.03"


def test_ndjson_and_org_api_keys(http, analytics_url, auth_url, owner, unique):
    key = http.post(f"{auth_url}/auth/api-keys", json={"name": "ingest"}, headers=owner).json()["key"]
    lines = "\n".join([__import__("json").dumps(r) for r in rows(unique, 1, 2)] + ["{not json"]) + "\n"
    answer = http.post(
        f"{analytics_url}/api/usage",
        content=lines.encode(),
        headers={**bearer(key), "Content-Type": "application/x-ndjson"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 2 and answer.json()["rejected"] == [
        {"index": 2, "error": "a usage event must be a JSON object"}
    ]
    wait_for_calls(http, analytics_url, owner, 2)  # the key's org is the owner's org


def test_an_api_key_that_may_write_usage_cannot_read_it(http, analytics_url, auth_url, owner, unique):
    key = http.post(f"{auth_url}/auth/api-keys", json={"name": "writer"}, headers=owner).json()
    assert key["permissions"] == ["usage:write"]
    assert http.post(f"{analytics_url}/api/usage", json=rows(unique, 1), headers=bearer(key["key"])).status_code == 200
    for read in ("summary", "prompts", "timeseries", "unpriced", "profile"):
        response = http.get(f"{analytics_url}/api/usage/{read}", headers=bearer(key["key"]))
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden", (read, response.text)
    assert http.get(f"{analytics_url}/api/usage/summary", headers=owner).status_code == 200


def test_one_org_never_sees_another(http, analytics_url, auth_url, owner, unique):
    http.post(f"{analytics_url}/api/usage", json=rows(unique, 1), headers=owner)
    wait_for_calls(http, analytics_url, owner, 1)
    stranger = bearer(dev_login(http, auth_url, f"other-{unique}@example.com")["access_token"])
    assert summary(http, analytics_url, stranger)["totals"]["calls"] == 0


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"content": b"[]", "headers": {"Content-Type": "text/csv"}}, 415, "unsupported_media_type"),
        (
            {"content": b"[" + b" " * (5 * 1024 * 1024) + b"]", "headers": {"Content-Type": "application/json"}},
            413,
            "payload_too_large",
        ),
        ({"content": b"{bad", "headers": {"Content-Type": "application/json"}}, 400, "malformed_json"),
        ({"json": "not events"}, 400, "invalid_body"),  # one object is one event; a string is no batch
    ],
)
def test_bad_bodies_get_a_json_4xx(http, analytics_url, owner, kwargs, status, code):
    headers = {**owner, **kwargs.pop("headers", {})}
    response = http.post(f"{analytics_url}/api/usage", headers=headers, **kwargs)
    assert response.status_code == status and response.json()["error"]["code"] == code


def test_queries_check_their_parameters_and_the_caller(http, analytics_url, owner):
    assert http.get(f"{analytics_url}/api/usage/summary").status_code == 401
    for params, code in [
        ({"group_by": "colour"}, "invalid_group_by"),
        ({"from": "yesterday"}, "invalid_range"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "invalid_range"),
    ]:
        response = http.get(f"{analytics_url}/api/usage/summary", params=params, headers=owner)
        assert response.status_code == 400 and response.json()["error"]["code"] == code


def counts(answer: dict) -> dict:
    """An import answer's counts and rejections (its notes and groups are checked where they matter)."""
    return {k: answer[k] for k in ("accepted", "duplicates", "rejected", "rejected_count")}


def test_an_export_file_is_imported_through_the_same_path(http, analytics_url, owner):
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "imports" / "litellm_spend_logs.json"
    answer = http.post(
        f"{analytics_url}/api/usage/import",
        params={"format": "litellm"},
        headers=owner,
        files={"file": ("spend.json", fixture.read_bytes(), "application/json")},
    )
    assert answer.status_code == 200, answer.text
    no_tag = [
        "1 record had no feature; filed under 'default' (feature=, or netra import --feature, names one)"
    ]  # its request_tags are empty
    assert answer.json() == {
        "accepted": 2,
        "duplicates": 0,
        "rejected": [],
        "rejected_count": 0,
        "error_groups": [],
        "assumed_timezone": None,
        "unknown_models": [],
        "notes": no_tag,
    }
    report = wait_for_calls(http, analytics_url, owner, 2)
    assert (
        report["totals"]["cost_usd"] == "0.0075" and report["totals"]["error_rate"] == 0.5
    )  # LiteLLM's spend, as provided
    # The same file again, its format told by its shape: both events are already stored.
    again = http.post(
        f"{analytics_url}/api/usage/import", headers=owner, files={"file": ("spend.json", fixture.read_bytes())}
    )
    assert again.status_code == 200 and again.json() == {
        "accepted": 0,
        "duplicates": 2,
        "rejected": [],
        "rejected_count": 0,
        "error_groups": [],
        "assumed_timezone": None,
        "unknown_models": [],
        "notes": no_tag,
    }
    # The CSV export of the same table: the same two calls and a third.
    as_csv = http.post(
        f"{analytics_url}/api/usage/import",
        headers=owner,
        files={"file": ("spend.csv", fixture.with_suffix(".csv").read_bytes(), "text/csv")},
    )
    assert as_csv.status_code == 200 and counts(as_csv.json()) == {
        "accepted": 1,
        "duplicates": 2,
        "rejected": [],
        "rejected_count": 0,
    }
    wait_for_calls(http, analytics_url, owner, 3)
    empty = http.post(f"{analytics_url}/api/usage/import", headers=owner, files={"file": ("empty.json", b"\n")})
    assert empty.status_code == 400 and empty.json()["error"] == {
        "code": "wrong_format",
        "message": "the file is empty: there is nothing to import",
    }
    wrong = http.post(
        f"{analytics_url}/api/usage/import", params={"format": "langfuse"}, headers=owner, content=fixture.read_bytes()
    )
    assert wrong.status_code == 400 and "records need id, startTime, model" in wrong.json()["error"]["message"]


def test_netra_import_sends_a_file_to_the_running_platform(platform, http, analytics_url, auth_url, owner):
    import os
    import subprocess
    import sys
    from pathlib import Path

    key = http.post(f"{auth_url}/auth/api-keys", json={"name": "cli"}, headers=owner).json()["key"]
    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "imports" / "openai_chat_completions.jsonl"
    env = {**os.environ, "NETRA_WORKSPACE": str(platform.ws.root), "NETRA_API_KEY": key}
    result = subprocess.run(
        [sys.executable, "-m", "emulators.cli", "import", str(fixture)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "accepted 2 events, 0 duplicates, rejected 1",
        "  record 3: input_tokens is required",  # the third line of the file
        "  note: 1 record had no feature; filed under 'default' (feature=, or netra import --feature, names one)",
    ]
    wait_for_calls(http, analytics_url, owner, 2)
    wrong = subprocess.run(
        [sys.executable, "-m", "emulators.cli", "import", str(fixture), "--format", "litellm"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 1 and "records need request_id" in wrong.stderr
    # Bare Anthropic responses: refused without the time to file them under, taken with --timestamp.
    bare = fixture.with_name("anthropic_messages.json")
    untimed = subprocess.run(
        [sys.executable, "-m", "emulators.cli", "import", str(bare)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert untimed.returncode == 1 and "pass timestamp=" in untimed.stderr
    timed = subprocess.run(
        [sys.executable, "-m", "emulators.cli", "import", str(bare), "--timestamp", "2026-11-21T08:30:00Z"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert timed.returncode == 0 and timed.stdout.splitlines() == [
        "accepted 2 events, 0 duplicates, rejected 0",
        "  note: 2 records had no feature; filed under 'default' (feature=, or netra import --feature, names one)",
    ], timed.stderr
    wait_for_calls(http, analytics_url, owner, 4)


def test_prompt_statistics_over_http(http, analytics_url, owner, unique):
    repeated = [{**row, "prompt_hash": f"{unique}-same"} for row in rows(unique, 1, 2)]
    http.post(f"{analytics_url}/api/usage", json=repeated, headers=owner).raise_for_status()
    wait_for_calls(http, analytics_url, owner, 2)
    found = http.get(
        f"{analytics_url}/api/usage/prompts", params={"from": "2026-11-01", "to": "2026-12-01"}, headers=owner
    ).json()
    assert [(p["prompt_hash"], p["repeat_calls"], p["repeat_cost_usd"]) for p in found["duplicate_prompts"]] == [
        (f"{unique}-same", 1, "0.0075")
    ]


def test_every_queued_message_delivered_again_changes_nothing(http, analytics_url, owner, unique, settings, platform):
    """Pub/Sub's own redelivery: the very messages the consumer already stored, pushed again."""
    import base64

    import yaml

    push_token = yaml.safe_load(platform.ws.secrets_file.read_text())["relay-push-token"]
    assert http.post(f"{analytics_url}/api/usage", json=rows(unique, 1, 2, 3), headers=owner).json()["accepted"] == 3
    before = wait_for_calls(http, analytics_url, owner, 3)
    delivered = probe(
        settings,
        "usage-events-probe",
        lambda b: any(e["event_id"].startswith(unique) for e in usage_events.parse(b).rows),
        want=1,
        decode=usage_events.decode,
    )
    assert delivered
    for message in delivered:  # the consumer's push route, as the emulator calls it, with the same id and time
        envelope = {
            "message": {
                "data": base64.b64encode(message.data).decode(),
                "attributes": dict(message.attributes),
                "messageId": message.message_id,
                "publishTime": message.publish_time.isoformat(),
            },
            "subscription": "projects/netra-local/subscriptions/analytics-usage-events",
        }
        pushed = http.post(
            f"{analytics_url}/projects/{settings.project_id}/topics/usage-events",
            json=envelope,
            params={"token": push_token},
        )
        # Written again, and collapsed with the first copy on (org_id, event_id).
        assert pushed.status_code == 200 and pushed.json() == {"stored": 3, "refused": []}
    after = summary(http, analytics_url, owner)
    assert after["totals"] == before["totals"]
    daily = http.get(
        f"{analytics_url}/api/usage/timeseries", params={"from": "2026-11-01", "to": "2026-12-01"}, headers=owner
    ).json()
    assert sum(p["calls"] for p in daily["series"][0]["points"]) == 3  # the rollup did not count them twice


def test_anthropic_messages_are_imported_with_their_cache_tokens_priced(http, analytics_url, owner):
    from pathlib import Path

    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
    log = http.post(
        f"{analytics_url}/api/usage/import",
        headers=owner,
        files={"file": ("messages.jsonl", (fixtures / "anthropic_messages_log.jsonl").read_bytes())},
    )
    assert log.status_code == 200, log.text
    overloaded = "not an Anthropic message (overloaded_error): Overloaded"
    assert counts(log.json()) == {
        "accepted": 3,
        "duplicates": 0,
        "rejected": [{"index": 3, "error": overloaded}],
        "rejected_count": 1,
    }
    assert log.json()["error_groups"] == [{"error": overloaded, "count": 1, "first_records": [3]}]
    # 0.018 + 0.0057 + 0.0045, as worked in tests/unit/analytics/test_importers.py
    assert wait_for_calls(http, analytics_url, owner, 3)["totals"]["cost_usd"] == "0.0282"
    bare = (fixtures / "anthropic_messages.json").read_bytes()
    untimed = http.post(f"{analytics_url}/api/usage/import", headers=owner, files={"file": ("messages.json", bare)})
    assert untimed.status_code == 400 and untimed.json()["error"]["code"] == "wrong_format"
    assert "carry no time of the call: pass timestamp=" in untimed.json()["error"]["message"]
    timed = http.post(
        f"{analytics_url}/api/usage/import",
        params={"timestamp": "2026-11-21T08:30:00Z"},
        headers=owner,
        files={"file": ("messages.json", bare)},
    )
    assert timed.status_code == 200 and counts(timed.json()) == {
        "accepted": 2,
        "duplicates": 0,
        "rejected": [],
        "rejected_count": 0,
    }, timed.text
    # + 0.018 + 0.0057: the same token counts as the log's first two calls
    assert wait_for_calls(http, analytics_url, owner, 5)["totals"]["cost_usd"] == "0.0519"


def test_prefix_chains_sent_over_http_are_replayed_as_the_reference_replays_them(http, analytics_url, owner):
    """Conversations with growing prefixes, sent as usage events over the API, queued, stored and
    read back in the profile: each caching policy's tokens equal the independent reference's."""
    import datetime as dt

    from tests.reference.prompt_cache import POLICIES, AnthropicRules, simulate_anthropic
    from tests.unit.shared_lib.test_prompt_caching_against_reference import conversations

    calls = conversations(seed=7, sessions=25)
    start = dt.datetime(2026, 11, 20, 8, tzinfo=dt.timezone.utc)
    events = [
        {
            "event_id": c.event_id,
            "timestamp": (start + dt.timedelta(seconds=float(c.time))).isoformat(),
            "provider": "anthropic",
            "model": "claude-sonnet-4-5",
            "feature": "chat",
            "input_tokens": c.input_tokens,
            "output_tokens": c.output_tokens,
            "prefix_chain": [{"hash": p.hash, "tokens": p.tokens, "at": p.at} for p in c.chain],
        }
        for c in calls
    ]
    answer = http.post(f"{analytics_url}/api/usage", json=events, headers=owner).json()
    assert (answer["accepted"], answer["rejected_count"]) == (len(events), 0)
    wait_for_calls(http, analytics_url, owner, len(events))
    profile = http.get(
        f"{analytics_url}/api/usage/profile", params={"from": "2026-11-01", "to": "2026-12-01"}, headers=owner
    ).json()
    [chat] = profile["workloads"]
    assert chat["caching"]["calls_with_chain"] == len(events)
    found = {
        (p["policy"], p["ttl_seconds"]): (p["read_tokens"], p["written_tokens"]) for p in chat["caching"]["policies"]
    }
    for policy in POLICIES:
        for ttl in (300, 3600):
            reference = simulate_anthropic(calls, AnthropicRules(ttl, 1024), policy).totals
            assert found[(policy, ttl)] == (reference.read_tokens, reference.written_tokens), (policy, ttl)
    assert found[("prompt_end", 300)][0] > 0


def test_wait_answers_once_what_was_accepted_is_queryable(http, analytics_url, owner, unique):
    """`accepted` means durably queued; `wait=` gives read-your-writes: the summary right after the
    answer holds the calls, and a re-send waits for its own version, not the one stored before."""
    answer = http.post(f"{analytics_url}/api/usage", params={"wait": "20"}, json=rows(unique, 1, 2), headers=owner)
    assert answer.status_code == 200 and answer.json()["stored"] is True, answer.text
    assert summary(http, analytics_url, owner)["totals"]["calls"] == 2  # no waiting: already there
    changed = [{**row, "input_tokens": 2000} for row in rows(unique, 1)]
    again = http.post(f"{analytics_url}/api/usage", params={"wait": "20"}, json=changed, headers=owner)
    assert again.json()["stored"] is True
    assert summary(http, analytics_url, owner)["totals"]["input_tokens"] == 2000 + 1000
    refused = http.post(f"{analytics_url}/api/usage", params={"wait": "31"}, json=rows(unique, 3), headers=owner)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_wait"
    assert summary(http, analytics_url, owner)["totals"]["calls"] == 2  # nothing of a refused request is kept


def test_one_event_as_a_json_object_is_taken_as_a_batch_of_one(http, analytics_url, owner, unique):
    [event] = rows(unique, 1)
    answer = http.post(f"{analytics_url}/api/usage", params={"wait": "20"}, json=event, headers=owner)
    assert answer.status_code == 200 and answer.json()["accepted"] == 1 and answer.json()["stored"] is True
    assert summary(http, analytics_url, owner)["totals"]["calls"] == 1


def test_a_model_change_is_measured_over_http_from_the_calls_after_it(http, analytics_url, owner, unique):
    """A feature on gpt-4o moved to gpt-4o-mini at 12:00: the calls after it, re-priced at
    gpt-4o's prices, against what they cost (GET /api/usage/realised, ADR 0018)."""
    feature = f"{unique}-triage"

    def call(n: int, model: str, hour: int) -> dict:
        return {
            "event_id": f"{unique}-m{n}",
            "timestamp": f"2026-11-20T{hour:02d}:00:00Z",
            "provider": "openai",
            "model": model,
            "feature": feature,
            "input_tokens": 1000,
            "output_tokens": 100,
        }

    events = [call(n, "gpt-4o", 9) for n in range(3)] + [call(n, "gpt-4o-mini", 14) for n in range(3, 8)]
    assert http.post(f"{analytics_url}/api/usage", params={"wait": "20"}, json=events, headers=owner).json()["stored"]
    answer = http.get(
        f"{analytics_url}/api/usage/realised",
        params={
            "lever": "model_rightsizing",
            "feature": feature,
            "from_model": "gpt-4o",
            "to_model": "gpt-4o-mini",
            "applied_at": "2026-11-20T12:00:00Z",
            "to": "2026-11-21T00:00:00Z",
        },
        headers=owner,
    )
    assert answer.status_code == 200, answer.text
    totals = answer.json()["totals"]
    # 5 calls after: gpt-4o-mini 5 x (1000 x 0.15 + 100 x 0.6)/M = 0.00105; at gpt-4o's prices
    # 5 x (1000 x 2.5 + 100 x 10)/M = 0.0175; realised 0.01645.
    assert (totals["calls"], totals["actual_cost_usd"], totals["counterfactual_cost_usd"]) == (5, "0.00105", "0.0175")
    assert totals["realised_saving_usd"] == "0.01645"
    other = http.get(
        f"{analytics_url}/api/usage/realised",
        params={"lever": "batching", "feature": "no-such-feature", "applied_at": "2026-11-20T12:00:00Z"},
        headers=owner,
    )
    assert other.status_code == 400 and other.json()["error"]["code"] == "unknown_scope"
