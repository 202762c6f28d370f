"""The web chat in a real browser (Debian's chromium driven by Playwright) on seeded demo
usage: dev sign-in, a question, the agents' live timeline, a report whose savings match
the demo's answer key, and a reload that rebuilds it all from the API."""

from __future__ import annotations

import re
from decimal import Decimal

from emulators.demo import DemoOptions, seed_demo
from shared_lib.clients.firestore import firestore_client
from tests.helpers import PageErrors, url_of

QUESTION = "How can we cut our LLM costs by 30%?"


def test_a_question_on_demo_data_streams_the_run_and_renders_the_answer_keys_report(
    platform, settings, browser, unique, tmp_path
):
    from playwright.sync_api import expect

    email = f"browser-{unique}@example.com"
    key = seed_demo(
        lambda name: url_of(platform, name),
        DemoOptions(tmp_path / "key.json", email=email, seed=5, days=14, calls_per_day=500),
        say=lambda _: None,
    )
    relay = url_of(platform, "relay")
    page = browser.new_page()
    errors = PageErrors(page)
    page.goto(relay)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Developer sign-in (local only): email").fill(email)
    page.get_by_role("button", name="Sign in as developer").click()
    expect(page.get_by_role("button", name="New thread")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("live", timeout=15000)

    page.get_by_role("button", name="New thread").click()
    page.get_by_label("Ask Netra").fill(QUESTION)
    page.get_by_role("button", name="Send").click()
    message = page.locator(".message", has_text=QUESTION)
    expect(message).to_be_visible()
    run_id = message.get_attribute("data-run-id")
    assert run_id
    expect(page.locator(".threads li")).to_have_count(1)  # sending during creation made no second thread

    # The live timeline, from the agents themselves, then the report.
    expect(message.locator(".timeline li", has_text="triage started")).to_be_visible(timeout=30000)
    expect(message.locator(".timeline li", has_text="optimizer done")).to_be_visible(timeout=60000)
    report = message.get_by_role("region", name="Optimization report")
    expect(report).to_be_visible(timeout=60000)
    stored = firestore_client(settings).collection("runs").document(run_id).get().to_dict()
    assert stored["status"] == "completed"
    result = stored["result"]
    injected = Decimal(key["total_savings_usd"])
    assert injected * Decimal("0.95") <= Decimal(result["projected_savings_usd"]) <= injected * Decimal("1.05")
    shown = f"projected savings ${Decimal(result['projected_savings_usd']):,.2f}"
    expect(report).to_contain_text(shown)
    expect(report.locator(".query")).to_have_text(re.compile(r"^Savings plan · "))
    top = result["recommendations"][0]
    expect(report.get_by_role("cell", name=top["title"])).to_be_visible()
    expect(report.get_by_role("img", name=re.compile(r"^Savings by lever: "))).to_be_visible()
    expect(report.get_by_role("img", name=re.compile(r"^Spend by model: "))).to_be_visible()
    # Each progress event shows once, even those a redelivery may have sent again.
    texts = message.locator(".timeline li").all_inner_texts()
    assert (
        texts.count("triage started") == 1
        and texts.count("reporting done: " + f"Report ready: {len(result['recommendations'])} recommendations") == 1
    )
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)  # kept with the test's tmp files

    # A reload rebuilds the page from the API: the open thread (from the URL), the run's stored
    # progress, and its result as the report.
    page.reload()
    reloaded = page.locator(".message", has_text=QUESTION)
    expect(reloaded.get_by_role("region", name="Optimization report")).to_contain_text(shown, timeout=15000)
    expect(reloaded.locator(".timeline li", has_text="triage done")).to_have_count(1)
    expect(reloaded.locator(".timeline li").last).to_have_text("answer ready")
    page.locator(".threads li .open", has_text=QUESTION).click()
    expect(reloaded.get_by_role("region", name="Optimization report")).to_contain_text(shown, timeout=15000)
    expect(page.get_by_role("status")).to_have_text("live", timeout=15000)

    # The page opened light (the browser prefers no dark scheme): the button turns it dark.
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    page.get_by_role("button", name="Dark mode").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_role("button", name="Light mode")).to_be_visible()
    assert not errors.unexpected("favicon"), str(errors)
    page.close()


def test_a_console_error_of_a_failed_load_is_reported_with_its_request(platform, browser, unique):
    """Chromium's console says only "Failed to load resource: … 404": the failure message a
    browser test prints names the request (method, URL, status), so the next one is found."""
    relay = url_of(platform, "relay")
    page = browser.new_page()
    errors = PageErrors(page)
    page.goto(relay)
    missing = f"{relay}/no-such-thing-{unique}"
    # Both events reach `errors` first (its listeners were registered first), then these waits.
    with page.expect_console_message(lambda m: m.type == "error"), page.expect_response(missing):
        assert page.evaluate("(url) => fetch(url, {method: 'POST'}).then((r) => r.status)", missing) == 404
    assert errors.unexpected("favicon") and all(missing in e for e in errors.unexpected("favicon")), errors
    assert f"POST {missing} → 404" in str(errors)
    page.close()
