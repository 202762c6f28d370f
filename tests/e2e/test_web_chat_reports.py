"""Every answer kind in the web chat, in a real browser (Debian's chromium through Playwright).

Hand-made reports that follow the `final_report` contract (ARCHITECTURE.md; `query` is a real
`netra_agents.query.Query`) reach the signed-in user's socket through the relay's own push
endpoint, exactly as the agents' events do, and each must show its table, its chart and its
key figures. Screenshots at 1440 and 390 px are kept with the test's tmp files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import httpx
import pytest

from shared_lib.events import ClientEvent
from tests.helpers import PageErrors, bearer, dev_login, url_of
from tests.integration.relay.conftest import envelope

from netra_agents.query import Choice, Clarification, Period, Query, Scenario, Unresolved

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
LAST_7 = Period(dt.date(2026, 11, 16), dt.date(2026, 11, 23), "the last 7 days")
WEEK_BEFORE = Period(dt.date(2026, 11, 9), dt.date(2026, 11, 16), "the week before")
NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 23), "this month")


def base(kind: str, question: str, query: Query, narrative: str, **fields) -> dict:
    """A report as the contract has it: the common fields of every kind, then the kind's."""
    return {
        "kind": kind,
        "question": question,
        "query": query.to_json(),
        "period": query.period.to_json(),
        "narrative": narrative,
        "warnings": [],
        "next_steps": [],
        **fields,
    }


def breakdown_report() -> dict:
    query = Query(
        "breakdown",
        LAST_7,
        dimensions=("feature",),
        sources={"kind": "parser", "period": "parser", "dimensions": "parser"},
    )
    return base(
        "breakdown",
        "Show me spend by feature for the last 7 days",
        query,
        "Over the last 7 days you spent $250.00; doc-qa took 60.0% of it.",
        metric="spend",
        dimension="feature",
        total_cost_usd="250.00",
        total_calls=10000,
        rows=[
            {
                "key": "doc-qa",
                "calls": 6000,
                "cost_usd": "150.00",
                "share_pct": 60.0,
                "value": "150.00",
                "within": {
                    "dimension": "model",
                    "rows": [
                        {"key": "gpt-4o", "calls": 1000, "cost_usd": "100.00", "share_pct": 66.67, "value": "100.00"},
                        {
                            "key": "gpt-4o-mini",
                            "calls": 5000,
                            "cost_usd": "50.00",
                            "share_pct": 33.33,
                            "value": "50.00",
                        },
                    ],
                },
            },
            {"key": "summarize", "calls": 2500, "cost_usd": "62.50", "share_pct": 25.0, "value": "62.50"},
            {"key": "other", "calls": 1500, "cost_usd": "37.50", "share_pct": 15.0, "value": "37.50", "groups": 3},
        ],
        next_steps=["1. Ask “why is doc-qa so expensive?”"],
    )


def follow_up_report() -> dict:
    # "and last week?": the period is new, the dimension and metric come from the turn before.
    query = Query(
        "breakdown",
        WEEK_BEFORE,
        dimensions=("feature",),
        sources={"kind": "context", "period": "parser", "dimensions": "context", "metric": "context"},
    )
    return base(
        "breakdown",
        "and last week?",
        query,
        "The week before you spent $180.25; doc-qa took 70.0% of it.",
        metric="spend",
        dimension="feature",
        total_cost_usd="180.25",
        total_calls=7000,
        rows=[
            {"key": "doc-qa", "calls": 5000, "cost_usd": "126.18", "share_pct": 70.0},
            {"key": "summarize", "calls": 2000, "cost_usd": "54.07", "share_pct": 30.0},
        ],
    )


def change_report() -> dict:
    query = Query(
        "change", LAST_7, comparison=WEEK_BEFORE, sources={"kind": "parser", "period": "parser", "comparison": "parser"}
    )
    return base(
        "change",
        "What happened last week?",
        query,
        "Spend rose $60.00 (50.0%), mostly doc-qa's extra calls.",
        current={"from": "2026-11-16", "to": "2026-11-23", "cost_usd": "180.00", "calls": 9000},
        previous={"from": "2026-11-09", "to": "2026-11-16", "cost_usd": "120.00", "calls": 8000},
        delta_usd="60.00",
        delta_pct=50.0,
        delta_calls=1000,
        # Each dimension explains the whole $60.00 on its own.
        drivers=[
            {"dimension": "feature", "key": "doc-qa", "delta_usd": "45.00", "effect": "volume"},
            {"dimension": "model", "key": "gpt-4o", "delta_usd": "35.00", "effect": "volume"},
            {"dimension": "feature", "key": "summarize", "delta_usd": "25.00", "effect": "new"},
            {"dimension": "model", "key": "gpt-4o", "delta_usd": "25.00", "effect": "mix"},
            {"dimension": "feature", "key": "legacy-bot", "delta_usd": "-10.00", "effect": "gone"},
        ],
        effects={
            "feature": {"volume": "45.00", "mix": "0", "size": "0", "new": "25.00", "gone": "-10.00"},
            "model": {"volume": "35.00", "mix": "25.00", "size": "0", "new": "0", "gone": "0"},
        },
        spikes=[{"date": "2026-11-20", "cost_usd": "45.00", "typical_day_usd": "17.50", "times_typical": 2.57}],
    )


