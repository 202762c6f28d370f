"""The authorization-code flow for both providers, through real HTTP redirects, against
the OAuth emulator; and every way a sign-in can go wrong."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from emulators.oauth.server import LOCAL_CLIENT_IDS
from tests.conftest import APP_CALLBACK
from tests.helpers import bearer
from tests.integration.auth.conftest import follow_to_app, login_url


def test_google_sign_in_end_to_end(http, auth_url):
    landed = follow_to_app(http, login_url(auth_url, "google", "alice@example.com"))
    assert landed["token_type"] == "Bearer" and int(landed["expires_in"]) == 900
    me = http.get(f"{auth_url}/auth/me", headers=bearer(landed["access_token"])).json()
    assert (me["email"], me["name"], me["provider"]) == ("alice@example.com", "Alice Example", "google")


def test_github_sign_in_links_to_the_same_user_by_verified_email(http, auth_url):
    google = follow_to_app(http, login_url(auth_url, "google", "alice@example.com"))
    github = follow_to_app(http, login_url(auth_url, "github", "alice"))
    me_google = http.get(f"{auth_url}/auth/me", headers=bearer(google["access_token"])).json()
    me_github = http.get(f"{auth_url}/auth/me", headers=bearer(github["access_token"])).json()
    assert me_github["provider"] == "github"
    assert me_github["user_id"] == me_google["user_id"] and me_github["org_id"] == me_google["org_id"]


def test_a_first_sign_in_creates_a_personal_org(http, auth_url):
    landed = follow_to_app(http, login_url(auth_url, "github", "dave"))
    me = http.get(f"{auth_url}/auth/me", headers=bearer(landed["access_token"])).json()
    assert me["email"] == "dave@example.com" and me["org_id"]


def test_without_a_hint_the_provider_shows_its_sign_in_page(http, auth_url):
    page = follow_to_app(http, login_url(auth_url, "google"))
    assert page.status_code == 200 and "Sign in with Google" in page.text and "alice@example.com" in page.text


def test_the_login_redirect_carries_state_pkce_and_nonce(http, auth_url):
    response = http.get(login_url(auth_url, "google", "alice@example.com"))
    query = dict(parse_qsl(urlsplit(response.headers["Location"]).query))
    assert response.status_code == 302
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 32 and query["nonce"]
    assert query["redirect_uri"] == f"{auth_url}/auth/callback/google"
    assert query["client_id"] == LOCAL_CLIENT_IDS["google"]


def test_a_redirect_uri_off_the_allow_list_is_refused(http, auth_url):
    for uri in ("https://evil.example/cb", APP_CALLBACK + "/extra", APP_CALLBACK.replace("127.0.0.1", "localhost")):
        response = http.get(login_url(auth_url, "google", "alice@example.com", redirect_uri=uri))
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "redirect_uri_not_allowed"
    missing = http.get(f"{auth_url}/auth/login/google")
    assert missing.json()["error"]["code"] == "missing_redirect_uri"


def test_an_unknown_provider_is_404(http, auth_url):
    response = http.get(login_url(auth_url, "facebook"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_provider"


def test_callback_without_state_or_with_a_forged_state_is_refused(http, auth_url):
    missing = http.get(f"{auth_url}/auth/callback/google?code=abc")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "missing_state"
    forged = http.get(f"{auth_url}/auth/callback/google?code=abc&state=" + secrets.token_urlsafe(32))
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "invalid_state"


def test_a_replayed_callback_is_refused(http, auth_url):
    to_provider = http.get(login_url(auth_url, "github", "alice")).headers["Location"]
    callback = http.get(to_provider).headers["Location"]
    assert callback.startswith(f"{auth_url}/auth/callback/github?")
    first = http.get(callback)
    assert first.status_code == 302 and "access_token=" in first.headers["Location"]
    replay = http.get(callback)
    assert replay.status_code == 400 and replay.json()["error"]["code"] == "invalid_state"


def test_a_state_from_one_provider_is_refused_by_the_other(http, auth_url):
    to_provider = http.get(login_url(auth_url, "github", "alice")).headers["Location"]
    callback = http.get(to_provider).headers["Location"].replace("/callback/github", "/callback/google")
    response = http.get(callback)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_state"


def test_the_user_denying_access_lands_on_the_app_with_an_error(http, auth_url, oauth_url):
    to_provider = http.get(login_url(auth_url, "google")).headers["Location"]
    query = dict(parse_qsl(urlsplit(to_provider).query))
    denied = http.post(f"{oauth_url}/google/authorize", data={**query, "decision": "deny"})
    landed = follow_to_app(http, denied.headers["Location"])
    assert landed["error"] == "access_denied" and "access_token" not in landed


def test_an_unverified_github_email_is_refused(http, auth_url):
    landed = follow_to_app(http, login_url(auth_url, "github", "carol"))
    assert landed["error"] == "email_not_verified" and "access_token" not in landed


def test_a_bad_code_lands_on_the_app_with_a_provider_error(http, auth_url):
    to_provider = http.get(login_url(auth_url, "google", "alice@example.com")).headers["Location"]
    callback = http.get(to_provider).headers["Location"]
    query = dict(parse_qsl(urlsplit(callback).query))
    landed = follow_to_app(http, f"{auth_url}/auth/callback/google?{urlencode({**query, 'code': 'forged-code'})}")
    assert landed["error"] == "provider_error"


def test_the_provider_refuses_a_code_without_its_pkce_verifier(http, oauth_url, platform):
    import yaml

    secret = yaml.safe_load(platform.ws.secrets_file.read_text())["oauth-google-client-secret"]
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "http://127.0.0.1:9/cb"

    def code() -> str:
        authorize = http.get(
            f"{oauth_url}/google/authorize",
            params={
                "response_type": "code",
                "client_id": LOCAL_CLIENT_IDS["google"],
                "redirect_uri": redirect,
                "scope": "openid email",
                "state": "s",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "login_hint": "alice@example.com",
            },
        )
        return dict(parse_qsl(urlsplit(authorize.headers["Location"]).query))["code"]

    form = {
        "grant_type": "authorization_code",
        "redirect_uri": redirect,
        "client_id": LOCAL_CLIENT_IDS["google"],
        "client_secret": secret,
    }
    missing = http.post(f"{oauth_url}/google/token", data={**form, "code": code()})
    assert missing.status_code == 400 and "code_verifier is required" in missing.json()["error_description"]
    wrong = http.post(
        f"{oauth_url}/google/token", data={**form, "code": code(), "code_verifier": secrets.token_urlsafe(48)}
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    right = http.post(f"{oauth_url}/google/token", data={**form, "code": code(), "code_verifier": verifier})
    assert right.status_code == 200 and right.json()["id_token"]


def _code_and_state(client, auth_url: str, provider: str, hint: str) -> str:
    """Client starts a sign-in and follows the provider's redirect: the callback URL it got."""
    to_provider = client.get(login_url(auth_url, provider, hint)).headers["Location"]
    callback = client.get(to_provider).headers["Location"]
    assert callback.startswith(f"{auth_url}/auth/callback/{provider}?") and "code=" in callback
    return callback


