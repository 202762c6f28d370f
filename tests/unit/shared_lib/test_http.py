"""shared_lib.http: the edge every HTTP function shares, on werkzeug's own test requests."""

import json
import logging

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared_lib.access import USER, Access
from shared_lib.auth import InvalidToken, Principal, bearer_token
from shared_lib.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unavailable, UpstreamFailed
from shared_lib.http import (
    MAX_ID_CHARS,
    REFUSAL_STATUS,
    ApiError,
    Endpoint,
    Router,
    int_param,
    json_object,
    read_json,
    valid_id,
)


def _request(
    path="/", method="GET", body: bytes | None = None, content_type="application/json", headers=None
) -> Request:
    return Request(
        EnvironBuilder(path=path, method=method, data=body, content_type=content_type, headers=headers).get_environ()
    )


@pytest.mark.parametrize(
    "value", ["0f715d265bf34f6395368774d5486674", "run-1", "a", "_x_", "__x", "x__", "é" * MAX_ID_CHARS]
)
def test_ordinary_ids_are_valid(value):
    assert valid_id(value)


@pytest.mark.parametrize(
    "value",
    ["", "__main__", "__x__", "____", "a/b", ".", "..", "a\x00b", "\ud800", "x" * (MAX_ID_CHARS + 1), "1" * 5000],
)
def test_ids_firestore_refuses_or_nobody_issues_are_invalid(value):
    assert not valid_id(value)


@pytest.mark.parametrize("raw, expected", [(None, 50), ("1", 1), ("200", 200), ("007", 7)])
def test_int_param_takes_plain_decimals_in_range(raw, expected):
    args = {} if raw is None else {"limit": raw}
    assert int_param(args, "limit", 50, 1, 200) == expected


@pytest.mark.parametrize(
    "raw", ["0", "201", "-1", "+5", " 5", "5.0", "abc", "", "\u00b2", "\u0663", "1" * 5000, "9" * 4301]
)
def test_int_param_refuses_anything_else_with_a_400(raw):
    with pytest.raises(ApiError) as refused:
        int_param({"limit": raw}, "limit", 50, 1, 200)
    assert (refused.value.status, refused.value.code) == (400, "invalid_limit")


@pytest.mark.parametrize(
    "body",
    [
        b'{"title": "\\ud800"}',  # a lone surrogate: no UTF-8 for it
        b'{"title": "a\\u0000b"}',  # NUL: Postgres text refuses it
        b'{"\\udfff": "x"}',  # in a key too
        b'{"a": [[["\\ud83d"]]]}',  # however deep
    ],
)
def test_strings_that_cannot_be_stored_are_a_400(body):
    with pytest.raises(ApiError) as refused:
        read_json(_request(method="POST", body=body))
    assert (refused.value.status, refused.value.code) == (400, "invalid_text")


def test_text_that_can_be_stored_passes_even_when_odd():
    body = b'{"title": "\\ud83d\\ude00 a\\u0001b \\ufeff \\t"}'
    assert read_json(_request(method="POST", body=body)) == {"title": "\U0001f600 a\x01b \ufeff \t"}


@pytest.mark.parametrize(
    "body, code",
    [
        (b"[" * 100_000 + b"]" * 100_000, "malformed_json"),
        (b'{"title": ' + b"1" * 5000 + b"}", "malformed_json"),
        (b'{"title": 1' + b"0" * 4400 + b".5}", "malformed_json"),
    ],
)
def test_hostile_json_bodies_are_a_400(body, code):
    with pytest.raises(ApiError) as refused:
        json_object(_request(method="POST", body=body), {"title": str})
    assert (refused.value.status, refused.value.code) == (400, code)


class _Service:
    """What a router hands its handlers: here, who it admits is whoever says so in the header."""

    def __init__(self):
        self.admitted = []
        self.authenticator = self

    def admit(self, headers, access):
        token = bearer_token(headers)
        if token == "nobody":
            raise InvalidToken("token_expired", "the token has expired")
        caller = Principal("user", "org-1", token, (), None)
        self.admitted.append((caller, access))
        return caller


def _answer(service, call):
    return (
        {"args": dict(call.args), "method": call.request.method, "caller": call.caller and call.caller.user_id},
        200,
        {},
    )


def _router(handle=_answer, access=USER, **rules):
    return Router(
        [("/api/things/<thing_id>", "thing", ["GET"]), ("/api/things/<thing_id>/parts", "parts", ["GET"])],
        {("thing", "GET"): Endpoint(handle, access), ("parts", "GET"): Endpoint(handle, access)},
        {"openapi": "3.1.0"},
        logging.getLogger("test"),
    )


def _reaching(reached):
    return lambda service, call: reached.append(call) or ("", 200, {})


@pytest.mark.parametrize(
    "path",
    [
        "/api/things/__main__",
        "/api/things/__x__/parts",
        "/api/things/a%2Fb",
        "/api/things/..",
        "/api/things/a%00b",
        "/api/things/" + "x" * (MAX_ID_CHARS + 1),
    ],
)
def test_a_path_id_no_document_can_have_is_a_404_before_the_handler(path):
    reached = []
    body, status, _ = _router(_reaching(reached)).dispatch(_request(path), _Service)
    assert (status, json.loads(body)["error"]["code"], reached) == (404, "not_found", [])


