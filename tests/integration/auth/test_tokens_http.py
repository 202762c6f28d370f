"""Sessions, refresh rotation, logout, validation and API keys, over HTTP against the
running auth function; and the shared verification path other components use."""

from __future__ import annotations

import pytest

from shared_lib.auth import InvalidToken, authenticator
from shared_lib.config import load_settings
from tests.helpers import bearer, dev_login


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_family(http, auth_url, unique):
    first = dev_login(http, auth_url, f"rotate-{unique}@example.com")
    second = http.post(f"{auth_url}/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()
    assert second["refresh_token"] != first["refresh_token"]
    third = http.post(f"{auth_url}/auth/refresh", json={"refresh_token": second["refresh_token"]}).json()
    assert http.get(f"{auth_url}/auth/me", headers=bearer(third["access_token"])).status_code == 200

    replay = http.post(f"{auth_url}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and error_code(replay) == "refresh_token_reused"
    # The whole family is gone: the newest tokens of the session are refused too.
    me = http.get(f"{auth_url}/auth/me", headers=bearer(third["access_token"]))
    assert me.status_code == 401 and error_code(me) == "token_revoked"
    refresh = http.post(f"{auth_url}/auth/refresh", json={"refresh_token": third["refresh_token"]})
    assert refresh.status_code == 401 and error_code(refresh) == "token_revoked"


def test_logout_revokes_the_session_everywhere(http, auth_url, unique):
    tokens = dev_login(http, auth_url, f"logout-{unique}@example.com")
    validated = http.post(f"{auth_url}/auth/validate", json={"token": tokens["access_token"]}).json()
    assert validated["valid"] is True  # now cached
    assert http.post(f"{auth_url}/auth/logout", headers=bearer(tokens["access_token"])).json() == {"revoked": True}
    me = http.get(f"{auth_url}/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 401 and error_code(me) == "token_revoked"
    assert http.post(f"{auth_url}/auth/validate", json={"token": tokens["access_token"]}).json() == {
        "valid": False,
        "error": "token_revoked",
    }
    refresh = http.post(f"{auth_url}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401 and error_code(refresh) == "token_revoked"


def test_validate_answers_the_contract(http, auth_url, unique):
    tokens = dev_login(http, auth_url, f"validate-{unique}@example.com")
    answer = http.post(f"{auth_url}/auth/validate", json={"token": tokens["access_token"]}).json()
    assert answer["valid"] is True
    assert answer["user_id"] == tokens["user"]["user_id"] and answer["org_id"] == tokens["user"]["org_id"]
    assert answer["permissions"] == [] and isinstance(answer["expires_at"], int)
    assert http.post(f"{auth_url}/auth/validate", json={"token": "garbage"}).json() == {
        "valid": False,
        "error": "malformed_token",
    }
    refresh_as_access = http.post(f"{auth_url}/auth/validate", json={"token": tokens["refresh_token"]}).json()
    assert refresh_as_access == {"valid": False, "error": "wrong_token_type"}


def test_tokens_verify_in_other_components_through_shared_lib_auth(http, auth_url, redis, unique):
    tokens = dev_login(http, auth_url, f"shared-{unique}@example.com")
    component = authenticator(load_settings({"AUTH_URL": auth_url, "NETRA_ENV": "test"}), redis, http)
    principal = component.authenticate(bearer(tokens["access_token"]))
    assert principal.user_id == tokens["user"]["user_id"] and principal.kind == "user"
    with pytest.raises(InvalidToken) as caught:
        component.authenticate(bearer(tokens["refresh_token"]))
    assert caught.value.code == "wrong_token_type"
    http.post(f"{auth_url}/auth/logout", headers=bearer(tokens["access_token"]))
    with pytest.raises(InvalidToken) as caught:
        component.authenticate(bearer(tokens["access_token"]))
    assert caught.value.code == "token_revoked"


def test_org_api_keys_are_shown_once_hashed_and_revocable(http, auth_url, redis, unique):
    owner = dev_login(http, auth_url, f"keys-{unique}@example.com")
    created = http.post(f"{auth_url}/auth/api-keys", json={"name": "ingest"}, headers=bearer(owner["access_token"]))
    assert created.status_code == 201
    key = created.json()
    assert key["key"].startswith("netra_sk_") and len(key["key"]) > 40
    assert key["display"].startswith("netra_sk_") and key["key"] not in key["display"]
    listed = http.get(f"{auth_url}/auth/api-keys", headers=bearer(owner["access_token"])).json()["api_keys"]
    assert [k["id"] for k in listed] == [key["id"]] and "key" not in listed[0]

    component = authenticator(load_settings({"AUTH_URL": auth_url, "NETRA_ENV": "test"}), redis, http)
    machine = component.authenticate(bearer(key["key"]), allow_api_key=True)
    assert (machine.kind, machine.org_id, machine.permissions) == ("api_key", owner["user"]["org_id"], ("usage:write",))
    with pytest.raises(InvalidToken, match="access token"):
        component.authenticate(bearer(key["key"]))  # endpoints for people do not take machine keys

    stranger = dev_login(http, auth_url, f"stranger-{unique}@example.com")
    foreign = http.delete(f"{auth_url}/auth/api-keys/{key['id']}", headers=bearer(stranger["access_token"]))
    assert foreign.status_code == 404
    revoked = http.delete(f"{auth_url}/auth/api-keys/{key['id']}", headers=bearer(owner["access_token"]))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert http.post(f"{auth_url}/auth/validate", json={"token": key["key"]}).json() == {
        "valid": False,
        "error": "invalid_api_key",
    }


def test_an_org_api_key_cannot_open_a_websocket(http, auth_url, chat_url, unique):
    # Sockets start from chat's single-use ticket, which only a person's access token gets:
    # so revoking a machine key has no socket to close.
    owner = dev_login(http, auth_url, f"key-socket-{unique}@example.com")
    key = http.post(f"{auth_url}/auth/api-keys", json={"name": "ingest"}, headers=bearer(owner["access_token"])).json()[
        "key"
    ]
    refused = http.post(f"{chat_url}/api/ws-ticket", headers=bearer(key))
    assert refused.status_code == 401 and error_code(refused) == "api_key_not_accepted"
    assert http.post(f"{chat_url}/api/ws-ticket", headers=bearer(owner["access_token"])).json()["ticket"]


def test_jwks_and_openapi_are_served(http, auth_url):
    keys = http.get(f"{auth_url}/auth/.well-known/jwks.json").json()["keys"]
    assert keys and all(k["alg"] == "ES256" and k["kid"] and "d" not in k for k in keys)
    spec = http.get(f"{auth_url}/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/auth/validate" in spec["paths"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        (
            "post",
            "/auth/refresh",
            {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
            400,
            "malformed_json",
        ),
        (
            "post",
            "/auth/refresh",
            {"content": b"refresh_token=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
            415,
            "unsupported_media_type",
        ),
        ("post", "/auth/refresh", {"json": {}}, 400, "missing_field"),
        ("post", "/auth/refresh", {"json": {"refresh_token": 42}}, 400, "invalid_field"),
        ("post", "/auth/refresh", {"json": {"refresh_token": "x", "extra": 1}}, 400, "unknown_field"),
        ("post", "/auth/refresh", {"json": ["refresh_token"]}, 400, "invalid_body"),
        ("post", "/auth/refresh", {"json": {"refresh_token": "x" * 2_000_000}}, 413, "payload_too_large"),
        ("post", "/auth/refresh", {"json": {"refresh_token": "garbage"}}, 401, "malformed_token"),
        ("post", "/auth/validate", {"json": {}}, 400, "missing_field"),
        ("post", "/auth/dev/login", {"json": {"email": "not-an-email"}}, 400, "invalid_field"),
        ("get", "/auth/me", {}, 401, "missing_token"),
        ("get", "/auth/me", {"headers": {"Authorization": "Basic abc"}}, 401, "malformed_authorization"),
        ("get", "/auth/me", {"headers": {"Authorization": "Bearer garbage"}}, 401, "malformed_token"),
        ("post", "/auth/logout", {"headers": {"Authorization": "Bearer a.b.c"}}, 401, "malformed_token"),
        ("get", "/auth/api-keys", {}, 401, "missing_token"),
        ("get", "/auth/nowhere", {}, 404, "not_found"),
        ("delete", "/auth/me", {}, 405, "method_not_allowed"),
    ],
)
def test_bad_input_gets_a_json_4xx(http, auth_url, method, path, kwargs, status, code):
    response = getattr(http, method)(f"{auth_url}{path}", **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert error_code(response) == code


def test_an_access_token_is_not_a_refresh_token(http, auth_url, unique):
    tokens = dev_login(http, auth_url, f"types-{unique}@example.com")
    response = http.post(f"{auth_url}/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert response.status_code == 401 and error_code(response) == "wrong_token_type"
    me = http.get(f"{auth_url}/auth/me", headers=bearer(tokens["refresh_token"]))
    assert me.status_code == 401 and error_code(me) == "wrong_token_type"


def _forged(auth_url: str, http, tokens: dict) -> dict[str, str]:
    """Tokens an attacker can build from a real one and the public JWKS."""
    import base64
    import hashlib
    import hmac
    import json

    import jwt
    from cryptography.hazmat.primitives import serialization

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    jwk = http.get(f"{auth_url}/auth/.well-known/jwks.json").json()["keys"][0]
    public_pem = jwt.PyJWK(jwk).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs_input = f"{b64(json.dumps({'alg': 'HS256', 'kid': jwk['kid']}).encode())}.{b64(json.dumps(claims).encode())}"
    header, payload, signature = tokens["access_token"].split(".")
    elevated = {**claims, "org_id": "00000000-0000-0000-0000-000000000000"}
    return {
        "alg_none": f"{b64(json.dumps({'alg': 'none', 'kid': jwk['kid']}).encode())}.{payload}.",
        "hs256_public_key": f"{hs_input}.{b64(hmac.new(public_pem, hs_input.encode(), hashlib.sha256).digest())}",
        "tampered": f"{header}.{b64(json.dumps(elevated).encode())}.{signature}",
    }


def test_forged_tokens_are_refused_by_the_running_function(http, auth_url, unique):
    tokens = dev_login(http, auth_url, f"forge-{unique}@example.com")
    expected = {
        "alg_none": "unsupported_algorithm",
        "hs256_public_key": "unsupported_algorithm",
        "tampered": "bad_signature",
    }
    for name, token in _forged(auth_url, http, tokens).items():
        response = http.get(f"{auth_url}/auth/me", headers=bearer(token))
        assert response.status_code == 401 and error_code(response) == expected[name], name
        assert http.post(f"{auth_url}/auth/validate", json={"token": token}).json() == {
            "valid": False,
            "error": expected[name],
        }
