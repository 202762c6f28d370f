"""A change report's coverage in a real browser (Debian's chromium through Playwright), with no
platform: the web app's own static files are served from the tree to a page laid out as the
chat's thread, and `NetraReport.render` draws hand-made change reports into it.

What is checked: the headline's colour (up/down only when the totals compare as they are:
not with a period empty or thin in usage, nor with today not over), the % left out when
nothing came before, and the like-for-like lines (per whole day with usage, per complete day,
per hour covered) with the figures of the report's own fields. The expected texts are worked
by hand from those fields. Screenshots at 1440 and 390 px are kept with the test's tmp files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.e2e.test_web_chat_reports import DESKTOP, LAST_7, PHONE, WEEK_BEFORE, base, change_report, contract_errors

from netra_agents.answers.prose import change_caveats
from netra_agents.query import Period, Query

STATIC = Path(__file__).resolve().parents[2] / "websocket_relay" / "static"
ORIGIN = "http://netra.test"
# The chat's thread as app.js lays it out (index.html), without the app: the report goes in a message.
SHELL = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/styles.css">
<script src="/static/dom.js"></script><script src="/static/money.js"></script><script src="/static/report.js"></script>
</head><body><main class="workspace"><nav class="threads" aria-label="Threads"></nav>
<section class="conversation" aria-label="Conversation"><ol id="messages" class="messages"></ol></section></main></body></html>"""
NO_DRIVERS = {"volume": "0", "mix": "0", "size": "0", "new": "0", "gone": "0"}


def change(question: str, query: Query, narrative: str, **fields) -> dict:
    """A change report with the warnings the agents would give it (its caveats), checked against the contract."""
    report = base("change", question, query, narrative, **fields)
    report["warnings"] = change_caveats(report)
    assert contract_errors(report) == [], contract_errors(report)
    return report


def days(first: dt.date, costs: list[str]) -> list[dict]:
    return [{"date": (first + dt.timedelta(days=i)).isoformat(), "cost_usd": c} for i, c in enumerate(costs)]


def cover(days_begun: int, with_data: int, first: str | None, last: str | None, thin: bool) -> dict:
    return {"days": days_begun, "days_with_data": with_data, "first_day": first, "last_day": last, "thin": thin}


def last_week(**fields):
    return Query("change", LAST_7, comparison=WEEK_BEFORE, sources={"kind": "parser", "period": "parser"}), fields


def thin_previous_report() -> dict:
    # Last week used every day ($210 over 7 days); the week before only on Nov 14 ($4, the hour
    # usage started) and Nov 15 ($26). Per whole day with usage: 210 / 7 = $30 against
    # 26 / 1 = $26 (Nov 14 left out), +15.38%; the totals: +$180, +600%.
    query, _ = last_week()
    return change(
        "What changed last week?",
        query,
        "Per whole day with usage, spend rose 15.4%: $30.00 a day against $26.00.",
        current={"from": "2026-11-16", "to": "2026-11-23", "cost_usd": "210.00", "calls": 7000},
        previous={"from": "2026-11-09", "to": "2026-11-16", "cost_usd": "30.00", "calls": 1000},
        delta_usd="180.00",
        delta_pct=600.0,
        delta_calls=6000,
        coverage={
            "current": cover(7, 7, "2026-11-16", "2026-11-22", False),
            "previous": cover(7, 2, "2026-11-14", "2026-11-15", True),
        },
        per_day=None,
        per_day_covered={
            "current_days": 7,
            "previous_days": 1,
            "current_usd": "30",
            "previous_usd": "26",
            "pct": 15.38,
            "left_out": ["2026-11-14"],
        },
        per_hour=None,
        partial_today=None,
        drivers=[
            {"dimension": "feature", "key": "doc-qa", "delta_usd": "150.00", "effect": "volume"},
            {"dimension": "feature", "key": "summarize", "delta_usd": "30.00", "effect": "new"},
        ],
        effects={"feature": {**NO_DRIVERS, "volume": "150.00", "new": "30.00"}},
        spikes=[],
        daily=days(dt.date(2026, 11, 16), ["28.00", "31.00", "29.00", "32.00", "30.00", "31.00", "29.00"]),
    )