def test_a_valid_path_id_reaches_the_handler():
    body, status, _ = _router(access=None).dispatch(_request("/api/things/0f715d26/parts"), _Service)
    assert (status, body["args"], body["caller"]) == (200, {"thing_id": "0f715d26"}, None)


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
    body, status, _ = _router(_reaching(reached)).dispatch(_request(f"/api/things/t1?{query}"), _Service)
    assert (status, json.loads(body)["error"]["code"], reached) == (400, "invalid_query", [])


def test_a_head_request_reaches_its_handler_as_a_get():
    router = Router(
        [("/api/things/<thing_id>", "thing", ["GET", "PATCH", "DELETE"])],
        {("thing", method): Endpoint(_answer, None) for method in ("GET", "PATCH", "DELETE")},
        {},
        logging.getLogger("test"),
    )
    body, status, _ = router.dispatch(_request("/api/things/t1", method="HEAD"), _Service)
    assert (status, body["method"]) == (200, "GET")


def test_a_route_without_a_handler_is_refused_when_the_router_is_built():
    rules = [("/api/things", "things", ["GET", "POST"])]
    with pytest.raises(ValueError, match=r"routes without a handler: \[\('things', 'POST'\)\]"):
        Router(rules, {("things", "GET"): Endpoint(_answer, None)}, {}, logging.getLogger("test"))
    with pytest.raises(ValueError, match=r"handlers without a route: \[\('thing', 'GET'\)\]"):
        Router(
            rules,
            {
                ("things", "GET"): Endpoint(_answer, None),
                ("things", "POST"): Endpoint(_answer, None),
                ("thing", "GET"): Endpoint(_answer, None),
            },
            {},
            logging.getLogger("test"),
        )


def test_the_caller_is_admitted_once_before_the_handler_under_the_endpoints_access():
    service = _Service()
    scoped = Access(api_key=True, scope="usage:read")
    body, status, _ = _router(access=scoped).dispatch(
        _request("/api/things/t1", headers={"Authorization": "Bearer ada"}), lambda: service
    )
    assert (status, body["caller"]) == (200, "ada")
    assert [access for _, access in service.admitted] == [scoped]


def test_a_refused_credential_never_reaches_the_handler_and_says_how_to_authenticate():
    reached = []
    body, status, headers = _router(_reaching(reached)).dispatch(
        _request("/api/things/t1", headers={"Authorization": "Bearer nobody"}), _Service
    )
    assert (status, json.loads(body)["error"]["code"], reached) == (401, "token_expired", [])
    assert headers["WWW-Authenticate"] == 'Bearer error="invalid_token", error_description="token_expired"'


@pytest.mark.parametrize(
    ("refusal", "status", "extra"),
    [
        (Invalid("invalid_field", "m"), 400, {}),
        (Forbidden("forbidden", "m"), 403, {}),
        (NotFound("not_found", "m"), 404, {}),
        (Conflict("idempotency_key_reused", "m"), 409, {}),
        (RateLimited("rate_limited", "m", 7), 429, {"Retry-After": "7"}),
        (UpstreamFailed("provider_error", "m"), 502, {}),
        (Unavailable("queue_unavailable", "m"), 503, {}),
        (
            InvalidToken("keys_unavailable", "m"),
            503,
            {"WWW-Authenticate": 'Bearer error="invalid_token", error_description="keys_unavailable"'},
        ),
    ],
)
def test_each_domain_refusal_has_one_status(refusal, status, extra):
    def refuse(service, call):
        raise refusal

    body, answered, headers = _router(refuse).dispatch(
        _request("/api/things/t1", headers={"Authorization": "Bearer ada"}), _Service
    )
    assert (answered, json.loads(body)) == (status, {"error": {"code": refusal.code, "message": "m"}})
    assert {name: headers[name] for name in extra} == extra


def test_every_refusal_kind_has_a_status():
    import shared_lib.errors as errors

    kinds = {value for value in vars(errors).values() if isinstance(value, type) and issubclass(value, errors.Refused)}
    assert kinds - {errors.Refused} == set(REFUSAL_STATUS)


def test_anything_else_is_a_500_without_its_detail():
    def fail(service, call):
        raise RuntimeError("secret detail")

    body, status, _ = _router(fail).dispatch(
        _request("/api/things/t1", headers={"Authorization": "Bearer ada"}), _Service
    )
    assert (status, json.loads(body)) == (
        500,
        {"error": {"code": "internal", "message": "the request could not be completed"}},
    )


def test_cors_headers_only_for_the_origins_passed_in():
    headers = {"Authorization": "Bearer ada", "Origin": "https://app.example"}
    _, _, allowed = _router().dispatch(_request("/api/things/t1", headers=headers), _Service, ("https://app.example",))
    _, _, other = _router().dispatch(
        _request("/api/things/t1", headers=headers), _Service, ("https://elsewhere.example",)
    )
    assert (
        allowed["Access-Control-Allow-Origin"] == "https://app.example" and "Access-Control-Allow-Origin" not in other
    )
