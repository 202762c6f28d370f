"""HTTP routes of the auth function: parse, call the service, answer JSON or redirect."""

from __future__ import annotations

import logging

from shared_lib.http import ApiError, Router, client_ip, json_object, json_response

from netra_auth.openapi import OPENAPI

log = logging.getLogger("netra.auth")


ROUTER = Router(
    [
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
    ],
    OPENAPI,
    log,
)


def dispatch(request, service_factory):
    """One request in, one (body, status, headers) answer out; never a stack trace."""
    return ROUTER.dispatch(request, lambda endpoint, args, req: _handle(endpoint, args, req, service_factory()))


def _handle(endpoint: str, args: dict, request, service):
    ip = client_ip(request, service.settings.trusted_proxy_hops)
    headers = request.headers
    if endpoint == "jwks":
        return json_response(service.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})
    if endpoint == "login":
        url, cookie = service.login_redirect(args["provider"], request.args.get("redirect_uri"), request.args.get("login_hint"), ip)
        return _redirect(url, cookie)
    if endpoint == "callback":
        return _redirect(*service.callback_redirect(args["provider"], request.args, request.cookies, ip))
    if endpoint == "dev_login":
        if not service.settings.dev_login:
            raise ApiError(404, "not_found", "no such route")
        body = json_object(request, {"email": str, "name": str}) if request.get_data() else {}
        return json_response(service.dev_login(body, ip))
    if endpoint == "refresh":
        body = json_object(request, {"refresh_token": str}, required=("refresh_token",))
        return json_response(service.refresh(body["refresh_token"], ip))
    if endpoint == "logout":
        return json_response(service.logout(headers, ip))
    if endpoint == "exchange":
        return json_response(service.exchange(headers, json_object(request, {"scope": str, "actor": str}, required=("scope",))))
    if endpoint == "me":
        return json_response(service.me(headers))
    if endpoint == "validate":
        body = json_object(request, {"token": str}, required=("token",))
        return json_response(service.validate(body["token"]))
    if endpoint == "api_keys" and request.method == "GET":
        return json_response(service.list_api_keys(headers))
    if endpoint == "api_keys":
        body = json_object(request, {"name": str, "scopes": list}, required=("name",))
        return json_response(service.create_api_key(headers, body, ip), 201)
    if endpoint == "api_key":
        return json_response(service.revoke_api_key(headers, args["key_id"], ip))
    raise ApiError(404, "not_found", "no such route")


def _redirect(url: str, cookie: str | None = None):
    headers = {"Location": url, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    if cookie:
        headers["Set-Cookie"] = cookie
    return "", 302, headers
