"""What POST /api/usage/import answers about a file beyond accepted and rejected: the zone it
read zone-less times in, the errors it refused records for (grouped), the feature it filed
untagged calls under, and the models the price catalog does not know. Through the route, on
in-memory collaborators (the integration test keeps the real queue and warehouse)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared_lib.auth import Authenticator, Principal
from shared_lib.contracts import usage_events

from netra_analytics import routes
from netra_analytics.service import AnalyticsService

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
ADA = Principal("user", "org-a", "ada", (), 2_000_000_000, session_id="s-ada")


class Verifier:
    def principal(self, token, token_type="access"):
        assert (token, token_type) == ("ada", "access")
        return ADA


class Warehouse:
    """No event stored yet, no model names of the org's own."""

    def query(self, sql, parameters=None, settings=None):
        return type("Result", (), {"named_results": lambda _self: iter(()), "result_rows": []})()


class Publisher:
    def __init__(self):
        self.sent: list[bytes] = []

    def publish(self, topic, data, **attributes):
        self.sent.append(data)
        return type("Done", (), {"result": lambda _self, timeout=None: "id"})()


@pytest.fixture
def service():
    return AnalyticsService(
        authenticator=Authenticator(Verifier(), None),  # no API keys: Ada signs in
        publisher=Publisher(),
        project_id="netra-test",
        warehouse_client=Warehouse(),
        clock=lambda: NOW,
    )


def imported(service, raw: bytes, query: str = "") -> tuple[int, dict]:
    environ = EnvironBuilder(
        path=f"/api/usage/import{query}",
        method="POST",
        data=raw,
        headers={"Authorization": "Bearer ada"},
        content_type="application/octet-stream",
    ).get_environ()
    answer, status, _ = routes.dispatch(Request(environ), lambda: service)
    return status, json.loads(answer)


def queued(service) -> list[dict]:
    return [row for data in service.publisher.sent for row in _rows(data)]


def _rows(data: bytes) -> list[dict]:
    batch = usage_events.parse(usage_events.decode(data))
    return [dict(row) for row in batch.rows]


SPEND_CSV = (
    b"request_id,startTime,endTime,model,custom_llm_provider,prompt_tokens,completion_tokens,request_tags\n"
    b'll-1,2026-11-20 09:00:00.000,2026-11-20 09:00:01.000,gpt-4o,openai,1000,500,"[""support""]"\n'
    b'll-2,2026-11-20 09:30:00.000,2026-11-20 09:30:01.000,gpt-4o,openai,1000,500,"[""support""]"\n'
)


def test_zoneless_litellm_times_are_read_as_utc_and_the_answer_says_so(service):
    status, answer = imported(service, SPEND_CSV)
    assert (status, answer["accepted"], answer["rejected_count"]) == (200, 2, 0)
    assert answer["assumed_timezone"] == "UTC"
    assert answer["notes"] == ["2 records had times without a zone; read as UTC (LiteLLM stores UTC)"]
    assert [row["timestamp"] for row in queued(service)] == ["2026-11-20T09:00:00+00:00", "2026-11-20T09:30:00+00:00"]


def test_a_named_zone_reads_zoneless_times_in_it(service):
    status, answer = imported(service, SPEND_CSV, "?timezone=Europe/Berlin")
    assert (status, answer["assumed_timezone"]) == (200, "Europe/Berlin")
    # 09:00 in Berlin in November (CET, UTC+1) is 08:00 UTC.
    assert [row["timestamp"] for row in queued(service)] == ["2026-11-20T08:00:00+00:00", "2026-11-20T08:30:00+00:00"]


def test_a_file_with_zoned_times_assumes_no_zone(service):
    status, answer = imported(service, SPEND_CSV.replace(b".000,", b".000Z,"))
    assert (status, answer["accepted"], answer["assumed_timezone"], answer["notes"]) == (200, 2, None, [])


@pytest.mark.parametrize("zone", ["Mars%2FOlympus", "%2B25:00", "%2Fetc%2Fpasswd"])
def test_a_zone_that_is_none_is_a_400_that_queues_nothing(service, zone):
    status, answer = imported(service, SPEND_CSV, f"?timezone={zone}")
    assert (status, answer["error"]["code"]) == (400, "invalid_timezone")
    assert answer["error"]["message"].startswith("timezone must be an IANA time zone name (e.g. Europe/Berlin, UTC)")
    assert service.publisher.sent == []


def test_identical_errors_are_counted_once_and_every_rejection_still_listed_up_to_100(service):
    good = b'{"id": "c-ok", "created": 1795600000, "model": "gpt-4o", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}'
    no_input = b'{"id": "c-%d", "created": 1795600000, "model": "gpt-4o", "usage": {"completion_tokens": 1}}'
    lines = [good] + [no_input % n for n in range(120)] + [b"[1, 2]", b"[3]"]
    status, answer = imported(service, b"\n".join(lines))
    assert (status, answer["accepted"], answer["rejected_count"]) == (200, 1, 122)
    assert [r["index"] for r in answer["rejected"]] == list(range(1, 101))
    assert answer["error_groups"] == [
        {"error": "input_tokens is required", "count": 120, "first_records": [1, 2, 3, 4, 5]},
        {"error": "a usage event must be a JSON object", "count": 2, "first_records": [121, 122]},
    ]


def test_a_file_without_rejections_has_no_groups(service):
    assert imported(service, SPEND_CSV)[1]["error_groups"] == []


def test_untagged_calls_and_models_the_catalog_lacks_are_named(service):
    completion = (
        '{"id": "c-%d", "created": 1795600000, "model": "%s", "usage": {"prompt_tokens": 10, "completion_tokens": 5}}'
    )
    lines = [completion % (n, "gtp-4o") for n in range(3)] + [completion % (9, "gpt-4o")]
    status, answer = imported(service, "\n".join(lines).encode())
    assert (status, answer["accepted"]) == (200, 4)
    assert answer["unknown_models"] == [{"model": "gtp-4o", "provider": "openai", "calls": 3, "closest": "gpt-4o"}]
    assert answer["notes"] == [
        "4 records had no feature; filed under 'default' (feature=, or netra import --feature, names one)",
        "`gtp-4o` (3 calls): not in the price catalog — did you mean gpt-4o?",
    ]
    assert {row["feature"] for row in queued(service)} == {"default"}  # as the note says
