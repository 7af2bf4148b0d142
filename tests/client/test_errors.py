"""Every error class, provoked for real on a devnode, keeps the method, the code and the node's message."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.client.conftest import REWARD, STAKE, DevAccounts, publish
from tests.support.devnode import DevnodeProcess, run_devnode
from tos_ai import (
    AlreadyDone,
    InsufficientFunds,
    InvalidContent,
    InvalidParams,
    InvalidRequest,
    InvalidTaskState,
    MethodNotFound,
    NodeConnectionError,
    NodeRPCError,
    NonceMismatch,
    ParseError,
    PermissionDenied,
    RateLimited,
    TaskNotFound,
    TaskSolution,
    TOSAIClient,
    UnknownObject,
    Wallet,
)
from tos_ai.core import Call, RpcCore

MISSING_TASK = "ab" * 32


async def test_an_unknown_task_raises_task_not_found(client: TOSAIClient) -> None:
    with pytest.raises(TaskNotFound) as caught:
        await client.get_task_details(MISSING_TASK)
    err = caught.value
    assert isinstance(err, UnknownObject)
    assert err.code == -32001
    assert err.method == "ai_get_task_details"
    assert str(err).startswith("ai_get_task_details: ")
    assert err.message in str(err)
    assert "-32001" in str(err)


async def test_a_stake_below_the_minimum_raises_insufficient_funds(
    client: TOSAIClient, dev: DevAccounts, as_account: Any
) -> None:
    task_id, _ = await publish(client.rpc_url, dev)
    with pytest.raises(InsufficientFunds) as caught:
        await as_account(7).miner.participate_task(task_id, STAKE - 1)
    assert caught.value.code == -32002
    assert caught.value.field == "stake_amount"


async def test_joining_a_cancelled_task_raises_invalid_task_state(
    client: TOSAIClient, dev: DevAccounts, as_account: Any
) -> None:
    task_id, publisher = await publish(client.rpc_url, dev)
    async with TOSAIClient(client.rpc_url, sender=publisher) as owner:
        await owner.publisher.cancel_task(task_id)
    with pytest.raises(InvalidTaskState) as caught:
        await as_account(7).miner.participate_task(task_id, STAKE)
    assert caught.value.code == -32003
    assert caught.value.rule == "status"


async def test_a_publisher_joining_their_own_task_raises_permission_denied(
    client: TOSAIClient, dev: DevAccounts
) -> None:
    task_id, publisher = await publish(client.rpc_url, dev)
    async with TOSAIClient(client.rpc_url, sender=publisher) as owner:
        with pytest.raises(PermissionDenied) as caught:
            await owner.miner.participate_task(task_id, STAKE)
    assert caught.value.code == -32004
    assert caught.value.rule == "own_task"
    assert "own task" in str(caught.value)


async def test_a_too_short_solution_raises_invalid_content(
    client: TOSAIClient, dev: DevAccounts, as_account: Any
) -> None:
    task_id, _ = await publish(client.rpc_url, dev)
    miner = as_account(7)
    await miner.miner.participate_task(task_id, STAKE)
    with pytest.raises(InvalidContent) as caught:
        await miner.miner.submit_solution(task_id, TaskSolution(content="short"))
    assert caught.value.code == -32005
    assert caught.value.rule == "min_bytes"


async def test_joining_twice_raises_already_done(
    client: TOSAIClient, dev: DevAccounts, as_account: Any
) -> None:
    task_id, _ = await publish(client.rpc_url, dev)
    miner = as_account(7)
    await miner.miner.participate_task(task_id, STAKE)
    with pytest.raises(AlreadyDone) as caught:
        await miner.miner.participate_task(task_id, STAKE)
    assert caught.value.code == -32006


async def test_publishing_past_the_hourly_limit_raises_rate_limited_with_retry_after(tmp_path: Any) -> None:
    with run_devnode(tmp_path, extra_args=["--rate-limits", "publish=1"]) as node:
        async with TOSAIClient(node.url) as client:
            await client.publisher.publish_task(task_type="CodeAnalysis", reward_amount=REWARD)
            with pytest.raises(RateLimited) as caught:
                await client.publisher.publish_task(task_type="CodeAnalysis", reward_amount=REWARD)
    err = caught.value
    assert err.code == -32007
    assert err.retry_after is not None
    assert 0 < err.retry_after <= 3600


async def test_a_wrong_nonce_raises_nonce_mismatch_with_the_expected_nonce(client: TOSAIClient) -> None:
    wallet = Wallet.generate()
    chain_id = (await client.get_info())["chain_id"]
    params = wallet.sign_params("ai_register_miner", {"miner_config": {}}, 7, chain_id=chain_id)
    with pytest.raises(NonceMismatch) as caught:
        await client.rpc_call("ai_register_miner", params)
    assert isinstance(caught.value, PermissionDenied)
    assert caught.value.expected == 0


async def test_a_bad_signature_raises_permission_denied(client: TOSAIClient) -> None:
    wallet, impostor = Wallet.generate(), Wallet.generate()
    chain_id = (await client.get_info())["chain_id"]
    params = impostor.sign_params("ai_register_miner", {"miner_config": {}}, 0, chain_id=chain_id)
    params["auth"]["address"] = wallet.address
    with pytest.raises(PermissionDenied) as caught:
        await client.rpc_call("ai_register_miner", params)
    assert caught.value.rule == "signature"


async def test_an_unknown_method_raises_method_not_found(client: TOSAIClient) -> None:
    with pytest.raises(MethodNotFound) as caught:
        await client.rpc_call("ai_no_such_method")
    assert caught.value.code == -32601
    assert caught.value.method == "ai_no_such_method"


async def test_ill_typed_params_raise_invalid_params_naming_the_field(client: TOSAIClient) -> None:
    with pytest.raises(InvalidParams) as caught:
        await client.rpc_call("ai_get_task_details", {"task_id": 5})
    assert caught.value.code == -32602
    assert caught.value.field == "task_id"


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b'{"jsonrpc": "2.0", "id": 1, "method"', ParseError), (b'{"jsonrpc": "1.0", "id": 1}', InvalidRequest)],
)
def test_the_nodes_parse_and_request_errors_map_to_their_classes(
    node: DevnodeProcess, body: bytes, expected: type[NodeRPCError]
) -> None:
    reply = httpx.post(node.url, content=body, headers={"content-type": "application/json"})
    core = RpcCore(node.url)
    with pytest.raises(expected) as caught:
        core.reply(Call("raw"), 1, reply.status_code, reply.content, reply.headers)
    assert caught.value.code == expected.code


async def test_a_closed_port_raises_node_connection_error(unused_tcp_port: int) -> None:
    from tos_ai import NO_RETRIES

    async with TOSAIClient(f"http://127.0.0.1:{unused_tcp_port}", retry=NO_RETRIES) as client:
        with pytest.raises(NodeConnectionError) as caught:
            await client.get_network_info()
    assert caught.value.method == "get_network_info"
    assert f"127.0.0.1:{unused_tcp_port}" in str(caught.value)


async def test_every_domain_error_is_a_node_rpc_error_with_its_code() -> None:
    from tos_ai.errors import rpc_error

    for code, cls in [
        (-32001, UnknownObject),
        (-32002, InsufficientFunds),
        (-32003, InvalidTaskState),
        (-32004, PermissionDenied),
        (-32005, InvalidContent),
        (-32006, AlreadyDone),
        (-32007, RateLimited),
    ]:
        err = rpc_error("m", code, "node says no", {"rule": "x"})
        assert type(err) is cls
        assert isinstance(err, NodeRPCError)
        assert str(err) == f'm: node says no ({cls.title}, code {code}, data {{"rule": "x"}})'
    assert type(rpc_error("m", -32099, "odd")) is NodeRPCError
