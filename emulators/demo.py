"""`netra seed-demo`: a month of synthetic usage for the local developer, sent through the
public ingest API, and its answer key written beside the run folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path

from emulators.workload import WorkloadSettings, generate

EVENTS_PER_REQUEST = 5000
STORE_TIMEOUT = 300.0


@dataclasses.dataclass(frozen=True)
class DemoOptions:
    answer_key_path: Path
    email: str | None = None  # the local developer by default
    seed: int = 7
    days: int = 30
    calls_per_day: int = 3000
    only_if_empty: bool = False


def seed_demo(url: Callable[[str], str], options: DemoOptions, say: Callable[[str], None] = print) -> dict | None:
    """Generate, send and wait until stored; returns the answer key (None when skipped)."""
    import httpx  # heavy: the CLI imports this module, and only seed-demo needs it

    with httpx.Client(timeout=120) as http:
        signed_in = http.post(f"{url('auth')}/auth/dev/login", json={"email": options.email} if options.email else {})
        signed_in.raise_for_status()
        headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        analytics = url("analytics")
        stored_before = _stored_calls(http, analytics, headers, options.days)
        if options.only_if_empty and stored_before:
            say(f"netra: the warehouse already holds {stored_before} calls for this user; no demo data added")
            return None
        workload = generate(
            WorkloadSettings(
                org_id=f"demo-{options.seed}",
                seed=options.seed,
                days=options.days,
                calls_per_day=options.calls_per_day,
                end=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1),
            )
        )
        say(f"netra: sending {len(workload.events)} demo calls ({options.days} days)…")
        accepted = 0
        for start in range(0, len(workload.events), EVENTS_PER_REQUEST):
            chunk = workload.events[start : start + EVENTS_PER_REQUEST]
            answer = http.post(
                f"{analytics}/api/usage",
                headers={**headers, "Content-Type": "application/x-ndjson"},
                content="\n".join(json.dumps(e) for e in chunk).encode(),
            )
            body = answer.json()
            if answer.status_code != 200 or body["rejected"]:
                raise RuntimeError(f"the analytics API refused demo data: {body}")
            accepted += body["accepted"]
        _wait_stored(http, analytics, headers, options.days, stored_before + accepted)
    key = {**workload.answer_key, "email": signed_in.json()["user"]["email"]}
    options.answer_key_path.parent.mkdir(parents=True, exist_ok=True)
    options.answer_key_path.write_text(json.dumps(key, indent=2) + "\n")
    say(
        f"netra: demo usage stored: {key['calls']} calls, ${key['total_cost_usd']}; "
        f"injected savings ${key['total_savings_usd']} ({key['savings_pct']}%); answer key: {options.answer_key_path}"
    )
    return key


def _stored_calls(http, analytics: str, headers: dict, days: int) -> int:
    since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days + 1)).isoformat()
    answer = http.get(f"{analytics}/api/usage/summary", headers=headers, params={"from": since, "group_by": "provider"})
    answer.raise_for_status()
    return int(answer.json()["totals"]["calls"])


def _wait_stored(http, analytics: str, headers: dict, days: int, expected: int) -> None:
    """Ingest is asynchronous (Pub/Sub → consumer): wait until every call is queryable."""
    deadline = time.monotonic() + STORE_TIMEOUT
    while (stored := _stored_calls(http, analytics, headers, days)) < expected:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {stored} of {expected} demo calls were stored after {STORE_TIMEOUT:.0f} s")
        time.sleep(0.5)
