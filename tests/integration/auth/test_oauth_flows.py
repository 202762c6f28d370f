"""The authorization-code flow for both providers, through real HTTP redirects, against
the OAuth emulator; and every way a sign-in can go wrong."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit

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
        authorize = http.get(f"{oauth_url}/google/authorize", params={
            "response_type": "code", "client_id": LOCAL_CLIENT_IDS["google"], "redirect_uri": redirect, "scope": "openid email",
            "state": "s", "code_challenge": challenge, "code_challenge_method": "S256", "login_hint": "alice@example.com"})
        return dict(parse_qsl(urlsplit(authorize.headers["Location"]).query))["code"]

    form = {"grant_type": "authorization_code", "redirect_uri": redirect, "client_id": LOCAL_CLIENT_IDS["google"], "client_secret": secret}
    missing = http.post(f"{oauth_url}/google/token", data={**form, "code": code()})
    assert missing.status_code == 400 and "code_verifier is required" in missing.json()["error_description"]
    wrong = http.post(f"{oauth_url}/google/token", data={**form, "code": code(), "code_verifier": secrets.token_urlsafe(48)})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    right = http.post(f"{oauth_url}/google/token", data={**form, "code": code(), "code_verifier": verifier})
    assert right.status_code == 200 and right.json()["id_token"]
