"""The web chat in a real browser (Debian's chromium driven by Playwright): dev sign-in,
a thread, a message, live events and a rendered report, then a reload that keeps it all."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from shared_lib.clients.firestore import firestore_client
from shared_lib.clients.pubsub import publisher_client
from shared_lib.events import ClientEvent, publish_client_event
from tests.helpers import url_of

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REPORT = {
    "period": {"from": "2026-10-01", "to": "2026-10-31", "days": 31},
    "total_spend_usd": 41250.0,
    "projected_savings_usd": 12100.5,
    "projected_savings_pct": 29.3,
    "recommendations": [
        {"id": "r1", "lever": "model_rightsizing", "title": "Move ticket classification to a small model", "affected_calls": 182000,
         "current_cost_usd": 9100.0, "projected_cost_usd": 1200.0, "savings_usd": 7900.0, "savings_pct": 86.8,
         "confidence": "high", "risk": "low", "evidence": {}, "actions": []},
        {"id": "r2", "lever": "prompt_caching", "title": "Cache the 6k-token system prompt", "affected_calls": 95000,
         "current_cost_usd": 6000.0, "projected_cost_usd": 1799.5, "savings_usd": 4200.5, "savings_pct": 70.0,
         "confidence": "medium", "risk": "low", "evidence": {}, "actions": []},
    ],
    "latency_findings": [],
    "warnings": [],
    "narrative": "Two changes cut the bill by about 29%.",
}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def test_sign_in_chat_see_events_and_the_report_then_reload(platform, settings, browser, unique, tmp_path):
    from playwright.sync_api import expect

    relay = url_of(platform, "relay")
    page = browser.new_page()
    page.goto(relay)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Developer sign-in (local only): email").fill(f"browser-{unique}@example.com")
    page.get_by_role("button", name="Sign in as developer").click()
    expect(page.get_by_role("button", name="New thread")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("live", timeout=15000)

    page.get_by_role("button", name="New thread").click()
    page.get_by_label("Ask Netra").fill("Where does our LLM spend go?")
    page.get_by_role("button", name="Send").click()
    message = page.locator(".message", has_text="Where does our LLM spend go?")
    expect(message).to_be_visible()
    run_id = message.get_attribute("data-run-id")
    thread_id = page.locator(".threads li[aria-current='true']").get_attribute("data-thread-id")
    assert run_id and thread_id
    expect(page.locator(".threads li .open", has_text="Where does our LLM spend go?")).to_be_visible()
    expect(page.locator(".threads li")).to_have_count(1)  # sending during creation made no second thread
    expect(page.get_by_role("heading", name="Where does our LLM spend go?")).to_be_visible()

    # What the agents will do: progress and a final report for this user's run.
    user_id = page.evaluate("() => JSON.parse(atob(JSON.parse(sessionStorage.getItem('netra.tokens')).access_token.split('.')[1].replace(/-/g,'+').replace(/_/g,'/'))).sub")
    publisher = publisher_client(settings)
    for kind, payload in [("agent_started", {"agent": "triage"}), ("tool_executing", {"tool": "usage_summary"}),
                          ("tool_completed", {"tool": "usage_summary"}), ("agent_completed", {"agent": "reporting"}),
                          ("final_report", {"report": REPORT})]:
        publish_client_event(publisher, settings.project_id, ClientEvent(user_id, kind, payload, thread_id=thread_id, run_id=run_id)).result(10)
    expect(message.locator(".timeline li").first).to_have_text("triage started", timeout=15000)
    expect(message.locator(".timeline li", has_text="usage_summary done")).to_be_visible()
    report = message.get_by_role("region", name="Optimization report")
    expect(report).to_be_visible(timeout=15000)
    expect(report.get_by_role("cell", name="Move ticket classification to a small model")).to_be_visible()
    expect(report.get_by_role("img", name="Savings by lever: model_rightsizing $7,900.00, prompt_caching $4,200.50")).to_be_visible()
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)  # kept with the test's tmp files

    # The supervisor stores the result on the run; a reload rebuilds the page from the API.
    firestore_client(settings).collection("runs").document(run_id).update(
        {"status": "completed", "result": {"report": REPORT}, "updated_at": dt.datetime.now(dt.timezone.utc)})
    page.reload()
    page.locator(".threads li .open", has_text="Where does our LLM spend go?").click()
    reloaded = page.locator(".message", has_text="Where does our LLM spend go?")
    expect(reloaded).to_be_visible()
    expect(reloaded.get_by_role("region", name="Optimization report")).to_be_visible(timeout=15000)
    expect(page.get_by_role("status")).to_have_text("live", timeout=15000)

    page.get_by_role("button", name="Dark mode").click()
    assert page.evaluate("document.documentElement.dataset.theme") in ("dark", "light")
    page.close()