@pytest.mark.parametrize(
    ("provider", "hint", "email"),
    [("google", "alice@example.com", "alice@example.com"), ("github", "alice", "alice@example.com")],
)
def test_another_browser_cannot_use_the_code_and_state_of_a_sign_in(http, auth_url, provider, hint, email):
    # Login CSRF: B (no cookies) opens the callback URL A was handed, e.g. through a link.
    callback = _code_and_state(http, auth_url, provider, hint)
    with httpx.Client(timeout=10) as other_browser:
        landed = follow_to_app(other_browser, callback)
    assert "access_token" not in landed and "refresh_token" not in landed and landed.get("error") == "browser_mismatch"
    # The browser that started it still completes it, once.
    mine = follow_to_app(http, callback)
    me = http.get(f"{auth_url}/auth/me", headers=bearer(mine["access_token"])).json()
    assert me["email"] == email


def test_the_sign_in_cookie_is_httponly_lax_scoped_to_the_callback_and_cleared_there(http, auth_url, redis):
    started = http.get(login_url(auth_url, "github", "alice"))
    state = dict(parse_qsl(urlsplit(started.headers["Location"]).query))["state"]
    name, _, rest = started.headers["Set-Cookie"].partition("=")
    value = rest.split(";")[0]
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in rest.split(";")[1:]}
    assert name == cookie_name_of(state) and len(value) >= 43
    assert "httponly" in attributes and attributes["samesite"].lower() == "samesite=lax"
    assert attributes["path"] == "Path=/auth/callback/github" and attributes["max-age"] == "Max-Age=600"
    assert "secure" not in attributes  # auth is served over http locally; https gets Secure
    # Only a hash of the cookie's value is kept with the state.
    stored = redis.get(f"auth:oauth-flow:{state}").decode()
    assert value not in stored and hashlib.sha256(value.encode()).hexdigest() in stored

    # A second sign-in in the same browser has a cookie of its own: finishing it clears only that one.
    callback = _code_and_state(http, auth_url, "github", "alice")
    second = cookie_name_of(dict(parse_qsl(urlsplit(callback).query))["state"])
    assert {cookie.name for cookie in http.cookies.jar} == {name, second}
    finished = http.get(callback)
    assert finished.status_code == 302 and "access_token=" in finished.headers["Location"]
    assert finished.headers["Set-Cookie"].startswith(f"{second}=;") and "Max-Age=0" in finished.headers["Set-Cookie"]
    assert {cookie.name for cookie in http.cookies.jar} == {name}


def test_a_forged_binding_cookie_is_refused(http, auth_url):
    callback = _code_and_state(http, auth_url, "google", "alice@example.com")
    state = dict(parse_qsl(urlsplit(callback).query))["state"]
    with httpx.Client(timeout=10, cookies={cookie_name_of(state): secrets.token_urlsafe(32)}) as forger:
        landed = follow_to_app(forger, callback)
    assert "access_token" not in landed and landed.get("error") == "browser_mismatch"
    assert "access_token" in follow_to_app(http, callback)


def cookie_name_of(state: str) -> str:
    from netra_auth.flows import cookie_name

    return cookie_name(state)
