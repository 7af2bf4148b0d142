"""OpenRPC and OpenAPI documents, generated from the schemas the node validates with and answers with.

Params come from the parameter schemas of `devnode.methods`, results from `devnode.results`; the
`servers` entry names the address the request for the document came to (`served_at`).
"""

from __future__ import annotations

import copy
from contextvars import ContextVar
from functools import cache
from typing import Any

from devnode import __version__
from devnode.errors import (
    ALREADY_DONE,
    INSUFFICIENT_FUNDS,
    INVALID_CONTENT,
    NOT_ACCEPTING,
    PERMISSION_DENIED,
    RATE_LIMITED,
    UNKNOWN_ENTITY,
)
from devnode.methods import AUTH, LIST_PARAMS, METHODS, SOLUTION, TASK_DATA
from devnode.results import ERROR, REST_ERROR, RESULTS
from devnode.schema import Address, Amount, HashId, Schema

DEFAULT_URL = "http://127.0.0.1:8545"
# The base URL of the request being served (set by the transport), which the documents name as server.
served_at: ContextVar[str] = ContextVar("served_at", default=DEFAULT_URL)

DOMAIN_ERRORS = [
    {"code": UNKNOWN_ENTITY, "message": "unknown task or submission"},
    {"code": INSUFFICIENT_FUNDS, "message": "insufficient balance or stake out of range"},
    {"code": NOT_ACCEPTING, "message": "task not accepting this action (expired, full, wrong status)"},
    {"code": PERMISSION_DENIED, "message": "permission denied (ownership, reputation, signature, nonce)"},
    {"code": INVALID_CONTENT, "message": "invalid content (lengths, score range, reward range)"},
    {"code": ALREADY_DONE, "message": "already done (second participation, second validation)"},
    {"code": RATE_LIMITED, "message": "rate limited (data.retry_after seconds)"},
]

_FROM_SCHEMA = Address(description="Unsigned writes: the dev account acting (default dev account 0)")


def _descriptor(name: str, schema: Schema, required: bool) -> dict[str, Any]:
    return {"name": name, "required": required, "schema": schema.json_schema()}


def openrpc_document(server_url: str | None = None) -> dict[str, Any]:
    """The OpenRPC document, naming `server_url` (default: the address being served) as its server."""
    document = dict(_openrpc_body())
    document["servers"] = [{"name": "devnode", "url": server_url or served_at.get()}]
    return document


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI document, naming `server_url` (default: the address being served) as its server."""
    document = dict(_openapi_body())
    document["servers"] = [{"url": server_url or served_at.get()}]
    return document


@cache
def _openrpc_body() -> dict[str, Any]:
    methods = []
    for method in METHODS.values():
        params = [_descriptor(prop.name, prop.schema, prop.required) for prop in method.params.props]
        if method.caller:
            params.append(_descriptor("from", _FROM_SCHEMA, False))
            params.append(_descriptor("auth", AUTH, False))
        entry: dict[str, Any] = {
            "name": method.name,
            "summary": method.summary,
            "paramStructure": "by-name",
            "params": params,
            "result": {"name": "result", "schema": method.result},
        }
        if method.caller or method.mutates:
            entry["errors"] = DOMAIN_ERRORS
        if method.dev:
            entry["tags"] = [{"name": "dev"}]
        methods.append(entry)
    return {
        "openrpc": "1.3.2",
        "info": {"title": "TOS AI-mining devnode", "version": __version__},
        "methods": methods,
        "components": {"schemas": {"Error": ERROR}},
    }


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _writer_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A REST write body: the method's own fields plus the optional caller fields."""
    properties = dict(schema.get("properties", {}))
    properties["from"] = _FROM_SCHEMA.json_schema()
    properties["auth"] = AUTH.json_schema()
    return {**schema, "properties": properties}


_JSON_OK = {"200": {"description": "OK"}}
_CREATED = {"201": {"description": "Created"}}
_ERRORS = {
    "4XX": {"description": "A rejection: {error: {code, message, data}} with the JSON-RPC code"},
}
_FROM_HEADER = {
    "name": "X-TOS-From",
    "in": "header",
    "required": False,
    "schema": Address(description="Unsigned writes: the dev account acting").json_schema(),
}
_PATH_SCHEMAS = {
    "task_id": HashId().json_schema(),
    "submission_id": HashId().json_schema(),
    "address": Address(description="A bech32 address (HRP tst; checksum checked), either case").json_schema(),
}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _PATH_SCHEMAS[name]}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _describe_responses(operation: dict[str, Any]) -> None:
    """Give an operation's replies their schemas: the method's result, and the error every refusal is."""
    responses = operation["responses"] = copy.deepcopy(operation["responses"])  # the bases are shared
    for status in ("200", "201"):
        if status in responses:
            responses[status]["content"] = _json(RESULTS[operation["operationId"]])
    if "4XX" in responses:
        responses["4XX"]["content"] = _json(REST_ERROR)
        responses["429"] = {
            "description": "Rate limited: the JSON-RPC error -32007, and when to try again",
            "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
            "content": _json(REST_ERROR),
        }
        responses["503"] = {
            "description": "The node failed (-32603); the request changed nothing",
            "content": _json(REST_ERROR),
        }


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


