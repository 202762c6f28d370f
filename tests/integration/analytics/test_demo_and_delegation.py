"""Demo usage sent through the public API and queried back with the answer key's costs; an
agent's delegated token reads the user's usage and nothing else."""

from __future__ import annotations

import datetime as dt
import json

from emulators.demo import DemoOptions, seed_demo
from tests.helpers import bearer, dev_login, url_of


def test_seed_demo_is_queryable_with_the_answer_keys_costs(platform, http, tmp_path, unique):
    email = f"demo-{unique}@example.com"
    options = DemoOptions(tmp_path / "key.json", email=email, seed=11, days=3, calls_per_day=150, only_if_empty=True)
    key = seed_demo(lambda name: url_of(platform, name), options, say=lambda _: None)
    assert json.loads((tmp_path / "key.json").read_text())["total_cost_usd"] == key["total_cost_usd"]

    headers = bearer(dev_login(http, url_of(platform, "auth"), email)["access_token"])
    analytics = url_of(platform, "analytics")
    window = {"from": key["period"]["from"], "to": key["period"]["to"]}
    summary = http.get(
        f"{analytics}/api/usage/summary", params={**window, "group_by": "feature"}, headers=headers
    ).json()
    assert summary["totals"]["calls"] == key["calls"]
    # The warehouse keeps cost to the nano-dollar; the key rounds to the micro-dollar.
    assert abs(float(summary["totals"]["cost_usd"]) - float(key["total_cost_usd"])) < 1e-5
    assert summary["unpriced"] == key["unpriced"]
    unpriced = http.get(f"{analytics}/api/usage/unpriced", params=window, headers=headers).json()
    assert [(m["provider"], m["model"]) for m in unpriced["models"]] == [("other", "acme-llm-1")]
    daily = http.get(f"{analytics}/api/usage/timeseries", params=window, headers=headers).json()
    assert sum(p["calls"] for p in daily["series"][0]["points"]) == key["calls"]

    # Once the user has usage, `--if-empty` adds nothing.
    assert seed_demo(lambda name: url_of(platform, name), options, say=lambda _: None) is None


def test_a_delegated_token_reads_the_users_usage_only(platform, http, unique):
    auth, analytics = url_of(platform, "auth"), url_of(platform, "analytics")
    tokens = dev_login(http, auth, f"delegate-{unique}@example.com")
    user = bearer(tokens["access_token"])
    row = {
        "event_id": f"{unique}-1",
        "timestamp": (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).isoformat(),
        "provider": "openai",
        "model": "gpt-4o",
        "input_tokens": 10,
        "output_tokens": 10,
    }
    assert http.post(f"{analytics}/api/usage", json=[row], headers=user).json()["accepted"] == 1

    exchanged = http.post(f"{auth}/auth/token-exchange", json={"scope": "usage:read", "actor": "data"}, headers=user)
    assert exchanged.status_code == 200, exchanged.text
    assert exchanged.json()["scope"] == "usage:read" and exchanged.json()["expires_in"] <= 3600
    agent = bearer(exchanged.json()["access_token"])

    assert http.get(f"{analytics}/api/usage/profile", headers=agent).status_code == 200
    assert http.get(f"{analytics}/api/usage/summary", headers=agent).json()["totals"]["calls"] in (
        0,
        1,
    )  # ingest is async
    # Reads only: it cannot write usage, act as the user elsewhere, or be exchanged again.
    refused = http.post(f"{analytics}/api/usage", json=[row], headers=agent)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "wrong_token_type"
    assert http.get(f"{auth}/auth/me", headers=agent).status_code == 401
    assert http.post(f"{auth}/auth/token-exchange", json={"scope": "usage:read"}, headers=agent).status_code == 401
    assert http.get(f"{url_of(platform, 'chat')}/api/threads", headers=agent).status_code == 401
    # Only read scopes can be delegated.
    wrong = http.post(f"{auth}/auth/token-exchange", json={"scope": "usage:write"}, headers=user)
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_scope"
    # Signing out ends the delegation too (same session).
    assert http.post(f"{auth}/auth/logout", headers=user).status_code == 200
    revoked = http.get(f"{analytics}/api/usage/profile", headers=agent)
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "token_revoked"
