"""A real devnode process over HTTP: JSON-RPC, REST, documents, malformed input, crashes."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from nacl.signing import SigningKey

from devnode import app
from devnode.crypto import address_from_public_key, sign_request
from tests.devnode.conftest import make_harness
from tests.support.devnode import DevnodeProcess, run_devnode

R = 10_000_000_000


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    # block_time 0: blocks only on dev_mine, so reads are stable enough to compare before and after.
    with run_devnode(
        tmp_path_factory.mktemp("app"), block_time=0, extra_args=["--rate-limits", "off"]
    ) as started:
        yield started


def post(node: DevnodeProcess, payload: Any, path: str = "/") -> httpx.Response:
    return httpx.post(node.url + path, json=payload, timeout=10)


def call(node: DevnodeProcess, method: str, params: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 7, "method": method}
    if params is not None:
        body["params"] = params
    reply = post(node, body)
    assert reply.status_code == 200
    result: dict[str, Any] = reply.json()
    return result


def full_state(node: DevnodeProcess) -> dict[str, Any]:
    """get_ai_mining_state with every page of tasks (minus the ticking time_left)."""
    state: dict[str, Any] = {"next_offset": 0}
    tasks: dict[str, Any] = {}
    while state["next_offset"] is not None:
        page = node.rpc("get_ai_mining_state", {"offset": state["next_offset"]})
        assert isinstance(page, dict)
        state = page
        tasks.update(page["tasks"])
    for task in tasks.values():
        task.pop("time_left")
    return {**state, "tasks": tasks}


def snapshot(node: DevnodeProcess) -> dict[str, Any]:
    """Everything a client can read that a write could change (minus the ticking time_left)."""
    state = full_state(node)
    accounts = node.rpc("dev_accounts")
    assert isinstance(accounts, list)
    nonces = [node.rpc("get_nonce", {"address": account["address"]})["nonce"] for account in accounts]  # type: ignore[index]
    events = node.rpc("ai_get_events", {"since_seq": 0, "limit": 1000})
    info = node.rpc("get_info")
    assert isinstance(info, dict)
    return {
        "state": state,
        "accounts": accounts,
        "nonces": nonces,
        "events": events,
        "clock": info["time_offset"],
        "height": info["topoheight"],
    }


def publish(node: DevnodeProcess, **extra: Any) -> str:
    result = node.rpc(
        "ai_publish_task", {"task_data": {"task_type": "CodeAnalysis", "reward_amount": R, **extra}}
    )
    assert isinstance(result, dict)
    return str(result["task_id"])


def test_it_answers_json_rpc_on_both_paths(node: DevnodeProcess) -> None:
    for path in ("/", "/json_rpc"):
        reply = post(node, {"jsonrpc": "2.0", "id": "a", "method": "get_info"}, path)
        assert reply.status_code == 200
        body = reply.json()
        assert body["id"] == "a"
        assert body["result"]["network"] == "devnet"


def test_it_answers_a_batch_in_order_and_skips_notifications(node: DevnodeProcess) -> None:
    accounts = node.rpc("dev_accounts")
    assert isinstance(accounts, list)
    reply = post(
        node,
        [
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "get_balance",
                "params": {"address": accounts[0]["address"]},
            },
            {"jsonrpc": "2.0", "method": "get_info"},
            {"jsonrpc": "2.0", "id": 2, "method": "nope"},
            {"jsonrpc": "2.0", "id": 3, "method": "get_balance", "params": [accounts[0]["address"]]},
            17,
        ],
    )
    assert reply.status_code == 200
    body = reply.json()
    assert [item.get("id") for item in body] == [1, 2, 3, None]
    assert body[0]["result"]["address"] == accounts[0]["address"]
    assert body[1]["error"]["code"] == -32601
    assert body[2]["error"]["code"] == -32602
    assert body[2]["error"]["data"]["field"] == "params"
    assert body[3]["error"]["code"] == -32600
    only_notifications = post(node, [{"jsonrpc": "2.0", "method": "get_info"}])
    assert only_notifications.status_code == 204


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, -32700),
        (b"", 400, -32700),
        (b"\xff\xfe", 400, -32700),
        (b"[" * 100_000, 400, -32700),
        (b"[]", 200, -32600),
        (b'"hello"', 200, -32600),
        (b'{"id": 1, "method": "get_info"}', 200, -32600),
        (b'{"jsonrpc": "2.0", "id": 1, "method": 5}', 200, -32600),
        (b'{"jsonrpc": "2.0", "id": {"x": 1}, "method": "get_info"}', 200, -32600),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "ai_mine_gold"}', 200, -32601),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "get_balance", "params": "tst1"}', 200, -32602),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "get_balance", "params": {"address": 5}}', 200, -32602),
        (
            b'{"jsonrpc": "2.0", "id": 1, "method": "ai_publish_task", "params": {"task_data": []}}',
            200,
            -32602,
        ),
        (
            b'{"jsonrpc": "2.0", "id": 1, "method": "ai_submit_solution", "params": {"task_id": "'
            + b"a" * 64
            + b'", "solution_data": {"content": '
            + b"[" * 5000
            + b"]" * 5000
            + b"}}}",
            400,
            -32700,
        ),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "dev_mine", "params": {"blocks": 1e9}}', 200, -32602),
    ],
)
def test_malformed_input_never_gives_a_500_nor_changes_state(
    node: DevnodeProcess, body: bytes, status: int, code: int
) -> None:
    publish(node)
    before = snapshot(node)
    reply = httpx.post(node.url, content=body, headers={"content-type": "application/json"}, timeout=10)
    assert reply.status_code == status
    answer = reply.json()
    error = answer[0]["error"] if isinstance(answer, list) else answer["error"]
    assert error["code"] == code
    assert error["message"]
    assert snapshot(node) == before


def test_a_request_id_beyond_64_bits_is_echoed_exactly(node: DevnodeProcess) -> None:
    reply = post(node, {"jsonrpc": "2.0", "id": 2**70, "method": "get_version"})
    assert reply.status_code == 200
    assert reply.json() == {"jsonrpc": "2.0", "id": 2**70, "result": "devnode/0.1.0"}


def test_a_huge_body_is_refused_with_a_clear_error(node: DevnodeProcess) -> None:
    before = snapshot(node)
    huge = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "ai_publish_task",
            "params": {
                "task_data": {
                    "task_type": "CodeAnalysis",
                    "reward_amount": R,
                    "description": "x" * (2 * 1024 * 1024),
                }
            },
        }
    )
    reply = httpx.post(node.url, content=huge, timeout=30)
    assert reply.status_code == 413
    assert reply.json()["error"]["code"] == -32600
    assert reply.json()["error"]["data"]["rule"] == "max_body_bytes"

    def chunks() -> Iterator[bytes]:  # no content-length: the cap must hold while streaming
        for _ in range(40):
            yield b"x" * 65536

    streamed = httpx.post(node.url, content=chunks(), timeout=30)
    assert streamed.status_code == 413
    assert snapshot(node) == before


def test_bad_signatures_and_replays_never_change_state(node: DevnodeProcess) -> None:
    key = SigningKey(b"integration signer".ljust(32, b"\0"))
    address = address_from_public_key(bytes(key.verify_key))
    node.rpc("dev_faucet", {"address": address, "amount": str(1000 * 10**8)})
    params = {"task_data": {"task_type": "CodeAnalysis", "reward_amount": R}}
    chain_id = node.rpc("get_info")["chain_id"]  # type: ignore[index]
    first = sign_request(key, "ai_publish_task", params, 0, chain_id=chain_id)
    assert "result" in call(node, "ai_publish_task", first)
    before = snapshot(node)
    replay = call(node, "ai_publish_task", first)
    assert replay["error"]["code"] == -32004
    assert replay["error"]["data"] == {"field": "auth.nonce", "rule": "nonce", "expected": 1}
    forged = sign_request(key, "ai_publish_task", params, 1, chain_id=chain_id)
    forged["auth"]["signature"] = "00" * 64
    assert call(node, "ai_publish_task", forged)["error"]["data"]["rule"] == "signature"
    garbage = {
        **params,
        "auth": {"address": address, "nonce": 1, "chain_id": chain_id, "signature": "not hex"},
    }
    assert call(node, "ai_publish_task", garbage)["error"]["data"]["rule"] == "signature"
    assert snapshot(node) == before


def test_the_rest_routes_mirror_the_main_calls(node: DevnodeProcess) -> None:
    accounts = node.rpc("dev_accounts")
    assert isinstance(accounts, list)
    dev = [account["address"] for account in accounts]
    assert httpx.get(node.url + "/ai/network-info").json()["network"] == "devnet"
    created = httpx.post(
        node.url + "/ai/tasks",
        json={
            "task_type": "CodeAnalysis",
            "language": "rust",
            "reward_amount": str(R),
            "max_participants": 1,
        },
        headers={"X-TOS-From": dev[2]},
    )
    assert created.status_code == 201
    task_id = created.json()["task_id"]
    details = httpx.get(f"{node.url}/ai/tasks/{task_id}").json()
    assert (details["title"], details["publisher"]) == ("CodeAnalysis (rust)", dev[2])
    listed = httpx.get(node.url + "/ai/tasks", params={"publisher": dev[2], "limit": 5}).json()
    assert task_id in [task["task_id"] for task in listed]
    joined = httpx.post(
        f"{node.url}/ai/tasks/{task_id}/participants", json={"stake_amount": R // 10, "from": dev[3]}
    )
    assert joined.status_code == 201
    submitted = httpx.post(
        f"{node.url}/ai/tasks/{task_id}/submissions",
        json={"content": "a REST solution body"},
        headers={"X-TOS-From": dev[3]},
    )
    assert submitted.status_code == 201
    submission_id = submitted.json()["submission_id"]
    validated = httpx.post(
        f"{node.url}/ai/submissions/{submission_id}/validations",
        json={"Approve": {"quality_score": 90, "reasoning": "fine"}},
        headers={"X-TOS-From": dev[4]},
    )
    assert validated.status_code == 201
    assert httpx.get(f"{node.url}/ai/tasks/{task_id}").json()["status"] == "Completed"
    miner = httpx.get(f"{node.url}/ai/miners/{dev[3]}").json()
    assert miner["wins"] >= 1
    events = httpx.get(node.url + "/ai/events", params={"since_seq": 0}).json()
    assert events["events"][0]["seq"] == 1


def test_rest_errors_carry_the_json_rpc_error_and_a_fitting_status(node: DevnodeProcess) -> None:
    missing = httpx.get(f"{node.url}/ai/tasks/{'ab' * 32}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == -32001
    low = httpx.post(
        node.url + "/ai/tasks",
        json={"task_type": "CodeAnalysis", "reward_amount": 1, "difficulty_level": "Beginner"},
    )
    assert low.status_code == 422
    assert low.json()["error"]["data"]["field"] == "reward_amount"
    broken = httpx.post(node.url + "/ai/tasks", content=b"{oops")
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == -32700
    assert httpx.get(node.url + "/ai/events", params={"since_seq": "x"}).status_code == 400
    assert httpx.get(node.url + "/ai/miners/not-an-address").status_code == 400


def test_it_serves_openapi_and_openrpc(node: DevnodeProcess) -> None:
    openrpc = httpx.get(node.url + "/openrpc.json").json()
    assert openrpc == node.rpc("rpc.discover")
    assert "ai_publish_task" in {method["name"] for method in openrpc["methods"]}
    openapi = httpx.get(node.url + "/openapi.json").json()
    assert "/ai/tasks/{task_id}/participants" in openapi["paths"]


def test_state_and_events_survive_a_sigkill(tmp_path: Path) -> None:
    with run_devnode(tmp_path, persistent=True, block_time=0.05) as started:
        task_id = publish(started)
        accounts: Any = started.rpc("dev_accounts")
        started.rpc("ai_participate_task", {"task_id": task_id, "from": accounts[1]["address"]})
        started.rpc("dev_increase_time", {"seconds": 500})
        time.sleep(0.2)
        before = snapshot(started)
        started.restart(kill=True)
        after = snapshot(started)
        assert after["height"] >= before["height"]
        before.pop("height")
        after.pop("height")
        assert after == before
        publish(started)
        events = started.rpc("ai_get_events", {"since_seq": 0, "limit": 1000})
        assert isinstance(events, dict)
        seqs = [event["seq"] for event in events["events"]]
        assert seqs == list(range(1, len(seqs) + 1))


def test_a_sigterm_stops_the_node_cleanly(tmp_path: Path) -> None:
    state_file = tmp_path / "nested" / "dir" / "node.db"
    process = DevnodeProcess(
        port=__import__("tests.support.devnode", fromlist=["free_port"]).free_port(),
        state_file=state_file,
        block_time=0.1,
        log_path=tmp_path / "log",
    )
    process.start()
    publish(process)
    process.stop()
    # uvicorn re-raises the signal after its graceful shutdown, so -SIGTERM is a clean exit too.
    assert process.proc is not None
    assert process.proc.returncode in (0, -signal.SIGTERM)
    assert "devnode stopped cleanly" in (tmp_path / "log").read_text()
    assert state_file.exists()
    process.start()
    try:
        assert len(process.rpc("ai_list_active_tasks")) == 1  # type: ignore[arg-type]
    finally:
        process.stop()


def test_a_request_signed_for_one_chain_is_refused_by_another_started_with_the_same_seed(
    tmp_path: Path,
) -> None:
    key = SigningKey(b"chain-bound signer".ljust(32, b"\0"))
    address = address_from_public_key(bytes(key.verify_key))
    params = {"task_data": {"task_type": "CodeAnalysis", "reward_amount": R}}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        run_devnode(tmp_path / "a", block_time=0) as first,
        run_devnode(tmp_path / "b", block_time=0) as second,
    ):
        chain_a = first.rpc("get_info")["chain_id"]  # type: ignore[index]
        chain_b = second.rpc("get_info")["chain_id"]  # type: ignore[index]
        assert chain_a != chain_b
        for node in (first, second):
            node.rpc("dev_faucet", {"address": address, "amount": str(1000 * 10**8)})
        request = sign_request(key, "ai_publish_task", params, 0, chain_id=chain_a)
        assert "result" in call(first, "ai_publish_task", request)
        before = snapshot(second)
        replayed = call(second, "ai_publish_task", request)["error"]
        assert replayed["code"] == -32004
        assert replayed["data"] == {"field": "auth.chain_id", "rule": "chain_id", "expected": chain_b}
        assert chain_b in replayed["message"]
        # Claiming the other chain's id does not help: the signature covers it.
        relabelled = {**request, "auth": {**request["auth"], "chain_id": chain_b}}
        assert call(second, "ai_publish_task", relabelled)["error"]["data"]["rule"] == "signature"
        assert snapshot(second) == before


def test_a_participant_cannot_score_a_rivals_submission_on_the_same_task(node: DevnodeProcess) -> None:
    accounts = node.rpc("dev_accounts")
    assert isinstance(accounts, list)
    publisher, rival, author = (accounts[index]["address"] for index in (7, 8, 9))
    published = node.rpc(
        "ai_publish_task", {"task_data": {"task_type": "CodeAnalysis", "reward_amount": R}, "from": publisher}
    )
    task_id = published["task_id"]  # type: ignore[index]
    for miner in (rival, author):
        node.rpc("ai_participate_task", {"task_id": task_id, "from": miner})
    submitted = node.rpc(
        "ai_submit_solution",
        {"task_id": task_id, "solution_data": {"content": "A careful, complete answer."}, "from": author},
    )
    reject = {"Reject": {"reason": "a rival's verdict"}}
    before = snapshot(node)
    refused = call(
        node,
        "ai_validate_submission",
        {
            "task_id": task_id,
            "submission_id": submitted["submission_id"],  # type: ignore[index]
            "validation_result": reject,
            "from": rival,
        },
    )["error"]
    assert (refused["code"], refused["data"]) == (-32004, {"rule": "participant"})
    assert "participant" in refused["message"]
    assert snapshot(node) == before


# ----- in process: how a batch shares the event loop, and the reply cap ----------------------------------


def test_a_point_read_is_answered_while_a_big_batch_is_still_running() -> None:
    """The batch yields to the loop between its requests; before, it held the loop to the end."""
    harness = make_harness(rate_limits=None)
    task_id = harness.publish()
    finished: list[str] = []
    batch = json.dumps(
        [{"jsonrpc": "2.0", "id": n, "method": "get_ai_mining_state"} for n in range(app.MAX_BATCH)]
    ).encode()
    point = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "ai_get_task_details", "params": {"task_id": task_id}}
    ).encode()

    async def run(name: str, body: bytes) -> None:
        status, _ = await app.handle_body(harness.node, body)
        assert status == 200
        finished.append(name)

    async def both() -> None:
        big = asyncio.create_task(run("batch", batch))
        await asyncio.sleep(0)  # the batch has started
        await run("point read", point)
        await big

    asyncio.run(both())
    assert finished == ["point read", "batch"]
    harness.node.close()


def test_a_read_whose_reply_passes_the_cap_is_refused_but_a_write_never_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    harness = make_harness(rate_limits=None)
    monkeypatch.setattr(app, "MAX_REPLY_BYTES", 50)
    harness.publish()
    read = {"jsonrpc": "2.0", "id": 1, "method": "get_ai_mining_state"}
    status, body = asyncio.run(app.handle_body(harness.node, json.dumps(read).encode()))
    assert status == 200
    assert body is not None
    error = json.loads(body)["error"]
    assert (error["code"], error["data"]["rule"], error["data"]["max"]) == (-32600, "max_reply_bytes", 50)
    assert "ask for less" in error["message"]
    write = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "ai_publish_task",
        "params": {"task_data": {"task_type": "CodeAnalysis", "reward_amount": R, "title": "x" * 200}},
    }
    status, body = asyncio.run(app.handle_body(harness.node, json.dumps(write).encode()))
    assert body is not None
    assert "result" in json.loads(body)
    harness.node.close()


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        ("dev_faucet", {"address": "FROM", "amount": "5\n"}, "amount"),
        ("ai_get_task_details", {"task_id": "ab" * 32 + "\n"}, "task_id"),
    ],
)
def test_a_trailing_newline_is_not_part_of_an_amount_or_an_id(
    node: DevnodeProcess, method: str, params: dict[str, Any], field: str
) -> None:
    accounts = node.rpc("dev_accounts")
    assert isinstance(accounts, list)
    params = {key: accounts[0]["address"] if value == "FROM" else value for key, value in params.items()}
    before = snapshot(node)
    error = call(node, method, params)["error"]
    assert (error["code"], error["data"]["field"]) == (-32602, field)
    assert snapshot(node) == before