@cache
def _openapi_body() -> dict[str, Any]:
    list_props = {prop.name: prop.schema for prop in LIST_PARAMS.props}
    filter_schema = list_props["filters"].json_schema()["properties"]
    list_query = [_query(name, schema) for name, schema in filter_schema.items()]
    list_query += [
        _query(name, list_props[name].json_schema()) for name in ("sort_by", "sort_order", "limit", "offset")
    ]
    participate = METHODS["ai_participate_task"].params
    stake_schema = {prop.name: prop.schema for prop in participate.props}["stake_amount"].json_schema()
    validate = METHODS["ai_validate_submission"].params
    result_schema = {prop.name: prop.schema for prop in validate.props}["validation_result"].json_schema()
    paths: dict[str, Any] = {
        "/ai/network-info": {"get": {"operationId": "get_network_info", "responses": {**_JSON_OK}}},
        "/ai/rules": {"get": {"operationId": "ai_get_rules", "responses": {**_JSON_OK}}},
        "/ai/tasks": {
            "get": {
                "operationId": "ai_list_active_tasks",
                "parameters": list_query,
                "responses": {**_JSON_OK, **_ERRORS},
            },
            "post": {
                "operationId": "ai_publish_task",
                "description": "The body is task_data; the flat form (task_type with its detail beside it) works.",
                "parameters": [_FROM_HEADER],
                "requestBody": _body(_writer_schema(TASK_DATA.json_schema())),
                "responses": {**_CREATED, **_ERRORS},
            },
        },
        "/ai/tasks/{task_id}": {
            "get": {
                "operationId": "ai_get_task_details",
                "parameters": [_path_param("task_id")],
                "responses": {**_JSON_OK, **_ERRORS},
            }
        },
        "/ai/tasks/{task_id}/participants": {
            "post": {
                "operationId": "ai_participate_task",
                "parameters": [_path_param("task_id"), _FROM_HEADER],
                "requestBody": _body(
                    _writer_schema(
                        {
                            "type": "object",
                            "properties": {"stake_amount": stake_schema},
                            "additionalProperties": False,
                        }
                    )
                ),
                "responses": {**_CREATED, **_ERRORS},
            }
        },
        "/ai/tasks/{task_id}/submissions": {
            "post": {
                "operationId": "ai_submit_solution",
                "description": "The body is the solution_data object (or {solution_data: {...}}).",
                "parameters": [_path_param("task_id"), _FROM_HEADER],
                "requestBody": _body(_writer_schema(SOLUTION.json_schema())),
                "responses": {**_CREATED, **_ERRORS},
            }
        },
        "/ai/submissions/{submission_id}/validations": {
            "post": {
                "operationId": "ai_validate_submission",
                "description": 'The body is {validation_result, task_id?} or the bare {"Approve": {...}}.',
                "parameters": [_path_param("submission_id"), _FROM_HEADER],
                "requestBody": _body(
                    _writer_schema(
                        {
                            "type": "object",
                            "properties": {"validation_result": result_schema, "task_id": {"type": "string"}},
                        }
                    )
                ),
                "responses": {**_CREATED, **_ERRORS},
            }
        },
        "/ai/miners/{address}": {
            "get": {
                "operationId": "ai_get_miner_stats",
                "parameters": [_path_param("address")],
                "responses": {**_JSON_OK, **_ERRORS},
            }
        },
        "/ai/events": {
            "get": {
                "operationId": "ai_get_events",
                "parameters": [
                    _query(prop.name, prop.schema.json_schema())
                    for prop in METHODS["ai_get_events"].params.props
                ],
                "responses": {**_JSON_OK, **_ERRORS},
            }
        },
    }
    for item in paths.values():
        for operation in item.values():
            _describe_responses(operation)
    return {
        "openapi": "3.1.0",
        "info": {"title": "TOS AI-mining devnode REST API", "version": __version__},
        "paths": paths,
        "components": {"schemas": {"Amount": Amount().json_schema(), "Address": Address().json_schema()}},
    }