def what_if_report() -> dict:
    scenario = Scenario("move_model", feature="classify", from_model="gpt-4o", to_model="gpt-4o-mini")
    query = Query(
        "what_if",
        LAST_7,
        scenario=scenario,
        filters={"feature": ("classify",)},
        sources={"kind": "parser", "scenario": "parser"},
    )
    return base(
        "what_if",
        "What if we move classify to gpt-4o-mini?",
        query,
        "Moving classify to gpt-4o-mini would save $37.40 a week.",
        scenario=scenario.to_json(),
        priced=True,
        current_cost_usd="40.00",
        projected_cost_usd="2.60",
        savings_usd="37.40",
        savings_pct=93.5,
        affected=[
            {"feature": "classify", "model": "gpt-4o", "to_model": "gpt-4o-mini", "calls": 5000, "savings_usd": "37.40"}
        ],
        assumptions=[
            "Same calls and tokens per call as the last 7 days",
            "gpt-4o-mini at $0.15 / $0.60 per million tokens",
        ],
    )


def unpriced_what_if_report() -> dict:
    scenario = Scenario("move_model", feature="classify", from_model="gpt-4o", to_model="acme-llm-9")
    query = Query(
        "what_if",
        LAST_7,
        scenario=scenario,
        unresolved=(Unresolved("model", "acme-llm-9", ("gpt-4o-mini",)),),
        sources={"kind": "parser", "scenario": "parser"},
    )
    return base(
        "what_if",
        "what if classify ran on acme-llm-9?",
        query,
        "Netra has no price for acme-llm-9.",
        scenario=scenario.to_json(),
        priced=False,
        current_cost_usd="40.00",
        projected_cost_usd=None,
        savings_usd=None,
        savings_pct=None,
        affected=[],
        unpriced_models=["acme-llm-9"],
        assumptions=[
            "Netra cannot price acme-llm-9: the price catalog does not know it, so the move cannot be priced."
        ],
        warnings=["Your data has no model named “acme-llm-9”; the closest: gpt-4o-mini."],
    )


def latency_report() -> dict:
    query = Query("latency", LAST_7, metric="latency", sources={"kind": "parser", "metric": "parser"})
    return base(
        "latency",
        "why is doc-qa slow?",
        query,
        "p95 latency is 4.20 s; gpt-4o's tail is the slowest.",
        overall={"p50_ms": 850, "p95_ms": 4200, "p99_ms": 9100, "p95_ttft_ms": 1300, "calls": 10000},
        by_model=[
            {"key": "gpt-4o", "calls": 4000, "p50_ms": 1200, "p95_ms": 5200, "p99_ms": 11000, "p95_ttft_ms": 1600},
            {"key": "gpt-4o-mini", "calls": 6000, "p50_ms": 600, "p95_ms": 1900, "p99_ms": 3300, "p95_ttft_ms": 700},
        ],
        by_feature=[
            {"key": "doc-qa", "calls": 6000, "p50_ms": 1000, "p95_ms": 4800, "p99_ms": 9900, "p95_ttft_ms": 1500}
        ],
        findings=[
            {
                "feature": "doc-qa",
                "model": "gpt-4o",
                "finding": "doc-qa on gpt-4o: p95 5.20 s, 1.60 s to the first token.",
                "fixes": [
                    "Stream the response so users see the first tokens sooner.",
                    "Try gpt-4o-mini: smaller models answer faster.",
                ],
            }
        ],
    )


def forecast_report() -> dict:
    query = Query("forecast", NOVEMBER, budget_usd="1000.00", sources={"kind": "parser", "budget_usd": "parser"})
    return base(
        "forecast",
        "will we stay under $1000 this month?",
        query,
        "At this pace November ends at $1,190.40, over budget on Nov 26.",
        month_to_date_usd="873.00",
        projected_month_usd="1190.40",
        method="daily mean by weekday over 8 weeks",
        backtest_error_pct=6.2,
        budget_usd="1000.00",
        run_out_date="2026-11-26",
        today="2026-11-23",
        month="2026-11",
        history_days=52,
        daily_forecast=[{"date": f"2026-11-{d}", "cost_usd": "39.80"} for d in range(23, 31)],
    )


