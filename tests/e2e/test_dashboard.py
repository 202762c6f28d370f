"""The dashboard and settings views in a real browser (Debian's chromium through Playwright),
at 1440×900 and 390×844, on usage posted through analytics with the user's own token.

Every figure on the dashboard is checked against the same analytics call the page made (its
range is on the page); settings create a key that is shown once, revoke it (analytics then
refuses it), and set a budget that the dashboard shows. axe-core (npm, installed once into
.venv, see `axe_source`) finds no serious or critical violation on any view. Screenshots go
to the test's tmp directory (`pytest --basetemp=…` to keep them somewhere known).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from tests.helpers import PageErrors, bearer, dev_login, eventually, url_of

ROOT = Path(__file__).resolve().parents[2]
# Installed by `make test` from tests/e2e/browser/package.json (and its lock).
AXE_SCRIPT = ROOT / "tests" / "e2e" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser build."""
    assert AXE_SCRIPT.is_file(), f"{AXE_SCRIPT} is missing: `make test` installs it (npm ci in tests/e2e/browser)"
    return AXE_SCRIPT.read_text()


def serious_violations(page, axe_source: str) -> list[dict]:
    # Evaluated through the browser's debugger, which the page's CSP does not govern: the
    # page itself still runs under its policy (a violation would be a console error).
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' '))}))""")


def cents(amount) -> str:
    """How the page shows an exact decimal amount: to the cent, half up."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"${value:,.2f}"


