"""The web chat's provider sign-in in a real browser (Debian's chromium through Playwright):
the relay's page -> auth -> the OAuth emulator -> auth's callback -> the page, signed in;
and the same callback opened in another browser (login CSRF) signs nobody in."""

from __future__ import annotations

import json

import pytest

from tests.helpers import bearer, url_of


def _start_sign_in(page, relay: str, provider: str = "GitHub") -> None:
    page.goto(relay)
    page.get_by_role("button", name=f"Continue with {provider}").click()
    page.get_by_role("button", name="Alice Example <alice@example.com>").click()


def _signed_in_as(page, http, auth_url: str) -> str | None:
    """The email the page's stored tokens belong to, None when it holds none."""
    saved = page.evaluate("sessionStorage.getItem('netra.tokens')")
    if saved is None:
        return None
    return http.get(f"{auth_url}/auth/me", headers=bearer(json.loads(saved)["access_token"])).json()["email"]


@pytest.mark.parametrize("provider", ["Google", "GitHub"])
def test_signing_in_with_a_provider_from_the_web_chat(platform, auth_url, http, browser, provider):
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    _start_sign_in(page, url_of(platform, "relay"), provider)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=15000)
    assert _signed_in_as(page, http, auth_url) == "alice@example.com"
    assert not [cookie for cookie in context.cookies() if cookie["name"].startswith("netra_signin_")]  # consumed
    context.close()


def test_a_callback_opened_in_another_browser_signs_nobody_in(platform, auth_url, oauth_url, http, browser):
    from playwright.sync_api import expect

    relay = url_of(platform, "relay")
    mine, theirs = browser.new_context(), browser.new_context()
    page = mine.new_page()
    handed = []

    def hold_the_callback(route):
        # My browser stops where the provider sends it back: the callback URL with code and
        # state is what an attacker would hand a victim.
        if route.request.method != "POST":
            return route.continue_()
        handed.append(route.fetch(max_redirects=0).headers["location"])
        return route.fulfill(status=200, content_type="text/plain", body="held")

    page.route(lambda url: url.startswith(oauth_url), hold_the_callback)
    _start_sign_in(page, relay)
    expect(page.get_by_text("held")).to_be_visible()
    assert handed[0].startswith(f"{auth_url}/auth/callback/github?")
    victim = theirs.new_page()
    victim.goto(handed[0])
    expect(victim.locator("#signin-error")).to_contain_text("another browser")
    expect(victim.get_by_role("button", name="Sign out")).to_be_hidden()
    assert _signed_in_as(victim, http, auth_url) is None

    # The browser that started the sign-in still completes it.
    page.goto(handed[0])
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=15000)
    assert _signed_in_as(page, http, auth_url) == "alice@example.com"
    mine.close()
    theirs.close()