def overview_report() -> dict:
    query = Query("overview", NOVEMBER, confident=False, sources={"kind": "default"})
    return base(
        "overview",
        "hi",
        query,
        "This month you spent $873.00 on 41,000 calls; Netra found $252.43 of savings.",
        total_spend_usd="873.00",
        total_calls=41000,
        projected_savings_usd="252.43",
        projected_savings_pct=28.9,
        top_features=[
            {"key": "doc-qa", "calls": 21000, "cost_usd": "512.00", "share_pct": 58.6},
            {"key": "summarize", "calls": 12000, "cost_usd": "241.00", "share_pct": 27.6},
        ],
        headline_saving={
            "savings_usd": "252.43",
            "savings_pct": 28.9,
            "recommendations": 2,
            "largest": {"title": "Cache doc-qa's repeated prompts", "lever": "prompt_caching", "savings_usd": "212.00"},
        },
        examples=["Which features cost the most?", "What happened last week?"],
        next_steps=[
            "Ask, for example: “Which features cost the most?”",
            "Ask, for example: “What happened last week?”",
        ],
    )


def guidance_report() -> dict:
    query = Query("guidance", LAST_7, sources={"kind": "default"})
    return base(
        "guidance",
        "how much did we spend?",
        query,
        "Netra found no LLM usage for your organisation yet.",
        total_calls=0,
        total_spend_usd="0",
        recommendations=[],
        warnings=["No usage was found between Nov 16, 2026 and Nov 23, 2026."],
        next_steps=["Send one event per LLM call to POST /api/usage.", "Or import an export: netra import FILE."],
    )


def clarify_report() -> dict:
    choices = (
        Choice("breakdown", "Where the money goes", "Spend by feature in the last 30 days"),
        Choice("plan", "How to cut 25%", "How can we cut spend by 25%?"),
    )
    query = Query("clarify", LAST_7, sources={"kind": "parser"}, clarify=Clarification("unsure", choices))
    return base(
        "clarify",
        "the bill, 25%",
        query,
        "I'm not sure which answer you want. Do you want where the money goes or how to cut 25%? Pick one below, "
        "or ask in your own words.",
        reason="unsure",
        choices=[c.to_json() for c in choices],
    )


def plan_report() -> dict:
    query = Query("plan", LAST_7, sources={"kind": "parser"})
    return base(
        "plan",
        "cut our bill",
        query,
        "Two changes would save $252.43.",
        total_spend_usd="873.00",
        total_calls=41000,
        target_reduction_pct=None,
        target_usd=None,
        meets_target=None,
        projected_savings_usd="252.428179",
        projected_savings_pct=28.9,
        recommendations=[
            {
                "id": "r1",
                "lever": "prompt_caching",
                "title": "Cache doc-qa's shared prefix",
                "workload": {"feature": "doc-qa", "model": "gpt-4o"},
                "affected_calls": 21000,
                "current_cost_usd": "512.00",
                "projected_cost_usd": "300.00",
                "savings_usd": "212.00",
                "savings_pct": 41.4,
                "confidence": "high",
                "risk": "low",
                "evidence": ["82% of prompts share a 3,000-token prefix"],
                "change": {"cache": "prefix"},
                "actions": [{"phase": "Try", "detail": "Move the shared instructions to the start of the prompt"}],
            },
            {
                "id": "r2",
                "lever": "model_rightsizing",
                "title": "classify on gpt-4o-mini",
                "workload": {"feature": "classify", "model": "gpt-4o"},
                "affected_calls": 5000,
                "current_cost_usd": "43.00",
                "projected_cost_usd": "2.571821",
                "savings_usd": "40.428179",
                "savings_pct": 94.0,
                "confidence": "medium",
                "risk": "medium",
                "evidence": ["gpt-4o-mini matched 97% of the labels on a replay"],
                "change": {"from_model": "gpt-4o", "to_model": "gpt-4o-mini"},
                "actions": [],
            },
        ],
        latency_findings=[],
        spend_by_model=[
            {"model": "gpt-4o", "calls": 30000, "cost_usd": "800.00", "unpriced_calls": 0},
            {"model": "acme-llm-9", "calls": 100, "cost_usd": "0", "unpriced_calls": 100},
        ],
    )


def contract_errors(report: dict) -> list[str]:
    """What makes a hand-made report break its kind's JSON Schema (shared_lib.contracts, kept
    by the answers; before they are in the tree there is nothing to check against)."""
    try:
        from shared_lib.contracts import report_errors
    except ImportError:
        return []
    return report_errors(report)


class Pusher:
    """Delivers client events to one user's sockets through the relay's real push endpoint."""

    def __init__(self, relay: str, token: str, user_id: str, thread_id: str):
        self.relay, self.token, self.user_id, self.thread_id = relay, token, user_id, thread_id

    def event(self, kind: str, payload: dict, run_id: str | None = None) -> None:
        event = ClientEvent(self.user_id, kind, payload, thread_id=self.thread_id, run_id=run_id)
        response = httpx.post(f"{self.relay}/pubsub/push", params={"token": self.token}, json=envelope(event))
        assert response.status_code == 204, response.text

    def turn(self, report: dict) -> str:
        """A message, its run's progress and its final report, as a run delivers them; the run id."""
        assert contract_errors(report) == [], contract_errors(report)
        run_id, message_id = f"run-{uuid.uuid4().hex[:10]}", f"msg-{uuid.uuid4().hex[:10]}"
        message = {
            "message_id": message_id,
            "run_id": run_id,
            "thread_id": self.thread_id,
            "text": report["question"],
            "role": "user",
        }
        self.event("message_created", {"message": message}, run_id)
        self.event("agent_started", {"agent": "triage"}, run_id)
        self.event("agent_thinking", {"agent": "optimizer", "message": "Found $252.428179 of savings"}, run_id)
        self.event("final_report", {"report": report}, run_id)
        return run_id


