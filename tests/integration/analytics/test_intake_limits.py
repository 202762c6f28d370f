"""Intake's limits on the running platform: a credential that sends faster than its budget is
answered 429 with Retry-After and nothing of the refused request is kept; a body of many bad
rows is answered with the first rejections and their count, not one line per row."""

from __future__ import annotations

import json
import time

import pytest

from tests.helpers import bearer, dev_login, eventually, url_of

pytestmark = pytest.mark.platform

# The platform runs with analytics' defaults (netra_analytics.settings): 200 requests per 10 s.
PER_KEY, WINDOW = 200, 10


def event(unique: str, n: int) -> dict:
    return {
        "event_id": f"{unique}-{n}",
        "timestamp": "2026-11-20T10:00:00Z",
        "provider": "openai",
        "model": "gpt-4o",
        "input_tokens": 1000,
        "output_tokens": 500,
        "feature": "limits",
    }


def calls(http, analytics: str, headers: dict) -> int:
    params = {"from": "2026-11-01", "to": "2026-12-01"}
    return http.get(f"{analytics}/api/usage/summary", params=params, headers=headers).json()["totals"]["calls"]


def test_a_credential_past_its_budget_is_refused_whole_with_retry_after(http, platform, unique):
    analytics = url_of(platform, "analytics")
    owner = bearer(dev_login(http, url_of(platform, "auth"), f"limits-{unique}@example.com")["access_token"])
    # Empty batches until refused: two windows' worth at most (sent within one window's time,
    # they span at most two windows, so one of them holds more than the budget).
    started, answers = time.monotonic(), []
    for _ in range(2 * PER_KEY + 1):
        answers.append(http.post(f"{analytics}/api/usage", json=[], headers=owner))
        if answers[-1].status_code != 200:
            break
    sent_for = time.monotonic() - started
    refused = answers[-1]
    assert refused.status_code == 429, (len(answers), sent_for, refused.text)
    assert len(answers) > PER_KEY, f"refused after {len(answers) - 1} requests, within the budget of {PER_KEY}"
    assert refused.json()["error"]["code"] == "rate_limited", refused.text
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= WINDOW

    # While refused, a batch with a real call is refused whole, and so is OTLP from the same credential.
    held = http.post(f"{analytics}/api/usage", json=[event(unique, 1)], headers=owner)
    assert held.status_code == 429 and "nothing of this one was accepted" in held.json()["error"]["message"]
    traces = http.post(f"{analytics}/v1/traces", content=b"{}", headers={**owner, "Content-Type": "application/json"})
    assert traces.status_code == 429 and traces.headers["Retry-After"]

    # Past Retry-After the credential is served again; only what was accepted is stored.
    time.sleep(int(held.headers["Retry-After"]) + 0.2)
    accepted = http.post(f"{analytics}/api/usage", json=[event(unique, 2)], headers=owner)
    assert accepted.status_code == 200 and accepted.json()["accepted"] == 1, accepted.text
    eventually(lambda: calls(http, analytics, owner) == 1, 30, interval=0.3, what="the accepted call stored")
    time.sleep(1.0)  # a refused call, had it been queued, would have been stored with it
    assert calls(http, analytics, owner) == 1


def test_many_bad_rows_are_answered_with_the_first_rejections_and_their_count(http, platform, unique):
    analytics = url_of(platform, "analytics")
    owner = bearer(dev_login(http, url_of(platform, "auth"), f"rejects-{unique}@example.com")["access_token"])
    # 200,000 lines of `{}` (~400 KB) and one good call: answered with 10 MB of rejections before.
    body = (json.dumps(event(unique, 1)) + "\n" + "{}\n" * 200_000).encode()
    answer = http.post(
        f"{analytics}/api/usage", content=body, headers={**owner, "Content-Type": "application/x-ndjson"}, timeout=120
    )
    assert answer.status_code == 200, answer.text[:500]
    assert len(answer.content) < 20_000, f"{len(answer.content)} bytes answer {len(body)}"
    report = answer.json()
    assert report["accepted"] == 1 and report["rejected_count"] == 200_000
    assert [r["index"] for r in report["rejected"]] == list(range(1, 101))
    assert {r["error"] for r in report["rejected"]} == {"event_id is required"}
