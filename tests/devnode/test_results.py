"""Every reply of a scripted run matches the schema the node publishes for it (devnode.results).

The run is the docs' scenario (`devnode.examples`, shared with test_examples.py): two real devnode
processes, every method, the REST routes and the WebSocket. JSON-RPC replies are checked against the
method's result schema (or the error schema), REST replies against the served OpenAPI document, and
WebSocket messages against the event and control-message schemas.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from devnode.docs import openapi_document
from devnode.examples.recorder import Exchange, Recorder
from devnode.methods import METHODS
from devnode.results import ERROR, RESULTS, WS_MESSAGE, WS_SUBSCRIBED

ENVELOPE = {
    "type": "object",
    "properties": {"jsonrpc": {"const": "2.0"}, "id": {}, "result": {}, "error": ERROR},
    "required": ["jsonrpc", "id"],
    "additionalProperties": False,
    "oneOf": [{"required": ["result"]}, {"required": ["error"]}],
}


def check(schema: dict[str, Any], value: Any, where: str) -> None:
    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=lambda error: list(error.path))
    assert not errors, f"{where}: " + "; ".join(
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message[:300]}" for error in errors[:5]
    )


def exchanges(recorders: list[Recorder]) -> Iterator[Exchange]:
    for recorder in recorders:
        yield from recorder.exchanges


def rpc_pairs(exchange: Exchange) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(request, reply) of a JSON-RPC exchange; notifications have no reply and are skipped."""
    requests = exchange.body if isinstance(exchange.body, list) else [exchange.body]
    replies = exchange.reply if isinstance(exchange.reply, list) else [exchange.reply]
    answered = [item for item in requests if isinstance(item, dict) and "id" in item]
    if len(answered) == len(replies):
        yield from zip(answered, replies, strict=True)


def test_every_json_rpc_reply_matches_its_methods_schema(scenario_run: tuple[str, list[Recorder]]) -> None:
    succeeded: set[str] = set()
    checked = 0
    for exchange in exchanges(scenario_run[1]):
        if exchange.path not in ("/", "/json_rpc") or exchange.reply is None:
            continue
        for request, reply in rpc_pairs(exchange):
            method = str(request.get("method"))
            check(ENVELOPE, reply, f"{method} envelope")
            if "result" in reply and method in RESULTS:
                check(RESULTS[method], reply["result"], f"result of {method}")
                succeeded.add(method)
            checked += 1
    assert checked > 100
    assert succeeded == set(METHODS), f"never answered successfully: {set(METHODS) - succeeded}"


def route_of(path: str, templates: list[str]) -> str:
    for template in templates:
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path.split("?")[0]):
            return template
    raise AssertionError(f"no documented route for {path}")


def test_every_rest_reply_matches_the_served_openapi_document(
    scenario_run: tuple[str, list[Recorder]],
) -> None:
    paths = openapi_document()["paths"]
    checked = 0
    for exchange in exchanges(scenario_run[1]):
        if not exchange.path.startswith("/ai/"):
            continue
        operation = paths[route_of(exchange.path, list(paths))][exchange.verb.lower()]
        responses = operation["responses"]
        status = str(exchange.status)
        response = responses.get(status) or responses[f"{status[0]}XX"]
        check(
            response["content"]["application/json"]["schema"],
            exchange.reply,
            f"{exchange.verb} {exchange.path}",
        )
        checked += 1
    assert checked >= 10


def test_every_websocket_message_matches_its_schema(scenario_run: tuple[str, list[Recorder]]) -> None:
    checked = 0
    for recorder in scenario_run[1]:
        for transcript in recorder.transcripts:
            for message in transcript.received:
                if "jsonrpc" in message:
                    check(ENVELOPE, message, "subscribe reply")
                    if "result" in message:
                        check(WS_SUBSCRIBED, message["result"], "subscribe result")
                else:
                    check(WS_MESSAGE, message, f"message {message.get('event')}")
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_every_result_schema_is_a_valid_json_schema(name: str) -> None:
    Draft202012Validator.check_schema(RESULTS[name])