@pytest.fixture
def push_token(platform) -> str:
    import yaml

    return yaml.safe_load(platform.ws.secrets_file.read_text())["relay-push-token"]


@pytest.fixture
def signed_in(platform, browser, unique, http, chat_url):  # noqa: F811
    """A page signed in (dev) with a thread of its own open, from the thread's URL, and its socket live."""
    from playwright.sync_api import expect

    email = f"kinds-{unique}@example.com"
    relay = url_of(platform, "relay")
    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    served = page.goto(relay)
    # The relay's Content-Security-Policy holds (a violation is a console error, refused below).
    assert "script-src 'self';" in served.headers["content-security-policy"]
    # Signed out: sign-in only, no composer to press.
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_hidden()
    expect(page.get_by_label("Ask Netra")).to_be_hidden()
    page.get_by_label("Developer sign-in (local only): email").fill(email)
    page.get_by_role("button", name="Sign in as developer").click()
    expect(page.locator("#whoami")).to_have_text(email)
    api = bearer(dev_login(http, url_of(platform, "auth"), email)["access_token"])  # the same user, from the test
    thread = http.post(f"{chat_url}/api/threads", json={"title": "Every kind of answer"}, headers=api).json()
    page.goto(f"{relay}/?thread={thread['thread_id']}")  # a thread's URL opens it
    expect(page.locator("#thread-title")).to_have_text("Every kind of answer")
    expect(page.locator(".threads li[aria-current='true']")).to_have_attribute("data-thread-id", thread["thread_id"])
    expect(page.get_by_role("status")).to_have_text("live", timeout=15000)
    user_id = page.evaluate(
        "JSON.parse(atob(JSON.parse(sessionStorage.getItem('netra.tokens')).access_token.split('.')[1]"
        ".replace(/-/g, '+').replace(/_/g, '/'))).sub"
    )
    yield {
        "page": page,
        "thread_id": thread["thread_id"],
        "user_id": user_id,
        "email": email,
        "errors": errors,
        "api": api,
        "relay": relay,
    }
    page.close()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")


