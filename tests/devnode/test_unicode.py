"""A real devnode refuses strings UTF-8 cannot hold (lone surrogates) everywhere, and never answers 500.

JSON may carry a lone UTF-16 surrogate as an escape (`"\\ud800"`); no UTF-8 reply can hold one. Every
body here is written by hand, escapes and all, so the test sends exactly what an adversary would.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.devnode.test_app import snapshot
from tests.support.devnode import DevnodeProcess, run_devnode

R = 10_000_000_000
BAD = "\\ud800"  # the six characters of the JSON escape, as they appear in a request body


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    with run_devnode(
        tmp_path_factory.mktemp("unicode"), block_time=0, extra_args=["--rate-limits", "off"]
    ) as started:
        yield started


def send(node: DevnodeProcess, body: str, path: str = "/", method: str = "POST") -> httpx.Response:
    """Send `body` as it is written (its escapes reach the node's JSON parser untouched)."""
    reply = node.http.request(
        method,
        node.url + path,
        content=body.encode("ascii"),
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert reply.status_code != 500, reply.text
    assert reply.headers["content-type"] == "application/json"
    return reply


def rpc(node: DevnodeProcess, method: str, params: str, request_id: str = "7") -> dict[str, Any]:
    reply = send(node, f'{{"jsonrpc":"2.0","id":{request_id},"method":"{method}","params":{params}}}')
    body: dict[str, Any] = reply.json()
    return body


def publish(node: DevnodeProcess, title: str = "A fine task") -> str:
    result = node.rpc(
        "ai_publish_task",
        {"task_data": {"task_type": "CodeAnalysis", "reward_amount": R, "title": title}},
    )
    assert isinstance(result, dict)
    return str(result["task_id"])


TASK = "a" * 64
SURROGATE_PARAMS = [
    pytest.param(
        "ai_publish_task",
        f'{{"task_data":{{"task_type":{{"CodeAnalysis":{{"language":"{BAD}"}}}},"reward_amount":{R},"title":"t"}}}}',
        "task_data.task_type.CodeAnalysis.language",
        id="task-type-detail",
    ),
    pytest.param(
        "ai_publish_task",
        f'{{"task_data":{{"task_type":"CodeAnalysis","reward_amount":{R},"title":"x{BAD}y"}}}}',
        "task_data.title",
        id="title",
    ),
    pytest.param(
        "ai_validate_submission",
        f'{{"task_id":"{TASK}","submission_id":"{TASK}",'
        f'"validation_result":{{"Approve":{{"quality_score":90,"reasoning":"{BAD}"}}}}}}',
        "validation_result.Approve.reasoning",
        id="reasoning",
    ),
    pytest.param(
        "ai_submit_solution",
        f'{{"task_id":"{TASK}","solution_data":{{"content":"ok","files":["a","\\udfff"]}}}}',
        "solution_data.files[1]",
        id="array-item",
    ),
    pytest.param("get_info", f'{{"{BAD}":1}}', BAD, id="unknown-key"),
    pytest.param(
        "ai_list_active_tasks", f'{{"filters":{{"task_type":"{BAD}"}}}}', "filters.task_type", id="filter"
    ),
    pytest.param("get_balance", f'{{"address":"{BAD}"}}', "address", id="address"),
    pytest.param("get_balance", f'{{"address":"x","from":"{BAD}"}}', "from", id="from"),
    pytest.param("get_info", f'"{BAD}"', "params", id="params-itself"),
    pytest.param("get_info", f'{{"a":[[[{{"b":[{{"c":"{BAD}"}}]}}]]]}}', "a[0][0][0].b[0].c", id="deep"),
]


@pytest.mark.parametrize(("method", "params", "field"), SURROGATE_PARAMS)
def test_a_lone_surrogate_in_params_is_refused_naming_the_field(
    node: DevnodeProcess, method: str, params: str, field: str
) -> None:
    before = snapshot(node)
    reply = rpc(node, method, params)
    assert reply["id"] == 7
    error = reply["error"]
    assert error["code"] == -32602
    assert error["data"] == {"field": field, "rule": "unicode"}
    assert "UTF-8" in error["message"]
    assert snapshot(node) == before


def test_a_lone_surrogate_in_the_method_name_is_refused(node: DevnodeProcess) -> None:
    reply = rpc(node, f"get_{BAD}info", "{}")
    assert reply["id"] == 7
    assert reply["error"]["code"] == -32602
    assert reply["error"]["data"]["field"] == "method"


def test_a_lone_surrogate_in_the_id_is_refused_with_a_null_id(node: DevnodeProcess) -> None:
    reply = rpc(node, "get_info", "{}", request_id=f'"{BAD}"')
    assert reply["id"] is None
    assert reply["error"]["code"] == -32602
    assert reply["error"]["data"]["field"] == "id"


def test_a_lone_surrogate_in_an_envelope_key_is_refused(node: DevnodeProcess) -> None:
    reply = send(node, f'{{"jsonrpc":"2.0","id":3,"method":"get_info","{BAD}":1}}').json()
    assert reply["id"] == 3
    assert reply["error"]["data"] == {"field": BAD, "rule": "unicode"}


def test_a_batch_answers_its_bad_items_and_serves_the_good_ones(node: DevnodeProcess) -> None:
    batch = (
        f'[{{"jsonrpc":"2.0","id":1,"method":"get_version"}},'
        f'{{"jsonrpc":"2.0","id":"{BAD}","method":"get_version"}},'
        f'{{"jsonrpc":"2.0","id":3,"method":"{BAD}"}},'
        f'{{"jsonrpc":"2.0","id":4,"method":"get_balance","params":{{"address":"{BAD}"}}}},'
        f'{{"jsonrpc":"2.0","method":"{BAD}"}}]'
    )
    replies = send(node, batch).json()
    assert replies[0]["result"].startswith("devnode/")
    assert [(item["id"], item["error"]["data"]["field"]) for item in replies[1:]] == [
        (None, "id"),
        (3, "method"),
        (4, "address"),
    ]


def test_rest_writes_refuse_a_lone_surrogate_with_a_400(node: DevnodeProcess) -> None:
    before = snapshot(node)
    publish_body = (
        f'{{"task_type":{{"CodeAnalysis":{{"language":"{BAD}"}}}},"reward_amount":{R},"title":"t"}}'
    )
    reply = send(node, publish_body, "/ai/tasks")
    assert reply.status_code == 400
    assert reply.json()["error"]["data"] == {
        "field": "task_data.task_type.CodeAnalysis.language",
        "rule": "unicode",
    }
    task_id = publish(node)
    for path, body in [
        (f"/ai/tasks/{task_id}/participants", f'{{"stake_amount":"{BAD}"}}'),
        (f"/ai/tasks/{task_id}/submissions", f'{{"content":"{BAD}"}}'),
        (f"/ai/submissions/{TASK}/validations", f'{{"task_id":"{task_id}","{BAD}":{{}}}}'),
        ("/ai/tasks", f'{{"from":"{BAD}"}}'),
    ]:
        reply = send(node, body, path)
        assert reply.status_code == 400, (path, reply.text)
        assert reply.json()["error"]["data"]["rule"] == "unicode"
    after = snapshot(node)
    assert len(after["state"]["tasks"]) == len(before["state"]["tasks"]) + 1


def test_rest_reads_with_undecodable_path_or_query_bytes_are_not_a_500(node: DevnodeProcess) -> None:
    for path in ("/ai/tasks/%ED%A0%80", "/ai/miners/%ED%A0%80", "/ai/tasks?task_type=%ED%A0%80&sort_by=%FF"):
        reply = node.http.get(node.url + path)
        assert reply.status_code in (200, 400, 404), (path, reply.text)
        reply.json()


def test_the_event_stream_refuses_a_lone_surrogate(node: DevnodeProcess) -> None:
    async def exchange(message: str) -> dict[str, Any]:
        async with connect(node.ws_url) as ws:
            await ws.send(message)
            reply: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
            return reply

    bad_id = asyncio.run(exchange(f'{{"jsonrpc":"2.0","id":"{BAD}","method":"subscribe"}}'))
    assert (bad_id["id"], bad_id["error"]["data"]["field"]) == (None, "id")
    bad_event = asyncio.run(
        exchange(f'{{"jsonrpc":"2.0","id":2,"method":"subscribe","params":{{"events":["{BAD}"]}}}}')
    )
    assert (bad_event["id"], bad_event["error"]["data"]["field"]) == (2, "events[0]")
    bad_method = asyncio.run(exchange(f'{{"jsonrpc":"2.0","id":3,"method":"{BAD}"}}'))
    assert (bad_method["id"], bad_method["error"]["data"]["field"]) == (3, "method")


# ----- a state file written by an older node that accepted such strings ------------------------------


def poison(state_file: Path, marker: str) -> None:
    """Write a lone surrogate where `marker` stands in every stored task and event, as an old node did."""
    db = sqlite3.connect(state_file)
    with db:
        for table in ("tasks", "events"):
            db.execute(f"UPDATE {table} SET data = replace(data, ?, ?)", (marker, BAD))  # noqa: S608
    db.close()


def test_reads_of_a_state_file_holding_a_lone_surrogate_still_answer(tmp_path: Path) -> None:
    marker = "POISONED-TITLE"
    with run_devnode(tmp_path, persistent=True, block_time=0) as node:
        task_id = publish(node, marker)
        node.stop()
        assert node.state_file is not None
        poison(node.state_file, marker)
        node.start()
        reads: list[tuple[str, Any]] = [
            ("ai_list_active_tasks", {}),
            ("ai_get_task_details", {"task_id": task_id}),
            ("ai_get_events", {"since_seq": 0}),
            ("get_ai_mining_state", {}),
        ]
        for method, params in reads:
            reply = node.http.post(
                node.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=10
            )
            assert reply.status_code == 200, (method, reply.text)
            assert "\ud800" in json.dumps(reply.json()["result"], ensure_ascii=False), method
        batch = [{"jsonrpc": "2.0", "id": index, "method": method} for index, (method, _) in enumerate(reads)]
        assert node.http.post(node.url, json=batch).status_code == 200
        for path in ("/ai/tasks", f"/ai/tasks/{task_id}", "/ai/events?since_seq=0"):
            reply = node.http.get(node.url + path)
            assert reply.status_code == 200, (path, reply.text)
            assert reply.content.isascii() or BAD.encode() in reply.content
            reply.json()

        async def replay() -> dict[str, Any]:
            async with connect(node.ws_url) as ws:
                await ws.send(
                    json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": {"since_seq": 0}})
                )
                await asyncio.wait_for(ws.recv(), 5)
                published: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
                return published

        assert asyncio.run(replay())["data"]["task_id"] == task_id
