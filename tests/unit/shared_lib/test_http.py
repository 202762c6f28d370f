"""shared_lib.http: the edge every HTTP function shares, on werkzeug's own test requests."""

import json
import logging

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared_lib.http import MAX_ID_CHARS, ApiError, Router, int_param, json_object, read_json, valid_id


def _request(path="/", method="GET", body: bytes | None = None, content_type="application/json") -> Request:
    return Request(EnvironBuilder(path=path, method=method, data=body, content_type=content_type).get_environ())


@pytest.mark.parametrize("value", ["0f715d265bf34f6395368774d5486674", "run-1", "a", "_x_", "__x", "x__", "é" * MAX_ID_CHARS])
def test_ordinary_ids_are_valid(value):
    assert valid_id(value)


@pytest.mark.parametrize("value", ["", "__main__", "__x__", "____", "a/b", ".", "..", "a\x00b", "\ud800", "x" * (MAX_ID_CHARS + 1), "1" * 5000])
def test_ids_firestore_refuses_or_nobody_issues_are_invalid(value):
    assert not valid_id(value)


@pytest.mark.parametrize("raw, expected", [(None, 50), ("1", 1), ("200", 200), ("007", 7)])
def test_int_param_takes_plain_decimals_in_range(raw, expected):
    args = {} if raw is None else {"limit": raw}
    assert int_param(args, "limit", 50, 1, 200) == expected


@pytest.mark.parametrize("raw", ["0", "201", "-1", "+5", " 5", "5.0", "abc", "", "\u00b2", "\u0663", "1" * 5000, "9" * 4301])
def test_int_param_refuses_anything_else_with_a_400(raw):
    with pytest.raises(ApiError) as refused:
        int_param({"limit": raw}, "limit", 50, 1, 200)
    assert (refused.value.status, refused.value.code) == (400, "invalid_limit")


@pytest.mark.parametrize("body", [
    b'{"title": "\\ud800"}',          # a lone surrogate: no UTF-8 for it
    b'{"title": "a\\u0000b"}',        # NUL: Postgres text refuses it
    b'{"\\udfff": "x"}',              # in a key too
    b'{"a": [[["\\ud83d"]]]}',        # however deep
])
def test_strings_that_cannot_be_stored_are_a_400(body):
    with pytest.raises(ApiError) as refused:
        read_json(_request(method="POST", body=body))
    assert (refused.value.status, refused.value.code) == (400, "invalid_text")


def test_text_that_can_be_stored_passes_even_when_odd():
    body = '{"title": "\\ud83d\\ude00 a\\u0001b \\ufeff \\t"}'.encode()
    assert read_json(_request(method="POST", body=body)) == {"title": "\U0001f600 a\x01b \ufeff \t"}


@pytest.mark.parametrize("body, code", [
    (b"[" * 100_000 + b"]" * 100_000, "malformed_json"),
    (b'{"title": ' + b"1" * 5000 + b"}", "malformed_json"),
    (b'{"title": 1' + b"0" * 4400 + b".5}", "malformed_json"),
])
def test_hostile_json_bodies_are_a_400(body, code):
    with pytest.raises(ApiError) as refused:
        json_object(_request(method="POST", body=body), {"title": str})
    assert (refused.value.status, refused.value.code) == (400, code)


def _router():
    return Router([("/api/things/<thing_id>", "thing", ["GET"]), ("/api/things/<thing_id>/parts", "parts", ["GET"])],
                  {"openapi": "3.1.0"}, logging.getLogger("test"), cors_origins=lambda: ())


@pytest.mark.parametrize("path", ["/api/things/__main__", "/api/things/__x__/parts", "/api/things/a%2Fb", "/api/things/..",
                                  "/api/things/a%00b", "/api/things/" + "x" * (MAX_ID_CHARS + 1)])
def test_a_path_id_no_document_can_have_is_a_404_before_the_handler(path):
    reached = []
    body, status, _ = _router().dispatch(_request(path), lambda *args: reached.append(args))
    assert (status, json.loads(body)["error"]["code"], reached) == (404, "not_found", [])


def test_a_valid_path_id_reaches_the_handler():
    body, status, _ = _router().dispatch(_request("/api/things/0f715d26/parts"), lambda endpoint, args, request: ({"args": args}, 200, {}))
    assert (status, body) == (200, {"args": {"thing_id": "0f715d26"}})


def test_what_the_framework_answers_before_the_router_is_json_too():
    import flask

    app = flask.Flask("fn")
    with app.app_context():  # as functions-framework loads a function's module
        _router()
    answer = app.test_client().get("/api/things/a%0Ab")
    assert (answer.status_code, answer.json) == (404, {"error": {"code": "not_found", "message": "Not Found"}})


@pytest.mark.parametrize("query", ["error=x%00y", "a%00=1", "state=s&error=ok&error=%00"])
def test_a_nul_in_the_query_string_is_a_400_before_the_handler(query):
    reached = []
    body, status, _ = _router().dispatch(_request(f"/api/things/t1?{query}"), lambda *args: reached.append(args))
    assert (status, json.loads(body)["error"]["code"], reached) == (400, "invalid_query", [])


def test_a_head_request_reaches_its_handler_as_a_get():
    router = Router([("/api/things/<thing_id>", "thing", ["GET", "PATCH", "DELETE"])], {}, logging.getLogger("test"), cors_origins=lambda: ())
    seen = []
    router.dispatch(_request("/api/things/t1", method="HEAD"), lambda endpoint, args, request: seen.append(request.method) or ("", 200, {}))
    assert seen == ["GET"]