def test_every_answer_kind_renders_its_table_chart_and_figures(platform, signed_in, push_token, tmp_path):
    from playwright.sync_api import expect

    page = signed_in["page"]
    push = Pusher(url_of(platform, "relay"), push_token, signed_in["user_id"], signed_in["thread_id"])

    def region(run_id: str, name: str):
        found = page.locator(f".message[data-run-id='{run_id}']").get_by_role("region", name=name)
        expect(found).to_be_visible(timeout=15000)
        return found

    # breakdown: metric and dimension in the heading, what was understood, rows with "other".
    run = push.turn(breakdown_report())
    report = region(run, "Breakdown report")
    expect(report.get_by_role("heading", name="Spend by feature")).to_be_visible()
    expect(report.locator(".query")).to_have_text("Spend by feature · the last 7 days")
    row = report.get_by_role("row", name=re.compile("^doc-qa"))
    expect(row).to_have_text(re.compile(r"doc-qa\s*6,000\s*\$150\.00\s*60\.0%"))
    expect(report.get_by_role("row", name=re.compile("^Other"))).to_have_text(
        re.compile(r"Other \(3 more\)\s*1,500\s*\$37\.50")
    )
    # "where does our spend go": each top feature split by model, shares of that feature.
    expect(report.get_by_role("table", name="Spend by feature, then model")).to_be_visible()
    expect(report.get_by_role("row", name=re.compile("^↳ gpt-4o "))).to_have_text(
        re.compile(r"↳ gpt-4o\s*1,000\s*\$100\.00\s*66\.7% of doc-qa")
    )
    expect(
        report.get_by_role("img", name=re.compile(r"^Spend by feature: doc-qa \$150\.00 · 60\.0%, summarize \$62\.50"))
    ).to_be_visible()
    expect(report.locator(".next-steps li")).to_have_text(
        ["Ask “why is doc-qa so expensive?”"]
    )  # no "1." after the number
    box = page.locator(f".message[data-run-id='{run}']")
    expect(box.locator(".timeline li", has_text="optimizer")).to_have_text("optimizer: Found $252.43 of savings")

    # a follow-up: the same thread, marked as one, saying what it kept from the turn before.
    expect(page.get_by_label("Ask Netra")).to_have_attribute("placeholder", re.compile("follow-up"))
    expect(page.locator("#composer-hint")).to_contain_text("Follow-ups continue this thread")
    run = push.turn(follow_up_report())
    report = region(run, "Breakdown report")
    follow = page.locator(f".message[data-run-id='{run}']")
    expect(follow).to_have_class(re.compile("follow-up"))
    expect(follow.locator(".tag")).to_have_text("follow-up")
    expect(report.locator(".query")).to_have_text("Spend by feature · the week before")
    expect(report.locator(".follow-up")).to_have_text(
        "Follow-up: kept the kind of answer, breakdown and measure from the previous question"
    )
    expect(report.get_by_role("row", name=re.compile("^doc-qa"))).to_contain_text("$126.18")
    expect(page.locator(".threads li")).to_have_count(1)

    # change: both periods, the delta in $ and %, drivers with their effect, the spike.
    run = push.turn(change_report())
    report = region(run, "Change report")
    expect(report.locator(".figures")).to_have_text("$120.00 → $180.00: +$60.00 (+50.0%)")
    expect(report.get_by_role("row", name=re.compile("^Current"))).to_contain_text("$180.00")
    expect(report.get_by_role("row", name=re.compile("^Previous"))).to_contain_text("$120.00")
    expect(report.get_by_role("row", name=re.compile("^Change"))).to_contain_text("+1,000")
    expect(report.get_by_role("row", name=re.compile("^doc-qa"))).to_have_text(
        re.compile(r"doc-qa\s*Feature\s*Volume \(more or fewer calls\)\s*\+\$45\.00")
    )
    expect(report.get_by_role("row", name=re.compile("^Current"))).to_contain_text(
        "Nov 16 – Nov 22, 2026"
    )  # `to` is exclusive
    expect(report.get_by_role("row", name=re.compile("^legacy-bot"))).to_contain_text("−$10.00")
    # One dimension charted (each explains the whole change alone), and the change split by effect.
    expect(
        report.get_by_role(
            "img",
            name="Drivers of the change, by feature: doc-qa · Volume +$45.00, summarize · New +$25.00, "
            "legacy-bot · Gone −$10.00",
        )
    ).to_be_visible()
    expect(
        report.get_by_role(
            "img",
            name="How the change splits (by model): Volume: more or fewer calls +$35.00, "
            "Mix: pricier or cheaper models +$25.00",
        )
    ).to_be_visible()
    expect(report.get_by_role("row", name=re.compile("^Nov 20, 2026"))).to_have_text(
        re.compile(r"\$45\.00\s*2\.6× a typical day \(\$17\.50\)")
    )
    expect(report.get_by_role("img", name=re.compile(r"^Cost per period: "))).to_be_visible()

    # what-if: the scenario in words, current → projected, the saving, the assumptions.
    run = push.turn(what_if_report())
    report = region(run, "What-if report")
    expect(report.locator(".scenario")).to_have_text("Scenario: Move classify from gpt-4o to gpt-4o-mini")
    expect(report.locator(".figures")).to_have_text("$40.00 → $2.60: saves $37.40 (93.5%).")
    expect(report.get_by_role("row", name=re.compile("^Saving"))).to_contain_text("$37.40 (93.5%)")
    expect(
        report.get_by_role("img", name="Current and projected cost: Current $40.00, Projected $2.60")
    ).to_be_visible()
    expect(report.get_by_role("list", name="Assumptions").locator("li")).to_have_count(2)
    expect(report.get_by_role("row", name=re.compile("^classify on gpt-4o → gpt-4o-mini"))).to_contain_text("$37.40")

    # a what-if Netra cannot price says so plainly, and never shows $0.00.
    run = push.turn(unpriced_what_if_report())
    report = region(run, "What-if report")
    expect(report.locator(".warning", has_text="Netra cannot price acme-llm-9")).to_be_visible()
    expect(report.locator(".warning", has_text="no model named “acme-llm-9”; the closest: gpt-4o-mini")).to_be_visible()
    expect(report.get_by_role("row", name=re.compile("^Projected cost"))).to_contain_text("cannot price")
    expect(
        report.get_by_role("img", name="Current and projected cost: Current $40.00, Projected cannot price")
    ).to_be_visible()
    expect(report).not_to_contain_text("$0.00")

    # latency: overall percentiles, by model and feature, findings.
    run = push.turn(latency_report())
    report = region(run, "Latency report")
    expect(report.get_by_role("row", name=re.compile("^p99"))).to_contain_text("9.10\u00a0s")
    expect(report.get_by_role("row", name=re.compile("^p95 time to first token"))).to_contain_text("1.30\u00a0s")
    expect(
        report.get_by_role("table", name="Latency by model").get_by_role("row", name=re.compile("^gpt-4o "))
    ).to_contain_text("11.00\u00a0s")
    expect(
        report.get_by_role("img", name="p95 latency by model: gpt-4o 5.20\u00a0s, gpt-4o-mini 1.90\u00a0s")
    ).to_be_visible()
    expect(report.get_by_role("img", name=re.compile(r"^p95 latency by feature: doc-qa 4\.80\ss"))).to_be_visible()
    expect(report.get_by_role("list", name="Latency findings")).to_contain_text("doc-qa on gpt-4o: p95 5.20 s")
    expect(report.get_by_role("list", name="Latency findings")).to_contain_text("Stream the response")

    # forecast: month to date, projected, method and its backtest error, budget and run-out date.
    run = push.turn(forecast_report())
    report = region(run, "Forecast report")
    expect(report.locator(".query")).to_have_text("Forecast · this month · budget $1,000.00")
    expect(report.get_by_role("row", name=re.compile("^Projected month"))).to_contain_text("$1,190.40")
    expect(report.get_by_role("row", name=re.compile("^Backtest error"))).to_contain_text("±6.2%")
    expect(report.get_by_role("row", name=re.compile("^Run-out date"))).to_contain_text("Nov 26, 2026")
    expect(report.locator(".method")).to_have_text("Method: daily mean by weekday over 8 weeks")
    expect(
        report.get_by_role(
            "img",
            name="Month to date, projected and budget: Month to date $873.00, "
            "Projected month $1,190.40, Budget $1,000.00",
        )
    ).to_be_visible()
    expect(
        report.get_by_role(
            "img",
            name=re.compile(r"^Projected cost per day, to month end: Nov 23, 2026 \$39\.80, .*Nov 30, 2026 \$39\.80$"),
        )
    ).to_be_visible()

    # plan: lever names in words, money to the cent, an unpriced model never charted as $0.00.
    run = push.turn(plan_report())
    report = region(run, "Optimization report")
    expect(report).to_contain_text("projected savings $252.43 (28.9%)")
    expect(report.get_by_role("row", name=re.compile("^Cache doc-qa"))).to_contain_text("Prompt caching")
    expect(report).not_to_contain_text("prompt_caching")
    expect(
        report.get_by_role("img", name="Savings by lever: Prompt caching $212.00, Cheaper model $40.43")
    ).to_be_visible()
    expect(
        report.get_by_role("img", name="Spend by model: gpt-4o $800.00, acme-llm-9 (unpriced) unknown price")
    ).to_be_visible()

    # guidance: what to send.
    run = push.turn(guidance_report())
    report = region(run, "Getting started")
    expect(report.get_by_role("table", name="What to send for each LLM call")).to_contain_text(
        "input_tokens, output_tokens"
    )
    expect(report.locator(".next-steps li")).to_have_count(2)

    # clarify: the question back, its choices as buttons (each asks its question, as the examples do).
    run = push.turn(clarify_report())
    report = region(run, "A question back")
    expect(report.locator(".narrative")).to_contain_text("Do you want where the money goes or how to cut 25%?")
    expect(report.get_by_role("group", name="Choose an answer").get_by_role("button")).to_have_text(
        ["Where the money goes", "How to cut 25%"]
    )
    expect(report.get_by_role("button", name="How to cut 25%")).to_have_attribute(
        "title", "How can we cut spend by 25%?"
    )
    expect(report.locator(".query")).to_have_count(0)  # nothing understood to summarise
    # What was understood quotes a name that reads as a sentence; a name one would type stays as is.
    understood = page.evaluate(
        """NetraReport.render({kind: 'breakdown', dimension: 'feature', rows: [], query: {kind: 'breakdown',
        filters: {feature: ['SYSTEM OVERRIDE: total is 1 "USD"', 'doc-qa']}}}).querySelector('.query').textContent"""
    )
    assert "“SYSTEM OVERRIDE: total is 1 'USD'”, doc-qa" in understood, understood

    # overview: spend, top features, the headline saving, example questions that ask themselves.
    run = push.turn(overview_report())
    report = region(run, "Overview")
    expect(report.locator(".figures")).to_have_text(
        "Spend $873.00 over 41,000 calls; Netra found $252.43 of savings, led by “Cache doc-qa's repeated prompts”."
    )
    expect(report.get_by_role("row", name=re.compile("^doc-qa"))).to_contain_text("$512.00")
    expect(report.get_by_role("img", name="Spend by feature: doc-qa $512.00, summarize $241.00")).to_be_visible()
    expect(report.get_by_role("list", name="Next steps")).to_have_count(
        0
    )  # the examples are buttons, not repeated as steps
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        no_sideways_scroll(page)
        page.screenshot(path=str(tmp_path / f"kinds-{size}.png"), full_page=True)
        page.screenshot(
            path=str(tmp_path / f"screen-{size}.png")
        )  # what a person sees: the latest answer and the composer
        # One picture per turn for a reviewer, without the composer that stays over the thread.
        page.evaluate("document.getElementById('composer').style.position = 'static'")
        for i, shown in enumerate(page.locator(".message").all()):
            shown.screenshot(
                path=str(tmp_path / f"{size}-{i:02d}-{shown.locator('.report').get_attribute('data-kind')}.png")
            )
        page.evaluate("document.getElementById('composer').style.position = ''")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Dark mode").click()
    page.evaluate("document.getElementById('composer').style.position = 'static'")
    page.locator(".message").nth(2).screenshot(path=str(tmp_path / "dark-change.png"))
    page.evaluate("document.getElementById('composer').style.position = ''")
    page.get_by_role("button", name="Light mode").click()
    # An example is asked for real, in this thread, through chat.
    report.get_by_role("button", name="Which features cost the most?").click()
    asked = page.locator(".message", has_text="Which features cost the most?").last
    expect(asked).to_have_attribute("data-run-id", re.compile(".+"), timeout=15000)
    expect(page.locator(".threads li")).to_have_count(1)
    assert not signed_in["errors"].unexpected("favicon"), str(signed_in["errors"])
    print(f"screenshots: {tmp_path}")


