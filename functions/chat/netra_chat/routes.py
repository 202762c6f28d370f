"""HTTP routes of the chat function: parse, call the service with the admitted caller, answer JSON."""

from __future__ import annotations

import logging

from shared_lib.access import USER
from shared_lib.http import ApiError, Call, Endpoint, Router, int_param, json_object, json_response

from netra_chat.openapi import OPENAPI

log = logging.getLogger("netra.chat")
MAX_BODY = 64 * 1024
PAGE_DEFAULT, PAGE_MAX = 50, 200

RULES = [
    ("/api/threads", "threads", ["GET", "POST"]),
    ("/api/threads/<thread_id>", "thread", ["GET", "PATCH", "DELETE"]),
    ("/api/threads/<thread_id>/messages", "messages", ["GET", "POST"]),
    ("/api/runs/<run_id>", "run", ["GET"]),
    ("/api/ws-ticket", "ws_ticket", ["POST"]),
    ("/api/settings", "settings", ["GET", "PUT"]),
    ("/api/changes", "changes", ["GET", "POST"]),
    ("/api/changes/<change_id>", "change", ["GET", "PATCH"]),
]
# A change's fields as JSON types; their values are checked by netra_chat.changes.
NEW_CHANGE = {
    "lever": str,
    "title": str,
    "scope": dict,
    "change": dict,
    "status": str,
    "recommendation_id": str,
    "projected_saving_usd": str,
    "share_of_traffic": (int, float),
}


def _page(call: Call) -> tuple[int, str | None]:
    return int_param(call.request.args, "limit", PAGE_DEFAULT, 1, PAGE_MAX), call.request.args.get("cursor") or None


def list_threads(service, call: Call):
    return json_response(service.list_threads(call.caller, *_page(call)))


def create_thread(service, call: Call):
    body = json_object(call.request, {"title": str}, max_bytes=MAX_BODY) if call.request.get_data() else {}
    return json_response(service.create_thread(call.caller, body.get("title")), 201)


def get_thread(service, call: Call):
    return json_response(service.get_thread(call.caller, call.args["thread_id"]))


def rename_thread(service, call: Call):
    body = json_object(call.request, {"title": str}, required=("title",), max_bytes=MAX_BODY)
    return json_response(service.rename_thread(call.caller, call.args["thread_id"], body["title"]))


def delete_thread(service, call: Call):
    service.delete_thread(call.caller, call.args["thread_id"])
    return "", 204, {}


def list_messages(service, call: Call):
    return json_response(service.list_messages(call.caller, call.args["thread_id"], *_page(call)))


def post_message(service, call: Call):
    from shared_lib.auth import bearer_token  # loaded with the service; kept off the cold start

    body = json_object(call.request, {"text": str}, required=("text",), max_bytes=MAX_BODY)
    headers = call.request.headers
    posted = service.post_message(
        call.caller, call.args["thread_id"], body["text"], headers.get("Idempotency-Key"), bearer_token(headers)
    )
    return json_response(posted, 202)


def get_run(service, call: Call):
    return json_response(service.get_run(call.caller, call.args["run_id"]))


def ws_ticket(service, call: Call):
    return json_response(service.ws_ticket(call.caller))


def get_settings(service, call: Call):
    return json_response(service.get_settings(call.caller))


def put_settings(service, call: Call):
    body = json_object(call.request, {"monthly_budget_usd": str}, max_bytes=MAX_BODY)
    if "monthly_budget_usd" not in body:
        raise ApiError(400, "missing_field", "field 'monthly_budget_usd' is required (null clears the budget)")
    return json_response(service.put_settings(call.caller, body["monthly_budget_usd"]))


def list_changes(service, call: Call):
    return json_response(service.list_changes(call.caller, call.request.args.get("status"), *_page(call)))


def create_change(service, call: Call):
    body = json_object(call.request, NEW_CHANGE, required=("lever", "title", "scope"), max_bytes=MAX_BODY)
    change, created = service.create_change(call.caller, body, call.request.headers.get("Idempotency-Key"))
    return json_response(change, 201 if created else 200)


def get_change(service, call: Call):
    return json_response(service.get_change(call.caller, call.args["change_id"]))


def move_change(service, call: Call):
    body = json_object(
        call.request, {"status": str, "applied_at": str, "note": str}, required=("status",), max_bytes=MAX_BODY
    )
    moved = service.move_change(
        call.caller, call.args["change_id"], body["status"], body.get("applied_at"), body.get("note")
    )
    return json_response(moved)


# Every chat endpoint is for a signed-in user (no API key, no delegated token).
HANDLERS = {
    ("threads", "GET"): Endpoint(list_threads, USER),
    ("threads", "POST"): Endpoint(create_thread, USER),
    ("thread", "GET"): Endpoint(get_thread, USER),
    ("thread", "PATCH"): Endpoint(rename_thread, USER),
    ("thread", "DELETE"): Endpoint(delete_thread, USER),
    ("messages", "GET"): Endpoint(list_messages, USER),
    ("messages", "POST"): Endpoint(post_message, USER),
    ("run", "GET"): Endpoint(get_run, USER),
    ("ws_ticket", "POST"): Endpoint(ws_ticket, USER),
    ("settings", "GET"): Endpoint(get_settings, USER),
    ("settings", "PUT"): Endpoint(put_settings, USER),
    ("changes", "GET"): Endpoint(list_changes, USER),
    ("changes", "POST"): Endpoint(create_change, USER),
    ("change", "GET"): Endpoint(get_change, USER),
    ("change", "PATCH"): Endpoint(move_change, USER),
}

ROUTER = Router(RULES, HANDLERS, OPENAPI, log)


def dispatch(request, service_factory, cors_origins=()):
    return ROUTER.dispatch(request, service_factory, cors_origins)
