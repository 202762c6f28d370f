"""`netra import`: what it sends and how it prints analytics' answer, against a fake analytics
(an httpx MockTransport) in a temporary workspace; the answers are written here in the API's
documented shape. The real route and answer are tested in tests/unit/analytics/test_import_answer.py."""

from __future__ import annotations

import argparse

import httpx
import pytest

from emulators import cli
from emulators.platform.workspace import Workspace


class Analytics:
    """Answers every import with `answer`; keeps the requests."""

    def __init__(self, answer: dict, status: int = 200):
        self.answer, self.status = answer, status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, json=self.answer)


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    ws = Workspace(tmp_path)
    ws.write_discovery("analytics", "127.0.0.1", 1, "http://analytics.test")
    return ws


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "spend.csv"
    path.write_text("request_id,startTime\nll-1,2026-11-20 09:00:00\n")
    return path


def netra_import(workspace, export, analytics, **options) -> int:
    args = argparse.Namespace(file=export, format=None, feature=None, timestamp=None, timezone=None, api_key="key")
    for name, value in options.items():
        setattr(args, name, value)
    with httpx.Client(transport=httpx.MockTransport(analytics)) as http:
        return cli._import(workspace, args, http)


def answer(**fields) -> dict:
    return {"accepted": 0, "duplicates": 0, "rejected": [], "rejected_count": 0, "notes": [], **fields}


def test_the_zone_is_sent_and_the_notes_are_printed(workspace, export, capsys):
    note = "1 records had times without a zone; read as Europe/Berlin (as asked)"
    analytics = Analytics(answer(accepted=1, assumed_timezone="Europe/Berlin", notes=[note]))
    assert netra_import(workspace, export, analytics, timezone="Europe/Berlin") == 0
    [request] = analytics.requests
    assert request.url.params["timezone"] == "Europe/Berlin"
    assert capsys.readouterr().out.splitlines() == [
        "accepted 1 events, 0 duplicates, rejected 0",
        f"  note: {note}",
    ]


def test_timezone_is_an_option_of_netra_import(monkeypatch, export):
    seen = []
    monkeypatch.setattr(cli, "_import", lambda ws, args: seen.append(args) or 0)
    assert cli.main(["import", str(export), "--timezone", "+02:00"]) == 0
    assert seen[0].timezone == "+02:00"


def test_a_refused_import_prints_why_and_fails(workspace, export, capsys):
    error = {"error": {"code": "invalid_timezone", "message": "timezone must be an IANA time zone name"}}
    assert netra_import(workspace, export, Analytics(error, 400), timezone="Mars") == 1
    assert capsys.readouterr().err == "netra: import refused: timezone must be an IANA time zone name\n"


def test_the_request_is_the_file_and_the_key(workspace, export):
    analytics = Analytics(answer(accepted=1))
    netra_import(workspace, export, analytics, format="litellm")
    [request] = analytics.requests
    assert str(request.url).startswith("http://analytics.test/api/usage/import?")
    assert dict(request.url.params) == {"format": "litellm"}
    assert request.headers["Authorization"] == "Bearer key"
    assert b"ll-1,2026-11-20 09:00:00" in request.read()


def test_identical_errors_print_once_with_their_count_and_first_records(workspace, export, capsys):
    groups = [
        {"error": "input_tokens is required", "count": 60, "first_records": [0, 1, 2, 3, 4]},
        {"error": "model is required", "count": 2, "first_records": [70, 80]},
        {"error": "a usage event must be a JSON object", "count": 1, "first_records": [99]},
    ]
    rejected = [{"index": i, "error": "input_tokens is required"} for i in range(60)]
    analytics = Analytics(answer(accepted=5, rejected=rejected, rejected_count=63, error_groups=groups))
    assert netra_import(workspace, export, analytics) == 0
    assert capsys.readouterr().out.splitlines() == [
        "accepted 5 events, 0 duplicates, rejected 63",
        "  60 records: input_tokens is required (records 1, 2, 3, 4, 5, …)",
        "  2 records: model is required (records 71, 81)",
        "  record 100: a usage event must be a JSON object",
    ]


def test_errors_beyond_the_listed_groups_are_counted(workspace, export, capsys):
    groups = [{"error": "model is required", "count": 3, "first_records": [0, 1, 2]}]
    analytics = Analytics(answer(accepted=5, rejected_count=10, error_groups=groups))
    netra_import(workspace, export, analytics)
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "  3 records: model is required (records 1, 2, 3)",
        "  7 more records with other errors",
    ]


def test_an_import_that_accepted_nothing_says_so_and_exits_2(workspace, export, capsys):
    groups = [{"error": "input_tokens is required", "count": 3, "first_records": [0, 1, 2]}]
    analytics = Analytics(answer(accepted=0, duplicates=0, rejected_count=3, error_groups=groups))
    assert netra_import(workspace, export, analytics) == 2
    printed = capsys.readouterr()
    assert printed.out.splitlines()[0] == "accepted 0 events, 0 duplicates, rejected 3"
    assert printed.err == "netra: nothing was imported: all 3 records were rejected\n"


@pytest.mark.parametrize(("accepted", "duplicates"), [(1, 0), (0, 4)])
def test_an_import_that_queued_events_exits_0(workspace, export, accepted, duplicates):
    # Duplicates are queued again (a re-send replaces): importing a file twice is no failure.
    analytics = Analytics(answer(accepted=accepted, duplicates=duplicates, rejected_count=3))
    assert netra_import(workspace, export, analytics) == 0