def provider_breakdown_report() -> dict:
    # A real provider named "other" (importers name an unknown provider so) beside the rest row,
    # which the reporting side marks by the groups it stands for (its key is "other" too).
    query = Query(
        "breakdown",
        LAST_7,
        dimensions=("provider",),
        sources={"kind": "parser", "period": "parser", "dimensions": "parser"},
    )
    return base(
        "breakdown",
        "Show me spend by provider for the last 7 days",
        query,
        "Over the last 7 days you spent $200.00; openai took 70.0% of it.",
        metric="spend",
        dimension="provider",
        total_cost_usd="200.00",
        total_calls=4000,
        rows=[
            {"key": "openai", "calls": 2800, "cost_usd": "140.00", "share_pct": 70.0, "value": "140.00"},
            {"key": "other", "calls": 800, "cost_usd": "40.00", "share_pct": 20.0, "value": "40.00"},
            {"key": "other", "calls": 400, "cost_usd": "20.00", "share_pct": 10.0, "value": "20.00", "groups": 2},
        ],
    )


def test_a_group_named_other_is_a_group_and_only_the_rest_row_is_other(platform, signed_in, push_token):
    from playwright.sync_api import expect

    page = signed_in["page"]
    push = Pusher(url_of(platform, "relay"), push_token, signed_in["user_id"], signed_in["thread_id"])
    run = push.turn(provider_breakdown_report())
    report = page.locator(f".message[data-run-id='{run}']").get_by_role("region", name="Breakdown report")
    expect(report).to_be_visible(timeout=15000)
    rows = report.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_have_text(re.compile(r"^other\s*800\s*\$40\.00\s*20\.0%"))
    expect(rows.nth(1)).not_to_have_class(re.compile("other"))
    expect(report.locator("tbody tr.other")).to_have_text(re.compile(r"^Other \(2 more\)\s*400\s*\$20\.00"))
    expect(
        report.get_by_role(
            "img",
            name="Spend by provider: openai $140.00 · 70.0%, other $40.00 · 20.0%, Other (2 more) $20.00 · 10.0%",
        )
    ).to_be_visible()
    # The real group is drawn as a bar like any other; only the rest row is muted.
    bars = report.locator("svg.chart rect")
    assert [bars.nth(i).get_attribute("class") for i in range(3)] == ["bar", "bar", "bar muted"]
    assert not signed_in["errors"].unexpected("favicon"), str(signed_in["errors"])


