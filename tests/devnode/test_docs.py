"""The OpenRPC and OpenAPI documents describe exactly what the node serves."""

from __future__ import annotations

from starlette.routing import Route

from devnode.app import build_app
from devnode.docs import openapi_document, openrpc_document
from devnode.methods import METHODS
from tests.devnode.conftest import Harness


def test_openrpc_lists_every_method_the_dispatcher_serves_and_no_other() -> None:
    documented = {method["name"] for method in openrpc_document()["methods"]}
    assert documented == set(METHODS)


def test_openrpc_params_are_the_schemas_the_node_validates_with() -> None:
    methods = {method["name"]: method for method in openrpc_document()["methods"]}
    publish = methods["ai_publish_task"]
    names = [param["name"] for param in publish["params"]]
    assert names == ["task_data", "from", "auth"]
    task_data = publish["params"][0]["schema"]
    assert task_data["required"] == ["task_type", "reward_amount"]
    assert task_data["additionalProperties"] is False
    assert set(task_data["properties"]) >= {
        "title",
        "difficulty_level",
        "deadline_hours",
        "verification_type",
    }
    assert methods["get_balance"]["params"][0]["required"] is True
    assert all(method["paramStructure"] == "by-name" for method in methods.values())


def test_rpc_discover_returns_the_openrpc_document(harness: Harness) -> None:
    assert harness.call("rpc.discover") == openrpc_document()


def test_openapi_covers_every_rest_route(harness: Harness) -> None:
    app = build_app(harness.node)
    served = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/ai/")
        for method in (route.methods or set())
        if method != "HEAD"
    }
    documented = {(path, verb) for path, item in openapi_document()["paths"].items() for verb in item}
    assert documented == served
