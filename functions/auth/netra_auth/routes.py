"""HTTP routes of the auth function: parse, call the service, answer JSON or redirect."""

from __future__ import annotations

import logging

from shared_lib.access import USER
from shared_lib.http import ApiError, Call, Endpoint, Router, client_ip, json_object, json_response

from netra_auth.openapi import OPENAPI

log = logging.getLogger("netra.auth")


RULES = [
    ("/auth/.well-known/jwks.json", "jwks", ["GET"]),
    ("/auth/login/<provider>", "login", ["GET"]),
    ("/auth/callback/<provider>", "callback", ["GET"]),
    ("/auth/dev/login", "dev_login", ["POST"]),
    ("/auth/refresh", "refresh", ["POST"]),
    ("/auth/logout", "logout", ["POST"]),
    ("/auth/me", "me", ["GET"]),
    ("/auth/token-exchange", "exchange", ["POST"]),
    ("/auth/validate", "validate", ["POST"]),
    ("/auth/api-keys", "api_keys", ["GET", "POST"]),
    ("/auth/api-keys/<key_id>", "api_key", ["DELETE"]),
]


def _ip(service, call: Call) -> str:
    return client_ip(call.request, service.settings.trusted_proxy_hops)


def jwks(service, call: Call):
    return json_response(service.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


def login(service, call: Call):
    args = call.request.args
    url, cookie = service.login_redirect(
        call.args["provider"], args.get("redirect_uri"), args.get("login_hint"), _ip(service, call)
    )
    return _redirect(url, cookie)


def callback(service, call: Call):
    return _redirect(
        *service.callback_redirect(call.args["provider"], call.request.args, call.request.cookies, _ip(service, call))
    )


def dev_login(service, call: Call):
    if not service.settings.dev_login:
        raise ApiError(404, "not_found", "no such route")
    body = json_object(call.request, {"email": str, "name": str}) if call.request.get_data() else {}
    return json_response(service.dev_login(body, _ip(service, call)))


def refresh(service, call: Call):
    body = json_object(call.request, {"refresh_token": str}, required=("refresh_token",))
    return json_response(service.refresh(body["refresh_token"], _ip(service, call)))


def logout(service, call: Call):
    return json_response(service.logout(call.caller, _ip(service, call)))


def exchange(service, call: Call):
    body = json_object(call.request, {"scope": str, "actor": str}, required=("scope",))
    return json_response(service.exchange(call.caller, body["scope"], body.get("actor")))


def me(service, call: Call):
    return json_response(service.me(call.caller))


def validate(service, call: Call):
    body = json_object(call.request, {"token": str, "client_ip": str}, required=("token",))
    client = (body.get("client_ip") or "")[:64] or None  # the client a component validates for
    return json_response(service.validate(body["token"], _ip(service, call), client))


def list_api_keys(service, call: Call):
    return json_response(service.list_api_keys(call.caller))


def create_api_key(service, call: Call):
    body = json_object(call.request, {"name": str, "scopes": list}, required=("name",))
    return json_response(service.create_api_key(call.caller, body["name"], body.get("scopes"), _ip(service, call)), 201)


def revoke_api_key(service, call: Call):
    return json_response(service.revoke_api_key(call.caller, call.args["key_id"], _ip(service, call)))


# Public: sign-in, the keys, refresh (its token is the body), validation (for other components).
HANDLERS = {
    ("jwks", "GET"): Endpoint(jwks, None),
    ("login", "GET"): Endpoint(login, None),
    ("callback", "GET"): Endpoint(callback, None),
    ("dev_login", "POST"): Endpoint(dev_login, None),
    ("refresh", "POST"): Endpoint(refresh, None),
    ("logout", "POST"): Endpoint(logout, USER),
    ("me", "GET"): Endpoint(me, USER),
    ("exchange", "POST"): Endpoint(exchange, USER),
    ("validate", "POST"): Endpoint(validate, None),
    ("api_keys", "GET"): Endpoint(list_api_keys, USER),
    ("api_keys", "POST"): Endpoint(create_api_key, USER),
    ("api_key", "DELETE"): Endpoint(revoke_api_key, USER),
}

ROUTER = Router(RULES, HANDLERS, OPENAPI, log)


def dispatch(request, service_factory, cors_origins=()):
    """One request in, one (body, status, headers) answer out; never a stack trace."""
    return ROUTER.dispatch(request, service_factory, cors_origins)


def _redirect(url: str, cookie: str | None = None):
    headers = {"Location": url, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    if cookie:
        headers["Set-Cookie"] = cookie
    return "", 302, headers