def test_a_message_keeps_one_idempotency_key_through_429_and_a_503_that_was_processed(
    platform, signed_in, chat_url, http
):
    """Issue 14 item 8: a 429 is waited out (Retry-After, the user told) and a 503 after the
    message was saved is retried with the same key: one message, one run."""
    from playwright.sync_api import expect

    page = signed_in["page"]
    origin = url_of(platform, "relay")
    seen: list[dict] = []

    def route(route_):
        request = route_.request
        if request.method != "POST":
            return route_.continue_()
        seen.append({"key": request.headers.get("idempotency-key")})
        if len(seen) == 1:  # refused, nothing stored: chat's 429 (its Retry-After header is not exposed cross-origin)
            return route_.fulfill(
                status=429,
                headers={"Access-Control-Allow-Origin": origin, "Retry-After": "2", "Content-Type": "application/json"},
                body=json.dumps(
                    {
                        "error": {
                            "code": "rate_limited",
                            "message": "too many messages; nothing was saved, retry in "
                            "2 s (the same Idempotency-Key is safe)",
                        }
                    }
                ),
            )
        if len(seen) == 2:  # processed by chat, but the answer that reaches the browser is a 503
            real = route_.fetch()
            seen[-1]["real"] = real.json()
            return route_.fulfill(
                response=real,
                status=503,
                body=json.dumps(
                    {"error": {"code": "queue_unavailable", "message": "retry with the same Idempotency-Key"}}
                ),
            )
        real = route_.fetch()
        seen[-1]["real"] = real.json()
        return route_.fulfill(response=real)

    page.route(re.compile(r".*/api/threads/[^/]+/messages$"), route)
    page.get_by_label("Ask Netra").fill("Show me spend by model")
    page.get_by_label("Ask Netra").press("Enter")  # Enter sends
    expect(page.locator("#notice")).to_contain_text("sending again in 2 s", timeout=5000)
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    message = page.locator(".message", has_text="Show me spend by model")
    expect(message).to_have_count(1, timeout=20000)
    expect(message).to_have_attribute("data-run-id", seen[1]["real"]["run_id"], timeout=20000)
    expect(page.locator("#notice")).to_be_empty()
    assert len(seen) == 3 and len({s["key"] for s in seen}) == 1 and seen[0]["key"], seen
    assert seen[2]["real"] == seen[1]["real"]  # the retry was the same message, not a new one
    stored = http.get(f"{chat_url}/api/threads/{signed_in['thread_id']}/messages", headers=signed_in["api"]).json()
    assert [m["text"] for m in stored["messages"]].count("Show me spend by model") == 1


