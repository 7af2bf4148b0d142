"""The OpenRPC and OpenAPI documents describe exactly what the node serves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from starlette.routing import Route

from devnode.app import build_app
from devnode.docs import openapi_document, openrpc_document
from devnode.methods import METHODS
from devnode.results import RESULTS
from tests.devnode.conftest import Harness
from tests.support.devnode import DevnodeProcess, run_devnode


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


# ----- the documents validate, and a real node serves them for the address it is reached at -----------

VENDOR = Path(__file__).parent / "vendor"


def test_the_openapi_document_is_valid_openapi_3_1() -> None:
    validate_spec(openapi_document())


def test_the_openrpc_document_matches_the_openrpc_meta_schema() -> None:
    meta_schema = json.loads((VENDOR / "openrpc-meta-schema.json").read_text())
    registry = Registry().with_resource(
        "https://meta.json-schema.tools", Resource.from_contents(Draft7Validator.META_SCHEMA)
    )
    errors = list(Draft7Validator(meta_schema, registry=registry).iter_errors(openrpc_document()))
    assert not errors, [f"{list(error.absolute_path)}: {error.message[:200]}" for error in errors[:5]]


def test_every_method_and_route_has_a_result_schema() -> None:
    for method in openrpc_document()["methods"]:
        assert method["result"]["schema"] == RESULTS[method["name"]], method["name"]
    for path, item in openapi_document()["paths"].items():
        for verb, operation in item.items():
            ok = operation["responses"].get("200") or operation["responses"]["201"]
            assert ok["content"]["application/json"]["schema"] == RESULTS[operation["operationId"]], (
                path,
                verb,
            )


def test_path_parameters_carry_the_patterns_the_node_enforces() -> None:
    params = {
        param["name"]: param["schema"]
        for item in openapi_document()["paths"].values()
        for operation in item.values()
        for param in operation.get("parameters", [])
        if param["in"] == "path"
    }
    assert params["task_id"]["pattern"] == "^[0-9a-fA-F]{64}$"
    assert params["submission_id"]["pattern"] == "^[0-9a-fA-F]{64}$"
    assert params["address"]["format"] == "tos-address"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    with run_devnode(tmp_path_factory.mktemp("docs"), block_time=0) as node:
        yield node


def test_the_documents_name_the_address_the_request_came_to(served: DevnodeProcess) -> None:
    for host in (f"127.0.0.1:{served.port}", "devnode.example:9000"):
        headers = {"host": host}
        openapi = served.http.get(served.url + "/openapi.json", headers=headers).json()
        openrpc = served.http.get(served.url + "/openrpc.json", headers=headers).json()
        discovered = served.http.post(
            served.url, json={"jsonrpc": "2.0", "id": 1, "method": "rpc.discover"}, headers=headers
        ).json()["result"]
        assert openapi["servers"] == [{"url": f"http://{host}"}]
        assert openrpc["servers"] == discovered["servers"] == [{"name": "devnode", "url": f"http://{host}"}]


def test_a_wrong_verb_gets_a_json_405_whose_allow_header_names_every_verb(served: DevnodeProcess) -> None:
    reply = served.http.request("DELETE", served.url + "/ai/tasks")
    assert reply.status_code == 405
    assert {verb.strip() for verb in reply.headers["allow"].split(",")} >= {"GET", "POST"}
    assert reply.headers["content-type"] == "application/json"
    assert reply.json()["error"]["data"] == {"rule": "http_method"}
    missing = served.http.get(served.url + "/ai/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["data"] == {"rule": "path"}


def test_cors_is_off_by_default(served: DevnodeProcess) -> None:
    reply = served.http.get(served.url + "/ai/network-info", headers={"origin": "https://app.example"})
    assert reply.status_code == 200
    assert "access-control-allow-origin" not in reply.headers


def test_cors_answers_the_origins_it_is_given(tmp_path: Path) -> None:
    with run_devnode(tmp_path, block_time=0, extra_args=["--cors-origins", "https://app.example"]) as node:
        preflight = node.http.options(
            node.url + "/",
            headers={
                "origin": "https://app.example",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://app.example"
        call = node.http.post(
            node.url,
            json={"jsonrpc": "2.0", "id": 1, "method": "get_version"},
            headers={"origin": "https://app.example"},
        )
        assert call.headers["access-control-allow-origin"] == "https://app.example"
        other = node.http.get(node.url + "/ai/network-info", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