def share(part, total) -> str:
    return f"{(Decimal(str(part)) * 100 / Decimal(str(total))).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def usage(unique: str) -> list[dict]:
    """Calls over the last days: two features on two priced models, and one model nobody prices."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    rows, n = [], 0
    for days_ago, feature, model, tokens, count in [
        (0, "support", "gpt-4o", (1200, 400), 3),
        (1, "support", "gpt-4o-mini", (5000, 900), 7),
        (2, "search", "gpt-4o", (800, 150), 4),
        (4, "search", "gpt-4o-mini", (300, 80), 5),
        (1, "search", "acme-private-7b", (1000, 100), 2),
    ]:
        for _ in range(count):
            n += 1
            moment = now - dt.timedelta(days=days_ago, minutes=n)
            rows.append(
                {
                    "event_id": f"{unique}-{n}",
                    "timestamp": moment.isoformat().replace("+00:00", "Z"),
                    "provider": "openai" if model.startswith("gpt") else "other",
                    "model": model,
                    "input_tokens": tokens[0],
                    "output_tokens": tokens[1],
                    "latency_ms": 300 + n,
                    "feature": feature,
                }
            )
    return rows


@pytest.fixture
def seeded(platform, http, unique):
    """A user whose org has the usage above, stored (analytics answers with all of it)."""
    email = f"dash-{unique}@example.com"
    analytics = url_of(platform, "analytics")
    headers = bearer(dev_login(http, url_of(platform, "auth"), email)["access_token"])
    rows = usage(unique)
    accepted = http.post(f"{analytics}/api/usage", json=rows, headers=headers)
    assert accepted.status_code == 200 and accepted.json()["accepted"] == len(rows), accepted.text
    eventually(
        lambda: http.get(f"{analytics}/api/usage/summary", headers=headers).json()["totals"]["calls"] >= len(rows),
        60,
        interval=0.5,
        what="the usage stored",
    )
    return {
        "email": email,
        "headers": headers,
        "analytics": analytics,
        "relay": url_of(platform, "relay"),
        "calls": len(rows),
    }


def open_page(browser, relay: str, viewport: dict):  # noqa: F811
    context = browser.new_context(viewport=viewport)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=relay)
    page = context.new_page()
    errors = PageErrors(page)
    return context, page, errors


def sign_in(page, relay: str, email: str) -> None:
    from playwright.sync_api import expect

    page.goto(relay)
    page.get_by_label("Developer sign-in (local only): email").fill(email)
    page.get_by_role("button", name="Sign in as developer").click()
    expect(page.locator("#whoami")).to_have_text(email)


def day_name(day: str) -> str:
    """How the page names a day: "Dec 8, 2026"."""
    date = dt.date.fromisoformat(day)
    return f"{date:%b} {date.day}, {date.year}"


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_dashboard_shows_exactly_what_analytics_answers(browser, seeded, http, axe_source, tmp_path, size):  # noqa: F811
    from playwright.sync_api import expect

    context, page, errors = open_page(browser, seeded["relay"], VIEWPORTS[size])
    sign_in(page, seeded["relay"], seeded["email"])
    page.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(re.compile(r"\?view=dashboard&days=30&by=feature$"))
    figures = page.get_by_role("definition")
    expect(page.locator(".figure.calls .value")).to_have_text(f"{seeded['calls']:,}", timeout=20000)

    # The page's own range, asked again of analytics: the same numbers, to the cent.
    body = page.locator("#dashboard-body")
    window = {"from": body.get_attribute("data-from"), "to": body.get_attribute("data-to")}
    ask = lambda path, **params: http.get(
        f"{seeded['analytics']}{path}", params={**window, **params}, headers=seeded["headers"]
    ).json()  # noqa: E731
    features, models = ask("/api/usage/summary", group_by="feature"), ask("/api/usage/summary", group_by="model")
    total = Decimal(features["totals"]["cost_usd"])
    assert total > 0 and features["unpriced"]["calls"] == 2
    expect(page.locator(".figure.spend .value")).to_have_text(cents(total))
    expect(page.locator(".figure.spend .detail")).to_have_text("+ 2 calls at unknown price")
    expect(page.locator(".figure.unpriced .value")).to_have_text("2")
    for group in features["groups"]:
        row = page.get_by_role("table", name="Top features").get_by_role("row", name=re.compile(f"^{group['key']} "))
        shown = f"{cents(group['cost_usd'])} + 2 unpriced" if group["unpriced_calls"] else cents(group["cost_usd"])
        expect(row).to_have_text(
            re.compile(
                rf"{group['key']}\s*{group['calls']}\s*{re.escape(shown)}\s*{re.escape(share(group['cost_usd'], total))}"
            )
        )
    for group in models["groups"]:
        row = page.get_by_role("table", name="Top models").get_by_role(
            "row", name=re.compile(f"^{re.escape(group['key'])} ")
        )
        if group["key"] == "acme-private-7b":  # nobody prices it: never $0.00
            expect(row).to_have_text(re.compile(r"acme-private-7b\s*2\s*unknown price\s*—"))
        else:
            expect(row).to_have_text(
                re.compile(rf"{re.escape(cents(group['cost_usd']))}\s*{re.escape(share(group['cost_usd'], total))}$")
            )
    unpriced = page.get_by_role("table", name="Unpriced calls by model")
    expect(unpriced.get_by_role("row", name=re.compile("^acme-private-7b"))).to_have_text(
        re.compile(r"acme-private-7b\s*other · search\s*2\s*2,200\s*unknown price$")
    )
    assert "$0.00" not in unpriced.inner_text()

    # The stacked days add up to the same total (from the daily series, summed exactly).
    series = ask("/api/usage/timeseries", interval="day", group_by="feature")
    assert sum(Decimal(p["cost_usd"]) for s in series["series"] for p in s["points"]) == total
    chart = page.get_by_role("img", name=re.compile(r"^Spend per day by feature, last 30 days: "))
    expect(chart).to_have_attribute("aria-label", re.compile(re.escape(f"{cents(total)} in all; ")))

    # Every day's bar says the day's total as analytics gives it; today's (the range ends now)
    # says it is spend so far, is the only one drawn as partial, and the chart says so in words.
    today, until = window["to"][:10], window["to"][11:16]
    per_day: dict[str, Decimal] = {today: Decimal(0)}
    for s in series["series"]:
        for p in s["points"]:
            per_day[p["bucket"][:10]] = per_day.get(p["bucket"][:10], Decimal(0)) + Decimal(p["cost_usd"])
    expect(page.locator("#dashboard-body g.day")).to_have_count(30)
    for day, spent in per_day.items():
        name = day_name(day) + (f", today (so far, to {until} UTC)" if day == today else "")
        expect(page.locator(f'#dashboard-body g.day[data-day="{day}"]')).to_have_attribute(
            "aria-label", f"{name}: {cents(spent)}"
        )
    partial = page.locator("#dashboard-body g.day.partial")
    expect(partial).to_have_count(1)
    expect(partial).to_have_attribute("data-day", today)
    expect(chart).to_have_attribute(
        "aria-label",
        re.compile(re.escape(f". Today is not over: {cents(per_day[today])} so far, to {until} UTC") + "$"),
    )
    expect(page.locator(".partial-note")).to_have_text(f"Today is not over: its bar is spend so far, to {until} UTC.")
    expect(page.locator(".daily tbody tr").first).to_have_text(
        re.compile(
            rf"^{re.escape(day_name(today))} today \(so far, to {until} UTC\)\s*{re.escape(cents(per_day[today]))}$"
        )
    )
    expect(page.locator(".daily tbody tr").nth(1)).not_to_contain_text("so far")
    month = http.get(
        f"{seeded['analytics']}/api/usage/summary",
        headers=seeded["headers"],
        params={"from": body.get_attribute("data-month-from"), "to": window["to"]},
    ).json()
    expect(page.locator(".figure.budget .value")).to_have_text(cents(month["totals"]["cost_usd"]))
    expect(page.locator(".figure.budget .detail")).to_contain_text("no budget set")
    assert figures.count() >= 4
    no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / f"dashboard-{size}.png"), full_page=True)
    assert serious_violations(page, axe_source) == []

    # Stacked by model over 7 days: in the URL, and still so after a reload.
    page.get_by_role("radio", name="Model").check()
    page.get_by_role("radio", name="7 days").check()
    expect(page).to_have_url(re.compile(r"\?view=dashboard&days=7&by=model$"))
    expect(page.get_by_role("heading", name="Spend per day by model")).to_be_visible()
    page.reload()
    expect(page.get_by_role("img", name=re.compile(r"^Spend per day by model, last 7 days: "))).to_be_visible(
        timeout=20000
    )
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    expect(page.locator("#dashboard-body g.day")).to_have_count(7)
    expect(page.locator("#dashboard-body g.day.partial")).to_have_attribute(
        "data-day", page.locator("#dashboard-body").get_attribute("data-to")[:10]
    )
    legend = page.get_by_role("list", name="Legend")
    for group in ask(
        "/api/usage/summary", group_by="model", **{"from": page.locator("#dashboard-body").get_attribute("data-from")}
    )["groups"]:
        shown = "unknown price" if group["key"] == "acme-private-7b" else cents(group["cost_usd"])
        expect(legend.get_by_role("listitem").filter(has_text=group["key"] + " ").first).to_have_text(
            f"{group['key']} {shown}"
        )
    assert "$0.00" not in legend.inner_text()  # the model nobody prices is not charted as free
    no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / f"dashboard-by-model-{size}.png"), full_page=True)
    page.get_by_role("button", name="Dark mode").click()  # the same page, dark: still no serious violation
    expect(page.get_by_role("button", name="Light mode")).to_be_visible()
    page.screenshot(path=str(tmp_path / f"dashboard-dark-{size}.png"), full_page=True)
    assert serious_violations(page, axe_source) == []
    assert not errors, str(errors)
    context.close()


def test_money_is_summed_exactly_and_shown_to_the_cent(browser, platform):  # noqa: F811
    """The page's own arithmetic (NetraMoney) on hand-worked cases: what floats get wrong."""
    page = browser.new_page()
    page.goto(url_of(platform, "relay"))
    run = lambda js: page.evaluate(f"() => {js}")  # noqa: E731
    # 0.1 + 0.2 is 0.30000000000000004 in floats; ten calls of $0.000105 are $0.00105.
    assert run('NetraMoney.usd(NetraMoney.sum(["0.1", "0.2"]))') == "$0.30"
    assert run('NetraMoney.sum(Array(10).fill("0.000105")) === NetraMoney.parse("0.00105")') is True
    # Half a cent goes up (1.005 is 1.00499999… as a float, which would show $1.00).
    assert run('NetraMoney.usd(NetraMoney.parse("1.005"))') == "$1.01"
    assert run('NetraMoney.usd(NetraMoney.parse("1234567.994999"))') == "$1,234,567.99"
    assert run('NetraMoney.usd(NetraMoney.parse("0"))') == "$0.00"
    assert run('NetraMoney.usd(NetraMoney.parse("-2.5"))') == "−$2.50"
    assert run('NetraMoney.parse("12.3abc")') is None and run("NetraMoney.parse(null)") is None
    # Shares to one decimal, half up: 1/3 is 33.3%, 2/3 is 66.7%, 1/8 is 12.5%; no total, no share.
    assert run('NetraMoney.share(NetraMoney.parse("1"), NetraMoney.parse("3"))') == "33.3%"
    assert run('NetraMoney.share(NetraMoney.parse("2"), NetraMoney.parse("3"))') == "66.7%"
    assert run('NetraMoney.share(NetraMoney.parse("0.125"), NetraMoney.parse("1"))') == "12.5%"
    assert run('NetraMoney.share(NetraMoney.parse("5"), 0n)') == "—"
    page.close()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_settings_create_a_key_shown_once_revoke_it_and_set_a_budget(browser, seeded, http, axe_source, tmp_path, size):  # noqa: F811
    from playwright.sync_api import expect

    relay = seeded["relay"]
    context, page, errors = open_page(browser, relay, VIEWPORTS[size])
    sign_in(page, relay, seeded["email"])
    page.get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"\?view=settings$"))
    expect(page.locator("#account")).to_contain_text(seeded["email"])

    name = f"ingest {size}"
    page.get_by_label("Key name").fill(name)
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_label("New API key")
    expect(secret).to_have_value(re.compile(r"^netra_sk_"))
    key = secret.input_value()
    expect(page.locator("#new-key")).to_contain_text("shown only once")
    expect(page.get_by_label("Example: send usage with curl")).to_contain_text(f"Bearer {key}")
    expect(page.get_by_label("Example: import an export file")).to_contain_text(f"NETRA_API_KEY={key} netra import")
    expect(page.get_by_label("Example: export OpenTelemetry traces to Netra")).to_contain_text(
        f'OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20{key}"'
    )
    page.get_by_role("button", name="Copy key").click()
    expect(page.locator("#new-key")).to_contain_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == key
    row = page.get_by_role("row", name=re.compile(f"^{name} "))
    expect(row).to_contain_text("usage:write")
    expect(row).to_contain_text("active")
    no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / f"settings-new-key-{size}.png"), full_page=True)
    assert serious_violations(page, axe_source) == []

    # The key works, and only until it is revoked; after a reload it is never shown again.
    event = {
        "event_id": f"key-{size}-{time.time_ns()}",
        "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(),
        "provider": "openai",
        "model": "gpt-4o",
        "input_tokens": 1,
        "output_tokens": 1,
    }
    assert http.post(f"{seeded['analytics']}/api/usage", json=[event], headers=bearer(key)).status_code == 200
    page.reload()
    expect(page.get_by_role("row", name=re.compile(f"^{name} "))).to_be_visible()
    expect(page.get_by_label("New API key")).to_have_count(0)
    assert key not in page.content()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Revoke {name}").click()
    expect(page.get_by_role("row", name=re.compile(f"^{name} "))).to_contain_text("revoked")
    expect(page.get_by_role("button", name=f"Revoke {name}")).to_have_count(0)
    assert http.post(f"{seeded['analytics']}/api/usage", json=[event], headers=bearer(key)).status_code == 401

    # A read key: write unchecked, read checked; it is listed with its one scope, reads, cannot write.
    write_box, read_box = (
        page.get_by_role("checkbox", name="send usage"),
        page.get_by_role("checkbox", name="read usage"),
    )
    expect(write_box).to_be_checked()
    expect(read_box).not_to_be_checked()
    reader_name = f"reader {size}"
    page.get_by_label("Key name").fill(reader_name)
    write_box.uncheck()
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("#keys-error")).to_contain_text("Choose what the key may do")
    read_box.check()
    page.get_by_role("button", name="Create key").click()
    reader = page.get_by_label("New API key").input_value()
    expect(page.get_by_label("Example: read usage with curl")).to_contain_text(f"Bearer {reader}")
    expect(page.get_by_label("Example: send usage with curl")).to_have_count(0)
    row = page.get_by_role("row", name=re.compile(f"^{reader_name} "))
    expect(row).to_contain_text("usage:read")
    expect(row).not_to_contain_text("usage:write")
    expect(write_box).to_be_checked()  # the form is back to its default for the next key
    expect(read_box).not_to_be_checked()
    assert serious_violations(page, axe_source) == []
    assert http.get(f"{seeded['analytics']}/api/usage/summary", headers=bearer(reader)).status_code == 200
    assert http.post(f"{seeded['analytics']}/api/usage", json=[event], headers=bearer(reader)).status_code == 403

    # Model names: a half-filled row is explained; a saved mapping is there after a reload.
    page.get_by_label("Name as sent 1").fill(f"prod-gpt4o-{size}")
    page.get_by_role("button", name="Save model names").click()
    expect(page.locator("#aliases-error")).to_contain_text("needs both a name as sent and a catalog model")
    page.get_by_label("Catalog model 1").fill("gpt-4o")
    page.get_by_role("button", name="Save model names").click()
    expect(page.locator("#aliases-message")).to_have_text("Saved 1 model name.")
    page.reload()
    expect(page.get_by_label("Name as sent 1")).to_have_value(f"prod-gpt4o-{size}")
    expect(page.get_by_label("Catalog model 1")).to_have_value("gpt-4o")
    expect(page.get_by_label("Name as sent 2")).to_have_value("")  # the empty row to add one
    assert http.get(f"{seeded['analytics']}/api/usage/model-names", headers=seeded["headers"]).json() == {
        "aliases": {f"prod-gpt4o-{size}": "gpt-4o"}
    }

    # A budget: a bad amount is explained and not saved; a good one shows on the dashboard.
    page.get_by_label("Budget per month (USD)").fill("12.345")
    page.get_by_role("button", name="Save budget").click()
    expect(page.locator("#budget-message")).to_contain_text("at most 2 decimals")
    page.get_by_label("Budget per month (USD)").fill("$1,250.5")
    page.get_by_role("button", name="Save budget").click()
    expect(page.locator("#budget-message")).to_have_text("Saved: $1,250.50 a month.")
    page.reload()
    expect(page.get_by_label("Budget per month (USD)")).to_have_value("1250.50")
    no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / f"settings-{size}.png"), full_page=True)
    assert serious_violations(page, axe_source) == []

    page.get_by_role("link", name="Dashboard").click()
    detail = page.locator(".figure.budget .detail")
    expect(detail).to_contain_text("of $1,250.50 budget", timeout=20000)
    spent = Decimal(page.locator(".figure.budget .value").inner_text().lstrip("$").replace(",", ""))
    assert Decimal(0) < spent < Decimal("1.25")
    expect(detail).to_have_text(
        re.compile(r"of \$1,250\.50 budget · < 0\.1%$")
    )  # cents of it: a share too small to print
    page.screenshot(path=str(tmp_path / f"dashboard-budget-{size}.png"), full_page=True)
    page.go_back()  # back to settings, by the browser's own history
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()

    # Over budget: the share past 100%, from the month's total as analytics gives it.
    page.get_by_label("Budget per month (USD)").fill("0.03")
    page.get_by_role("button", name="Save budget").click()
    expect(page.locator("#budget-message")).to_have_text("Saved: $0.03 a month.")
    page.get_by_role("link", name="Dashboard").click()
    expect(detail).to_contain_text("of $0.03 budget", timeout=20000)
    body = page.locator("#dashboard-body")
    month = http.get(
        f"{seeded['analytics']}/api/usage/summary",
        headers=seeded["headers"],
        params={"from": body.get_attribute("data-month-from"), "to": body.get_attribute("data-to")},
    ).json()
    assert Decimal(month["totals"]["cost_usd"]) > Decimal("0.03")
    expect(detail).to_have_text(f"of $0.03 budget · {share(month['totals']['cost_usd'], '0.03')}")
    expect(page.locator(".figure.budget")).to_have_class(re.compile(r"\bover\b"))
    assert not errors, str(errors)
    context.close()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_signed_out_and_thread_views_pass_axe(browser, platform, http, chat_url, unique, axe_source, tmp_path, size):  # noqa: F811
    from playwright.sync_api import expect

    relay = url_of(platform, "relay")
    context, page, errors = open_page(browser, relay, VIEWPORTS[size])
    page.goto(f"{relay}/?view=dashboard")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("navigation", name="Views")).to_be_hidden()  # signed out: sign-in only
    expect(page.locator("#dashboard")).to_be_hidden()
    assert serious_violations(page, axe_source) == []
    page.screenshot(path=str(tmp_path / f"signed-out-{size}.png"), full_page=True)

    email = f"axe-{unique}@example.com"
    headers = bearer(dev_login(http, url_of(platform, "auth"), email)["access_token"])
    thread = http.post(f"{chat_url}/api/threads", json={"title": "Where does our spend go?"}, headers=headers).json()
    page.get_by_label("Developer sign-in (local only): email").fill(email)
    page.get_by_role("button", name="Sign in as developer").click()
    expect(page.locator("#dashboard-body .figures")).to_be_visible(timeout=20000)  # the URL's view, once signed in
    expect(page.locator(".figure.spend .value")).to_have_text("$0.00")  # a new org: nothing spent, and said so
    expect(page.locator(".empty")).to_contain_text("No usage in the last 30 days")
    page.get_by_role("link", name="Chat").click()
    page.locator(".threads li .open", has_text="Where does our spend go?").click()
    expect(page).to_have_url(re.compile(rf"\?thread={thread['thread_id']}$"))
    expect(page.locator("#thread-title")).to_have_text("Where does our spend go?")
    expect(page.get_by_role("status").first).to_have_text("live", timeout=15000)
    assert serious_violations(page, axe_source) == []
    no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / f"thread-{size}.png"), full_page=True)
    assert not errors, str(errors)
    context.close()
