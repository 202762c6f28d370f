"""Schemathesis over each HTTP function's published OpenAPI document, on the real local
platform: whatever it generates (inputs that fit the document and inputs that do not), no
answer is a 5xx, and every answer conforms to the document (status code, content type and
body schema).

Bounded: a fixed number of examples per operation and generation mode, drawn from a fixed
seed, so a failure reproduces and the three services take a few seconds each. For a
deeper run by hand, NETRA_FUZZ_EXAMPLES raises the count and NETRA_FUZZ_SEED draws other
cases.
"""

from __future__ import annotations

import os

import pytest

from tests.helpers import bearer, dev_login, url_of

EXAMPLES = int(os.environ.get("NETRA_FUZZ_EXAMPLES", "8"))
SEED = os.environ.get("NETRA_FUZZ_SEED")


@pytest.mark.parametrize("service", ["auth", "chat", "analytics"])
def test_the_published_openapi_fuzzed_gets_no_server_error_and_conforms(platform, http, unique, service):
    import schemathesis
    from hypothesis import strategies as st
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    url = url_of(platform, service)
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    failures: list[str] = []
    untestable: list[str] = []
    sent: list[str] = []

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5, "the document lists the routes"
    for operation in operations:
        # A fresh session and thread per operation: a fuzzed logout or delete must not leave
        # the next operation nothing but 401s and 404s to explore.
        token = dev_login(http, url_of(platform, "auth"), f"fuzz-{unique}@example.com")["access_token"]
        owned = {}
        if service == "chat" and "{thread_id}" in operation.path:
            owned = {
                "thread_id": http.post(f"{url}/api/threads", json={"title": "fuzz"}, headers=bearer(token)).json()[
                    "thread_id"
                ]
            }
        if service == "chat" and "{run_id}" in operation.path:
            owned = {"run_id": _a_run(http, url, token)}
        if service == "chat" and "{change_id}" in operation.path:
            owned = {"change_id": _a_change(http, url, token)}
        for mode in schemathesis.GenerationMode:
            strategy = operation.as_strategy(generation_mode=mode)
            if owned:
                # Half the examples name ids the caller owns, so the fuzzer reaches the code
                # behind the lookup and not only "not found".
                strategy = st.one_of(strategy, operation.as_strategy(generation_mode=mode, path_parameters=owned))
            label = f"{operation.label} ({mode.value})"
            try:
                _exercise(strategy, url, bearer(token), checks, label, sent, failures)
            except Unsatisfiable:
                # Only an operation with nothing to make invalid (no parameter, no body) may
                # have no negative case; the positive mode covers it. Anything else is untestable.
                if (
                    mode is not schemathesis.GenerationMode.NEGATIVE
                    or list(operation.iter_parameters())
                    or operation.body
                ):
                    untestable.append(label)
    assert not untestable, f"operations the document lets the fuzzer generate nothing for: {untestable}"
    assert len(sent) >= len(operations), "the fuzzer sent requests"
    assert not failures, "\n".join(failures[:10])


def _exercise(strategy, url: str, headers: dict, checks: list, label: str, sent: list, failures: list) -> None:
    """Send the strategy's cases (bounded, from a fixed seed unless NETRA_FUZZ_SEED draws
    others); each that fails a check is a failure of `label`."""
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from schemathesis.core.failures import FailureGroup

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=SEED is None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def exercise(case):
        response = case.call(base_url=url, headers=headers, timeout=30, allow_redirects=False)
        sent.append(label)
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as failure:
            failures.append(f"{label}: {failure}"[:3000])

    if SEED is not None:
        exercise = seed(int(SEED))(exercise)
    exercise()


def _a_change(http, url: str, token: str) -> str:
    made = http.post(
        f"{url}/api/changes",
        json={"lever": "batching", "title": "Batch the nightly summaries", "scope": {"feature": "summaries"}},
        headers=bearer(token),
    )
    assert made.status_code == 201, made.text
    return made.json()["change_id"]


def _a_run(http, url: str, token: str) -> str:
    thread = http.post(f"{url}/api/threads", json={}, headers=bearer(token)).json()
    posted = http.post(
        f"{url}/api/threads/{thread['thread_id']}/messages", json={"text": "What did I spend?"}, headers=bearer(token)
    )
    assert posted.status_code == 202, posted.text
    return posted.json()["run_id"]
