"""client.batch(): several calls in one JSON-RPC batch against a real devnode, and the batch's edges."""

from __future__ import annotations

import httpx
import pytest

from tests.client.conftest import DevAccounts
from tests.support.devnode import DevnodeProcess
from tos_ai import (
    Client,
    InvalidParams,
    MethodNotFound,
    NetworkInfo,
    NodeConnectionError,
    RetryPolicy,
    TOSAIClient,
    UnknownObject,
    Wallet,
)


async def test_one_batch_answers_every_call_in_order_in_one_request(
    node: DevnodeProcess, dev: DevAccounts
) -> None:
    posts: list[bytes] = []

    async def count(request: httpx.Request) -> None:
        posts.append(request.content)

    async with (
        httpx.AsyncClient(event_hooks={"request": [count]}) as http,
        TOSAIClient(node.url, http_client=http) as client,
    ):
        async with client.batch() as batch:
            info = batch.get_network_info()
            balance = batch.get_balance(dev.address(1))
            missing = batch.get_task_details("ab" * 32)
            nonce = batch.get_nonce(dev.address(1))
        assert len(posts) == 1
        assert isinstance(info.result(), NetworkInfo)
        assert balance.result() == await client.get_balance(dev.address(1))
        with pytest.raises(UnknownObject):
            missing.result()
        assert isinstance(missing.error, UnknownObject)
        assert nonce.result() == await client.get_nonce(dev.address(1))


def test_the_sync_batch_returns_the_results_or_raises_the_first_error(sync_client: Client) -> None:
    batch = sync_client.batch()
    batch.get_info()
    batch.get_version()
    assert [type(value).__name__ for value in batch.execute()][1] in ("dict", "str")
    failing = sync_client.batch()
    ok = failing.get_info()
    failing.rpc_call("ai_no_such_method")
    failing.rpc_call("ai_get_task_details", {"task_id": "nope"})
    with pytest.raises(MethodNotFound):
        failing.execute()
    assert ok.result()["network"] == "devnet"
    assert isinstance(failing.items[2].error, InvalidParams)
    with pytest.raises(RuntimeError, match="already sent"):
        failing.get_info()
    assert sync_client.batch().execute() == []


async def test_a_wallet_client_refuses_to_batch_its_signed_writes(node: DevnodeProcess) -> None:
    async with TOSAIClient(node.url, Wallet.generate()) as client:
        batch = client.batch()
        with pytest.raises(TypeError, match="cannot be batched"):
            batch.rpc_call("ai_register_miner", {"miner_config": {}})
        batch.get_info()  # reads are fine
        assert len(await batch.execute()) == 1


def test_a_batch_of_reads_retries_when_the_node_is_down_then_fails_every_item(unused_tcp_port: int) -> None:
    retry = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)
    with Client(f"http://127.0.0.1:{unused_tcp_port}", retry=retry) as client:
        batch = client.batch()
        first, second = batch.get_info(), batch.get_version()
        with pytest.raises(NodeConnectionError):
            batch.execute()
        with pytest.raises(NodeConnectionError), client.batch() as in_block:
            in_block.get_info()
    assert first.error is second.error is batch.failure
