"""The published OpenAPI documents name exactly the routes each function serves, with their
path parameters, so the fuzzer (test_openapi_fuzz.py) reaches every route. No platform needed."""

from __future__ import annotations

import importlib
import re

import pytest

LOCAL_ONLY = {("/projects/{project}/topics/{topic}", "post")}  # analytics' local usage consumer, not public


@pytest.mark.parametrize("package", ["netra_auth", "netra_chat", "netra_analytics"])
def test_every_route_is_documented_and_every_documented_route_is_served(package):
    router = importlib.import_module(f"{package}.routes").ROUTER
    document = importlib.import_module(f"{package}.openapi").OPENAPI
    served = {("/health", "get")}  # the Router's own; /openapi.json is the document itself
    for path, _, methods in router.routes:
        served |= {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path), method.lower()) for method in methods}
    documented = {(path, method) for path, item in document["paths"].items() for method in item if method != "parameters"}
    assert documented == served - LOCAL_ONLY


@pytest.mark.parametrize("package", ["netra_auth", "netra_chat", "netra_analytics"])
def test_every_path_parameter_is_declared(package):
    document = importlib.import_module(f"{package}.openapi").OPENAPI
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            declared = {p["name"] for p in [*item.get("parameters", []), *operation.get("parameters", [])] if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (path, method)
