"""HTTP routes of the chat function: parse, call the service, answer JSON."""

from __future__ import annotations

import logging

from shared_lib.http import ApiError, Router, json_object, json_response

from netra_chat.openapi import OPENAPI

log = logging.getLogger("netra.chat")
MAX_BODY = 64 * 1024


ROUTER = Router(
    [
        ("/api/threads", "threads", ["GET", "POST"]),
        ("/api/threads/<thread_id>", "thread", ["GET", "PATCH", "DELETE"]),
        ("/api/threads/<thread_id>/messages", "messages", ["GET", "POST"]),
        ("/api/runs/<run_id>", "run", ["GET"]),
        ("/api/ws-ticket", "ws_ticket", ["POST"]),
        ("/api/settings", "settings", ["GET", "PUT"]),
    ],
    OPENAPI,
    log,
)


def dispatch(request, service_factory):
    return ROUTER.dispatch(request, lambda endpoint, args, req: _handle(endpoint, args, req, service_factory()))


def _handle(endpoint: str, args: dict, request, service):
    headers, method = request.headers, request.method
    if endpoint == "threads" and method == "GET":
        return json_response(service.list_threads(headers, request.args))
    if endpoint == "threads":
        body = json_object(request, {"title": str}, max_bytes=MAX_BODY) if request.get_data() else {}
        return json_response(service.create_thread(headers, body), 201)
    if endpoint == "thread" and method == "GET":
        return json_response(service.get_thread(headers, args["thread_id"]))
    if endpoint == "thread" and method == "PATCH":
        body = json_object(request, {"title": str}, required=("title",), max_bytes=MAX_BODY)
        return json_response(service.rename_thread(headers, args["thread_id"], body))
    if endpoint == "thread":
        service.delete_thread(headers, args["thread_id"])
        return "", 204, {}
    if endpoint == "messages" and method == "GET":
        return json_response(service.list_messages(headers, args["thread_id"], request.args))
    if endpoint == "messages":
        service.caller(headers)  # an anonymous caller learns nothing about the body's validity
        body = json_object(request, {"text": str}, required=("text",), max_bytes=MAX_BODY)
        return json_response(service.post_message(headers, args["thread_id"], body), 202)
    if endpoint == "settings" and method == "GET":
        return json_response(service.get_settings(headers))
    if endpoint == "settings":
        service.caller(headers)  # as for messages: who may not write learns nothing from the body
        body = json_object(request, {"monthly_budget_usd": str}, max_bytes=MAX_BODY)
        if "monthly_budget_usd" not in body:
            raise ApiError(400, "missing_field", "field 'monthly_budget_usd' is required (null clears the budget)")
        return json_response(service.put_settings(headers, body))
    if endpoint == "run":
        return json_response(service.get_run(headers, args["run_id"]))
    return json_response(service.ws_ticket(headers))
