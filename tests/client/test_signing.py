"""Signed writes: nonces stay right under concurrency, and a stale nonce resyncs without a retry."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.client.conftest import REWARD
from tests.support.devnode import DevnodeProcess
from tos_ai import Client, NonceMismatch, PublishedTask, TOSAIClient, UnknownObject, Wallet

MISSING_TASK = "cd" * 32


async def funded_wallet(node: DevnodeProcess) -> Wallet:
    wallet = Wallet.generate()
    node.rpc("dev_faucet", {"address": wallet.address, "amount": str(200 * REWARD)})
    return wallet


async def test_many_concurrent_signed_writes_each_get_their_own_nonce(node: DevnodeProcess) -> None:
    wallet = await funded_wallet(node)
    async with TOSAIClient(node.url, wallet) as client:
        publishes = [
            client.publisher.publish_task(
                task_type="GeneralTask", reward_amount=REWARD, title=f"Concurrent #{i:02d}"
            )
            for i in range(8)
        ]
        refusals = [client.publisher.cancel_task(MISSING_TASK) for _ in range(12)]
        results = await asyncio.gather(*publishes, *refusals, return_exceptions=True)
        assert all(isinstance(r, PublishedTask) for r in results[:8])
        assert all(isinstance(r, UnknownObject) for r in results[8:])
        assert await client.get_nonce() == 20
        assert len({r.task_id for r in results[:8] if isinstance(r, PublishedTask)}) == 8


def test_the_sync_client_keeps_nonces_right_across_threads(node: DevnodeProcess) -> None:
    wallet = Wallet.generate()
    node.rpc("dev_faucet", {"address": wallet.address, "amount": str(10 * REWARD)})
    with Client(node.url, wallet) as client, ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(client.publisher.cancel_task, MISSING_TASK) for _ in range(12)]
        errors = [f.exception() for f in futures]
        assert all(isinstance(e, UnknownObject) for e in errors)
        assert client.get_nonce() == 12


async def test_a_stale_nonce_raises_once_then_the_next_write_uses_the_nodes_nonce(
    node: DevnodeProcess,
) -> None:
    wallet = await funded_wallet(node)
    async with TOSAIClient(node.url, wallet) as first, TOSAIClient(node.url, wallet) as second:
        await first.publisher.publish_task(
            task_type="GeneralTask", reward_amount=REWARD, title="First writer's task"
        )
        await second.publisher.publish_task(
            task_type="GeneralTask", reward_amount=REWARD, title="Second writer task"
        )
        with pytest.raises(NonceMismatch) as caught:
            await first.publisher.publish_task(
                task_type="GeneralTask", reward_amount=REWARD, title="Stale nonce task"
            )
        assert caught.value.expected == 2
        assert await first.get_nonce() == 2  # the refused write was not retried behind our back
        published = await first.publisher.publish_task(
            task_type="GeneralTask", reward_amount=REWARD, title="After the resync"
        )
        assert published.status == "published"
        assert await first.get_nonce() == 3


async def test_a_wallet_client_signs_instead_of_naming_a_dev_account(node: DevnodeProcess) -> None:
    wallet = await funded_wallet(node)
    async with TOSAIClient(node.url, wallet) as client:
        published = await client.publisher.publish_task(task_type="GeneralTask", reward_amount=REWARD)
        details = await client.get_task_details(published.task_id)
        assert details.publisher == wallet.address
        assert [t.task_id for t in await client.publisher.my_tasks()] == [published.task_id]
