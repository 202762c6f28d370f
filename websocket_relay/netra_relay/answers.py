"""How the relay answers over HTTP, whatever answers: its pages, its routes, aiohttp's own
refusals (no route 404, wrong method 405, a body over the limit 413, a plain GET on /ws 400)
and a handler's failure (500). Every error is the platform's JSON shape
`{"error": {"code", "message"}}`, and every answer carries the page's security headers, so an
error page can neither run script nor be sniffed into something else."""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger("netra.relay")

# aiohttp's reasons, as codes that say the same as the rest of the platform's.
_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    500: "internal",
}
# What an error keeps of aiohttp's headers: what the client needs to act on it.
_KEPT = ("Allow", "Retry-After", "WWW-Authenticate")


def error_response(status: int, code: str, message: str, headers=None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)


def answers(policy: str):
    """The middleware: errors as JSON, and `policy` (Content-Security-Policy) and nosniff on
    every answer but a socket's, whose handshake is already sent when the handler returns."""

    @web.middleware
    async def middleware(request: web.Request, handler):
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise  # a redirect is not an error (the relay sends none today)
            response = _from_refusal(exc)
        except Exception:  # noqa: BLE001 - a handler's failure: logged, answered without details
            log.exception("request failed", extra={"path": request.path})
            response = error_response(500, "internal", "the request could not be completed")
        if not isinstance(response, web.WebSocketResponse):
            response.headers["Content-Security-Policy"] = policy
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return middleware


def _from_refusal(exc: web.HTTPException) -> web.Response:
    code = _CODES.get(exc.status) or exc.reason.lower().replace(" ", "_").replace("-", "_")
    # aiohttp's text says what happened ("Maximum request body size 1048576 exceeded, actual
    # body size 1048577"); its default is only the reason again.
    message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
    kept = {name: exc.headers[name] for name in _KEPT if name in exc.headers}
    return error_response(exc.status, code, message.strip()[:300], kept)
