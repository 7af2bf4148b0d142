"""A reset chain (an `--ephemeral` devnode restarted): both event streams say so or follow the new chain,
and signed writes are signed for the new chain id."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.client.conftest import REWARD, eventually
from tests.support.devnode import DevnodeProcess, run_devnode
from tos_ai import ChainReset, Client, Event, TOSAIClient, Wallet


def publish(node: DevnodeProcess, title: str, index: int = 1) -> str:
    """Publish a Beginner task as dev account `index` (unsigned), straight through HTTP."""
    sender = node.rpc("dev_accounts")[index]["address"]  # type: ignore[index]
    task = {"task_type": "GeneralTask", "reward_amount": str(REWARD), "title": title}
    result = node.rpc("ai_publish_task", {"task_data": task, "from": sender})
    return str(result["task_id"])  # type: ignore[index]


def chain_of(node: DevnodeProcess) -> str:
    return str(node.rpc("get_info")["chain_id"])  # type: ignore[index]


async def test_the_async_stream_raises_chain_reset_naming_both_chains(tmp_path: Path) -> None:
    with run_devnode(tmp_path) as node:
        old_chain = chain_of(node)
        published = [publish(node, f"Old chain task {i}") for i in range(3)]
        async with TOSAIClient(node.url) as client:
            seen: list[Event] = []
            stream = client.events(since_seq=0)

            async def follow() -> None:
                async for event in stream:
                    seen.append(event)

            follower = asyncio.create_task(follow())
            await eventually(lambda: len(seen) >= 3)
            await asyncio.to_thread(node.restart)
            new_chain = chain_of(node)
            await asyncio.to_thread(lambda: [publish(node, f"New chain task {i}") for i in range(5)])
            with pytest.raises(ChainReset) as caught:
                await asyncio.wait_for(follower, 15)
            await stream.aclose()
    assert [e.data["task_id"] for e in seen] == published
    assert old_chain != new_chain
    reset = caught.value
    assert (reset.old_chain_id, reset.last_seq) == (old_chain, 3)
    assert reset.new_chain_id == new_chain
    assert "chain was reset" in str(reset)


async def test_a_stored_cursor_from_another_chain_raises_even_when_the_new_head_is_past_it(
    tmp_path: Path,
) -> None:
    with run_devnode(tmp_path) as node:
        publish(node, "Old chain task")
        async with TOSAIClient(node.url) as client:
            async with client.events(since_seq=0) as stream:
                await asyncio.wait_for(anext(stream), 10)
                cursor, chain = stream.last_seq, stream.chain_id
            await asyncio.to_thread(node.restart)
            for i in range(4):
                publish(node, f"New chain task {i}")
            with pytest.raises(ChainReset) as caught:
                async with client.events(since_seq=cursor, chain_id=chain) as stream:
                    await asyncio.wait_for(anext(stream), 10)
            # Over HTTP too: the page names its chain.
            with pytest.raises(ChainReset):
                await client.get_events(cursor or 0, chain_id=chain)
            page = await client.get_events(0)
    assert caught.value.old_chain_id == chain
    assert caught.value.new_chain_id == page.chain_id != chain
    assert caught.value.head_seq == 4 > (cursor or 0)


async def test_the_async_stream_resubscribes_from_the_new_chains_first_event_when_asked(
    tmp_path: Path,
) -> None:
    with run_devnode(tmp_path) as node:
        publish(node, "Old chain task")
        async with TOSAIClient(node.url) as client:
            seen: list[Event] = []
            stream = client.events(since_seq=0, on_chain_reset="resubscribe")

            async def follow() -> None:
                async for event in stream:
                    seen.append(event)

            follower = asyncio.create_task(follow())
            await eventually(lambda: len(seen) == 1)
            await asyncio.to_thread(node.restart)
            fresh = await asyncio.to_thread(lambda: [publish(node, f"New chain task {i}") for i in range(5)])
            await eventually(lambda: len(seen) == 6, within=15)
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
            await stream.aclose()
            assert (stream.resets, stream.chain_id, stream.last_seq) == (1, chain_of(node), 5)
    assert [e.seq for e in seen] == [1, 1, 2, 3, 4, 5]
    assert [e.data["task_id"] for e in seen[1:]] == fresh


def test_the_sync_stream_raises_chain_reset_or_resubscribes(tmp_path: Path) -> None:
    with run_devnode(tmp_path) as node, Client(node.url) as client:
        publish(node, "Old chain task")
        raising = client.events(since_seq=0)
        following = client.events(since_seq=0, on_chain_reset="resubscribe")
        seen: dict[str, list[Event]] = {"raise": [], "resubscribe": []}
        errors: list[BaseException] = []

        def follow(name: str, stream: object) -> None:
            try:
                for event in stream:  # type: ignore[attr-defined]
                    seen[name].append(event)
            except ChainReset as exc:
                errors.append(exc)

        threads = [
            threading.Thread(target=follow, args=("raise", raising), daemon=True),
            threading.Thread(target=follow, args=("resubscribe", following), daemon=True),
        ]
        for thread in threads:
            thread.start()
        wait_until(lambda: len(seen["raise"]) == len(seen["resubscribe"]) == 1)
        old_chain = raising.chain_id
        node.restart()
        fresh = [publish(node, f"New chain task {i}") for i in range(5)]
        wait_until(lambda: len(seen["resubscribe"]) == 6 and bool(errors))
        raising.close()
        following.close()
        for thread in threads:
            thread.join(5)
    (reset,) = errors
    assert isinstance(reset, ChainReset)
    assert reset.old_chain_id == old_chain != reset.new_chain_id
    assert [e.data["task_id"] for e in seen["resubscribe"][1:]] == fresh
    assert [e.seq for e in seen["resubscribe"]] == [1, 1, 2, 3, 4, 5]
    assert len(seen["raise"]) == 1


async def test_a_signed_write_after_a_reset_is_signed_for_the_new_chain(tmp_path: Path) -> None:
    wallet = Wallet.generate()
    with run_devnode(tmp_path) as node:
        async with TOSAIClient(node.url, wallet) as client:
            await client.dev.faucet(wallet.address, 10 * REWARD)
            await client.publisher.publish_task(task_type="GeneralTask", reward_amount=REWARD)
            await asyncio.to_thread(node.restart)
            await client.dev.faucet(wallet.address, 10 * REWARD)
            # The client signed for the old chain and holds its nonce (1): the node refuses that
            # (wrong_chain, nothing spent) and the client signs it again for the new chain, once.
            task = await client.publisher.publish_task(task_type="GeneralTask", reward_amount=REWARD)
            assert client.core.chain == ("devnet", chain_of(node))
            assert await client.get_nonce() == 1
        assert (task_details(node, task.task_id))["publisher"] == wallet.address


def task_details(node: DevnodeProcess, task_id: str) -> dict[str, object]:
    details = node.rpc("ai_get_task_details", {"task_id": task_id})
    assert isinstance(details, dict)
    return details


def wait_until(condition: Callable[[], bool], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