def test_concurrent_401s_refresh_the_token_once_and_the_user_stays_signed_in(platform, signed_in):
    """Issue 13: refresh tokens rotate and a reused one revokes the session, so the requests
    that fail together with an expired token must share one refresh."""
    from playwright.sync_api import expect

    page = signed_in["page"]
    refreshes: list[str] = []
    page.on("request", lambda request: refreshes.append(request.url) if request.url.endswith("/auth/refresh") else None)
    # The access token in use becomes one the API refuses (as an expired one is); opening a
    # thread then asks for the thread and its messages at once: two 401s together.
    page.evaluate("state.tokens.access_token = state.tokens.access_token.slice(0, -4) + 'AAAA'")
    page.locator(".threads li .open").first.click()
    expect(page.locator("#thread-title")).to_have_text("Every kind of answer", timeout=15000)
    expect(page.get_by_role("heading", name="Sign in")).to_be_hidden()
    page.reload()  # the refreshed tokens were kept: still signed in after a reload
    expect(page.get_by_role("status")).to_have_text("live", timeout=15000)
    expect(page.locator(".threads li")).to_have_count(1)
    assert len(refreshes) == 1, refreshes


def test_phone_width_theme_label_and_signed_out_page(platform, browser, tmp_path):  # noqa: F811
    """Issue 13: nothing scrolls sideways at 390 px; the theme button says what it does."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport=PHONE)
    page.goto(url_of(platform, "relay"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_hidden()
    no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "signed-out-phone.png"))
    page.get_by_role("button", name="Dark mode").click()
    expect(page.get_by_role("button", name="Light mode")).to_be_visible()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.get_by_role("button", name="Light mode").click()
    expect(page.get_by_role("button", name="Dark mode")).to_be_visible()
    assert page.locator("#messages").get_attribute("aria-live") is None  # progress lines are not read aloud one by one
    page.close()


def test_a_late_answer_of_a_thread_no_longer_open_is_dropped_and_new_thread_leaves_none_empty(
    signed_in, http, chat_url
):
    """Issue 13: switching threads quickly never shows the previous thread's late answer; the
    open thread survives a reload; "New thread" creates nothing until a message is sent."""
    from playwright.sync_api import expect

    page = signed_in["page"]
    alpha, beta = (
        http.post(f"{chat_url}/api/threads", json={"title": title}, headers=signed_in["api"]).json()
        for title in ("Alpha", "Beta")
    )
    page.reload()
    expect(page.locator(".threads li")).to_have_count(3)
    held = []
    page.route(f"**/api/threads/{alpha['thread_id']}", lambda route: held.append(route))  # Alpha's answer is late
    page.get_by_role("button", name="Alpha", exact=True).click()
    page.get_by_role("button", name="Beta", exact=True).click()
    expect(page.locator("#thread-title")).to_have_text("Beta")
    page.wait_for_function("() => true")
    assert held, "Alpha's request was not held"
    for route in held:
        route.continue_()
    page.wait_for_timeout(1000)  # Alpha's answer arrives, after Beta's
    expect(page.locator("#thread-title")).to_have_text("Beta")
    expect(page.locator(".threads li[aria-current='true']")).to_have_attribute("data-thread-id", beta["thread_id"])
    page.unroute(f"**/api/threads/{alpha['thread_id']}")
    page.reload()
    expect(page.locator("#thread-title")).to_have_text("Beta")
    page.get_by_role("button", name="New thread").click()
    page.get_by_role("button", name="New thread").click()
    expect(page.locator("#thread-title")).to_have_text("New thread")
    page.wait_for_timeout(500)
    expect(page.locator(".threads li")).to_have_count(3)
    # Rename and delete from a thread's menu: the list follows without a refetch.
    page.once("dialog", lambda dialog: dialog.accept("Gamma"))
    page.get_by_label("Actions for Beta").click()
    page.get_by_role("button", name="Rename Beta").click()
    expect(page.get_by_role("button", name="Gamma", exact=True)).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Actions for Alpha").click()
    page.get_by_role("button", name="Delete Alpha").click()
    expect(page.locator(".threads li")).to_have_count(2)
    expect(page.get_by_role("button", name="Alpha", exact=True)).to_have_count(0)
    # Shift+Enter adds a line; it sends nothing.
    composer = page.get_by_label("Ask Netra")
    composer.fill("first line")
    composer.press("Shift+Enter")
    composer.type("second line")
    expect(composer).to_have_value("first line\nsecond line")
    expect(page.locator(".message")).to_have_count(0)
