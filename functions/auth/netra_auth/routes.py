"""HTTP routes of the auth function: parse, call the service, answer JSON or redirect."""

from __future__ import annotations

import logging

from shared_lib.http import ApiError, client_ip, error_response, json_object, json_response

from netra_auth.openapi import OPENAPI

log = logging.getLogger("netra.auth")


def _rules():
    from werkzeug.routing import Map, Rule

    return Map(
        [
            Rule("/health", endpoint="health", methods=["GET"]),
            Rule("/openapi.json", endpoint="openapi", methods=["GET"]),
            Rule("/auth/.well-known/jwks.json", endpoint="jwks", methods=["GET"]),
            Rule("/auth/login/<provider>", endpoint="login", methods=["GET"]),
            Rule("/auth/callback/<provider>", endpoint="callback", methods=["GET"]),
            Rule("/auth/dev/login", endpoint="dev_login", methods=["POST"]),
            Rule("/auth/refresh", endpoint="refresh", methods=["POST"]),
            Rule("/auth/logout", endpoint="logout", methods=["POST"]),
            Rule("/auth/me", endpoint="me", methods=["GET"]),
            Rule("/auth/validate", endpoint="validate", methods=["POST"]),
            Rule("/auth/api-keys", endpoint="api_keys", methods=["GET", "POST"]),
            Rule("/auth/api-keys/<key_id>", endpoint="api_key", methods=["DELETE"]),
        ],
        strict_slashes=False,
    )


_MAP = None


def dispatch(request, service_factory):
    """One request in, one (body, status, headers) answer out; never a stack trace."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    global _MAP
    if _MAP is None:
        _MAP = _rules()
    try:
        endpoint, args = _MAP.bind("netra", path_info=request.path).match(method=request.method)
    except NotFound:
        return error_response(404, "not_found", "no such route")
    except MethodNotAllowed as exc:
        return error_response(405, "method_not_allowed", "method not allowed", {"Allow": ", ".join(exc.valid_methods or [])})
    if endpoint == "health":
        return json_response({"status": "ok"})
    if endpoint == "openapi":
        return json_response(OPENAPI)
    try:
        return _handle(endpoint, args, request, service_factory())
    except ApiError as exc:
        return exc.response()
    except Exception:
        log.exception("auth request failed", extra={"endpoint": endpoint})
        return error_response(500, "internal", "the request could not be completed")


def _handle(endpoint: str, args: dict, request, service):
    ip = client_ip(request)
    headers = request.headers
    if endpoint == "jwks":
        return json_response(service.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})
    if endpoint == "login":
        url = service.login_redirect(args["provider"], request.args.get("redirect_uri"), request.args.get("login_hint"), ip)
        return _redirect(url)
    if endpoint == "callback":
        return _redirect(service.callback_redirect(args["provider"], request.args, ip))
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
    if endpoint == "me":
        return json_response(service.me(headers))
    if endpoint == "validate":
        body = json_object(request, {"token": str}, required=("token",))
        return json_response(service.validate(body["token"]))
    if endpoint == "api_keys" and request.method == "GET":
        return json_response(service.list_api_keys(headers))
    if endpoint == "api_keys":
        body = json_object(request, {"name": str}, required=("name",))
        return json_response(service.create_api_key(headers, body, ip), 201)
    if endpoint == "api_key":
        return json_response(service.revoke_api_key(headers, args["key_id"], ip))
    raise ApiError(404, "not_found", "no such route")


def _redirect(url: str):
    return "", 302, {"Location": url, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
