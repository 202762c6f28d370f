"""The published OpenAPI documents agree with the routes each function serves: every operation,
every path parameter, every request body and a schema for every answer with a body. The
fuzzer (tests/integration/fuzz/test_openapi_fuzz.py) generates its requests from these
documents, so what they leave out it never sends.

Which routes read a body is learnt from the routes themselves: each is called through its
function's `dispatch` with a body and a service that lets everything through, and the test
records whether the request's body was touched. No platform needed.
"""

from __future__ import annotations

import importlib
import inspect
import re

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

PACKAGES = ["netra_auth", "netra_chat", "netra_analytics"]
LOCAL_ONLY = {("/projects/{project}/topics/{topic}", "post")}  # analytics' local usage consumer, not public
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# A value each path parameter's schema takes (a route matches only valid ids).
PATH_VALUES = {"provider": "google", "key_id": "00000000-0000-4000-8000-000000000000"}
ANY_ID = "0123456789abcdef0123456789abcdef"
# What a schema says to say something about the answer's body.
SCHEMA_KEYWORDS = {"type", "$ref", "const", "enum", "oneOf", "anyOf", "allOf"}


def _document(package: str) -> dict:
    return importlib.import_module(f"{package}.openapi").OPENAPI


def _served(package: str) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every public route of the function's Router."""
    router = importlib.import_module(f"{package}.routes").ROUTER
    served = {("/health", "get")}  # the Router's own; /openapi.json is the document itself
    for path, _, methods in router.routes:
        served |= {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path), method.lower()) for method in methods}
    return served - LOCAL_ONLY


def _operations(package: str):
    for path, item in _document(package)["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item, item[method]


def _routed(package: str) -> list[tuple[str, str]]:
    return sorted(op for op in _served(package) if op[0] != "/health")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_route_is_documented_and_every_documented_route_is_served(package):
    documented = {(path, method) for path, method, _, _ in _operations(package)}
    assert documented == _served(package)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_path_parameter_is_declared(package):
    for path, method, item, operation in _operations(package):
        declared = {
            p["name"] for p in [*item.get("parameters", []), *operation.get("parameters", [])] if p["in"] == "path"
        }
        assert declared == set(re.findall(r"{(\w+)}", path)), (path, method)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_answer_with_a_body_has_a_schema(package):
    for path, method, _, operation in _operations(package):
        assert operation.get("responses"), (path, method)
        for status, response in operation["responses"].items():
            if status == "204" or status.startswith("3"):
                assert "content" not in response, (path, method, status)  # no body to describe
                continue
            content = response.get("content") or {}
            assert content, f"{method.upper()} {path} {status}: no media type"
            for media_type, body in content.items():
                assert SCHEMA_KEYWORDS & set(body.get("schema", {})), (
                    f"{method.upper()} {path} {status} {media_type}: no schema"
                )


@pytest.mark.parametrize("package", PACKAGES)
def test_every_schema_is_valid_json_schema(package):
    from jsonschema import Draft202012Validator

    document = _document(package)
    for _path, _method, item, operation in _operations(package):
        parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
        bodies = [
            *operation.get("requestBody", {}).get("content", {}).values(),
            *(m for r in operation["responses"].values() for m in r.get("content", {}).values()),
        ]
        for schema in [p["schema"] for p in parameters] + [b["schema"] for b in bodies]:
            Draft202012Validator.check_schema(schema)
    for schema in document.get("components", {}).get("schemas", {}).values():
        Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("package", PACKAGES)
def test_an_operation_declares_a_request_body_exactly_when_its_route_reads_one(package):
    document = _document(package)
    for path, method in _routed(package):
        declared = document["paths"][path][method].get("requestBody")
        read = _reads_body(package, path, method, b'{"probe": 1}', "application/json")
        assert bool(declared) == read.touched, (
            f"{method.upper()} {path}: reads a body: {read.touched}, documents one: {bool(declared)}"
        )


@pytest.mark.parametrize("package", PACKAGES)
def test_a_route_that_refuses_a_media_type_documents_which_it_takes(package):
    """A route that checks the media type answers 415, documented, to one it does not take, and
    documents JSON when it takes JSON."""
    document = _document(package)
    for path, method in _routed(package):
        operation = document["paths"][path][method]
        if "requestBody" not in operation:
            continue
        media_types = set(operation["requestBody"]["content"])
        if _reads_body(package, path, method, b"probe", "text/plain").status != 415:
            continue  # takes any bytes (an uploaded export)
        assert "415" in operation["responses"] and "text/plain" not in media_types, (path, method)
        if _reads_body(package, path, method, b'{"probe": 1}', "application/json").status != 415:
            assert "application/json" in media_types, (path, method)


class _Everything(int):
    """A service that lets every call through: any attribute, called or not, is one of these
    (an int, 1, so that settings read as numbers and flags work too)."""

    def __new__(cls):
        return super().__new__(cls, 1)

    def __getattr__(self, name: str):
        return _Everything()

    def __call__(self, *args, **kwargs):
        return _Everything()


class _Watched:
    """A request that records whether anything read its body."""

    BODY = frozenset({"get_data", "data", "stream", "input_stream", "files", "form", "values", "json", "get_json"})

    def __init__(self, request):
        self._request = request
        self.touched = False

    def __getattr__(self, name: str):
        if name in self.BODY:
            self.touched = True
        return getattr(self._request, name)


class _Probe:
    def __init__(self, touched: bool, status: int):
        self.touched, self.status = touched, status


def _reads_body(package: str, path: str, method: str, body: bytes, content_type: str) -> _Probe:
    concrete = re.sub(r"{(\w+)}", lambda m: PATH_VALUES.get(m.group(1), ANY_ID), path)
    request = _Watched(
        Request(
            EnvironBuilder(path=concrete, method=method.upper(), data=body, content_type=content_type).get_environ()
        )
    )
    dispatch = importlib.import_module(f"{package}.routes").dispatch
    # Whatever else a function's dispatch takes (analytics: whether it runs locally) is the deployed default.
    extra = {name: False for name in list(inspect.signature(dispatch).parameters)[2:]}
    answer = dispatch(request, lambda: _Everything(), **extra)
    # A route may hand back what the service answered (OTLP): the fake's, a success.
    return _Probe(request.touched, answer[1] if isinstance(answer, tuple) else 200)