def empty_previous_report() -> dict:
    # Usage starts on Nov 18: $84 last week, nothing the week before (delta_pct is null).
    query, _ = last_week()
    return change(
        "What changed last week?",
        query,
        "Over the last 7 days spend was $84.00, with 2,100 calls, against no usage in Nov 9 – Nov 15, 2026.",
        current={"from": "2026-11-16", "to": "2026-11-23", "cost_usd": "84.00", "calls": 2100},
        previous={"from": "2026-11-09", "to": "2026-11-16", "cost_usd": "0", "calls": 0},
        delta_usd="84.00",
        delta_pct=None,
        delta_calls=2100,
        coverage={
            "current": cover(7, 5, "2026-11-18", "2026-11-22", False),
            "previous": cover(7, 0, None, None, True),
        },
        per_day=None,
        per_day_covered=None,
        per_hour=None,
        partial_today=None,
        drivers=[{"dimension": "feature", "key": "doc-qa", "delta_usd": "84.00", "effect": "new"}],
        effects={"feature": {**NO_DRIVERS, "new": "84.00"}},
        spikes=[],
    )


def thin_current_report() -> dict:
    # One hour of usage on Nov 22 ($2) against a full week ($140): thin, and no whole day with
    # usage is left (Nov 22 is where usage started), so there is no per-day line at all.
    query, _ = last_week()
    return change(
        "What changed last week?",
        query,
        "Spend fell $138.00 (98.6%).",
        current={"from": "2026-11-16", "to": "2026-11-23", "cost_usd": "2.00", "calls": 40},
        previous={"from": "2026-11-09", "to": "2026-11-16", "cost_usd": "140.00", "calls": 7000},
        delta_usd="-138.00",
        delta_pct=-98.57,
        delta_calls=-6960,
        coverage={
            "current": cover(7, 1, "2026-11-22", "2026-11-22", True),
            "previous": cover(7, 7, "2026-11-09", "2026-11-15", False),
        },
        per_day=None,
        per_day_covered=None,
        per_hour=None,
        partial_today=None,
        drivers=[],
        effects={},
        spikes=[],
    )


def today_report() -> dict:
    # Today to 14:30 ($29 over 14.5 hours, $2.00 an hour) against yesterday ($36 over 24 hours,
    # $1.50 an hour): +33.33% per hour; the totals: −$7, −19.44%.
    today, yesterday = (
        Period(dt.date(2026, 11, 23), dt.date(2026, 11, 24), "today"),
        Period(dt.date(2026, 11, 22), dt.date(2026, 11, 23), "yesterday"),
    )
    return change(
        "How does today compare with yesterday?",
        Query("change", today, comparison=yesterday, sources={"kind": "parser", "period": "parser"}),
        "Per hour, spend rose 33.3%: $2.00 an hour over the 14.5 hours so far today against $1.50.",
        current={"from": "2026-11-23", "to": "2026-11-24", "cost_usd": "29.00", "calls": 580},
        previous={"from": "2026-11-22", "to": "2026-11-23", "cost_usd": "36.00", "calls": 720},
        delta_usd="-7.00",
        delta_pct=-19.44,
        delta_calls=-140,
        coverage={
            "current": cover(1, 1, "2026-11-23", "2026-11-23", False),
            "previous": cover(1, 1, "2026-11-22", "2026-11-22", False),
        },
        per_day=None,
        per_day_covered=None,
        per_hour={"current_hours": 14.5, "previous_hours": 24, "current_usd": "2", "previous_usd": "1.5", "pct": 33.33},
        partial_today={"date": "2026-11-23", "to": "2026-11-23T14:30+00:00", "hours": 14.5, "cost_usd": "29.00"},
        drivers=[],
        effects={},
        spikes=[],
    )


def week_so_far_report() -> dict:
    # This week to Friday Nov 20, 10:00: $100, of which $10 today; 4 complete days at
    # 90 / 4 = $22.50 against 140 / 7 = $20.00 last week, +12.5%; the totals: −$40, −28.57%.
    this_week = Period(dt.date(2026, 11, 16), dt.date(2026, 11, 23), "this week")
    return change(
        "How is this week going against last week?",
        Query("change", this_week, comparison=WEEK_BEFORE, sources={"kind": "parser", "period": "parser"}),
        "Per day, spend rose 12.5%: $22.50 a day over 4 complete days this week against $20.00.",
        current={"from": "2026-11-16", "to": "2026-11-23", "cost_usd": "100.00", "calls": 5000},
        previous={"from": "2026-11-09", "to": "2026-11-16", "cost_usd": "140.00", "calls": 7000},
        delta_usd="-40.00",
        delta_pct=-28.57,
        delta_calls=-2000,
        coverage={
            "current": cover(5, 5, "2026-11-16", "2026-11-20", False),
            "previous": cover(7, 7, "2026-11-09", "2026-11-15", False),
        },
        per_day={"current_days": 4, "previous_days": 7, "current_usd": "22.5", "previous_usd": "20", "pct": 12.5},
        per_day_covered=None,
        per_hour=None,
        partial_today={"date": "2026-11-20", "to": "2026-11-20T10:00+00:00", "hours": 10.0, "cost_usd": "10.00"},
        drivers=[],
        effects={},
        spikes=[],
    )


@pytest.fixture
def page(browser):  # noqa: F811
    """A page of the web app's static files at a made-up origin, laid out as the chat's thread."""
    from tests.helpers import PageErrors

    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)

    def serve(route):
        path = route.request.url.removeprefix(ORIGIN)
        if path == "/":
            return route.fulfill(status=200, content_type="text/html", body=SHELL)
        file = STATIC / path.removeprefix("/static/")
        if path.startswith("/static/") and file.is_file():
            return route.fulfill(status=200, path=str(file))
        return route.fulfill(status=404, body="")

    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/")
    yield page
    assert not errors.unexpected(), str(errors)
    page.close()


def shown(page, report: dict):
    """The report rendered in a message of its own, as the chat shows it; its locator."""
    n = page.locator(".message").count()
    page.evaluate(
        """(report) => {
          const item = document.createElement('li');
          item.className = 'message done';
          const text = document.createElement('p');
          text.className = 'text'; text.textContent = report.question;
          item.append(text, NetraReport.render(report));
          document.getElementById('messages').append(item);
        }""",
        report,
    )
    return page.locator(".message").nth(n).locator(".report")


def headline_direction(report) -> str:
    classes = report.locator(".figures").get_attribute("class").split()
    return next(c for c in ("up", "down", "flat") if c in classes)


def rate_lines(report) -> list[tuple[str, str]]:
    return [
        (line.text_content(), next(c for c in ("up", "down", "flat") if c in line.get_attribute("class").split()))
        for line in report.locator(".per-day").all()
    ]


def cells(report, name: str) -> list[str]:
    row = (
        report.get_by_role("table", name="Current against previous period")
        .get_by_role("row")
        .filter(has=report.page.get_by_role("cell", name=name, exact=True))
    )
    return [c.strip() for c in row.locator("td").all_inner_texts()]  # as shown: a line per block


def test_totals_that_compare_are_coloured(page):
    report = shown(page, change_report())  # $120 → $180 over two whole weeks, no coverage known
    assert report.locator(".figures").text_content() == "$120.00 → $180.00: +$60.00 (+50.0%)"
    assert headline_direction(report) == "up"
    assert rate_lines(report) == []


def test_a_thin_previous_period_leads_with_spend_per_whole_day_with_usage(page, tmp_path):
    report = shown(page, thin_previous_report())
    assert report.locator(".figures").text_content() == "$30.00 → $210.00: +$180.00 (+600.0%)"
    assert headline_direction(report) == "flat"
    assert rate_lines(report) == [
        (
            "Per whole day with usage: $26.00 → $30.00: +15.4% "
            "(7 days against 1 day; Nov 14 left out: usage started or stopped during it)",
            "up",
        )
    ]
    assert cells(report, "Current") == ["Current", "Nov 16 – Nov 22, 2026\nusage on 7 of 7 days", "7,000", "$210.00"]
    assert cells(report, "Previous") == ["Previous", "Nov 9 – Nov 15, 2026\nusage on 2 of 7 days", "1,000", "$30.00"]
    assert cells(report, "Per whole day with usage") == [
        "Per whole day with usage",
        "7 days with usage against 1 day",
        "",
        "$30.00 against $26.00 (+15.4%)",
    ]
    assert "holds usage on 2 of its 7 days" in report.locator(".warning").first.text_content()
    message = page.locator(".message").last
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")
        message.screenshot(path=str(tmp_path / f"change-thin-{size}.png"))
    print(f"screenshots: {tmp_path}")


def test_an_empty_previous_period_is_no_rise(page):
    report = shown(page, empty_previous_report())
    headline = report.locator(".figures").text_content()
    assert headline == "$0.00 → $84.00: no usage in the previous period to compare with"
    assert headline_direction(report) == "flat"
    assert "%" not in headline and "+" not in headline
    assert rate_lines(report) == []
    assert cells(report, "Previous")[1] == "Nov 9 – Nov 15, 2026\nusage on 0 of 7 days"
    assert cells(report, "Change") == ["Change", "", "+2,100", "+$84.00"]  # no % of nothing
    assert report.locator(".warning").first.text_content().startswith("There is no usage in Nov 9 – Nov 15, 2026")


def test_a_thin_current_period_with_no_whole_day_is_not_coloured_and_has_no_rate(page):
    report = shown(page, thin_current_report())
    assert report.locator(".figures").text_content() == "$140.00 → $2.00: −$138.00 (−98.6%)"
    assert headline_direction(report) == "flat"
    assert rate_lines(report) == []
    assert cells(report, "Current")[1] == "Nov 16 – Nov 22, 2026\nusage on 1 of 7 days"
    assert "totals do not compare like for like" in report.locator(".warning").first.text_content()


def test_today_so_far_is_compared_per_hour_covered(page, tmp_path):
    report = shown(page, today_report())
    assert report.locator(".figures").text_content() == "$36.00 → $29.00: −$7.00 (−19.4%)"
    assert headline_direction(report) == "flat"
    assert rate_lines(report) == [("Per hour covered: $1.50 → $2.00: +33.3% (14.5 hours today against 24 hours)", "up")]
    assert cells(report, "Current")[1] == "Nov 23, 2026"  # every begun day has usage: no count
    assert cells(report, "Per hour covered")[3] == "$2.00 against $1.50 (+33.3%)"
    page.set_viewport_size(PHONE)
    page.locator(".message").last.screenshot(path=str(tmp_path / "change-today-phone.png"))


def test_a_week_so_far_is_compared_per_complete_day(page):
    report = shown(page, week_so_far_report())
    assert report.locator(".figures").text_content() == "$140.00 → $100.00: −$40.00 (−28.6%)"
    assert headline_direction(report) == "flat"
    assert rate_lines(report) == [
        ("Per complete day: $20.00 → $22.50: +12.5% (4 days against 7 days; today left out: not over)", "up")
    ]
    assert cells(report, "Per complete day") == [
        "Per complete day",
        "4 days against 7 days",
        "",
        "$22.50 against $20.00 (+12.5%)",
    ]
    assert cells(report, "Current")[1] == "Nov 16 – Nov 22, 2026"
