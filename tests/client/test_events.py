"""The event stream: replay then live, filters, resume across a node restart, and resync."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from tests.client.conftest import REWARD, DevAccounts, eventually
from tests.support.devnode import DevnodeProcess, run_devnode
from tos_ai import Client, Event, ResyncRequired, TOSAIClient


async def publish_as(client: TOSAIClient, index_address: str, title: str) -> str:
    async with TOSAIClient(client.rpc_url, sender=index_address) as publisher:
        return (
            await publisher.publisher.publish_task(task_type="GeneralTask", reward_amount=REWARD, title=title)
        ).task_id


async def take(stream: object, count: int, within: float = 10.0) -> list[Event]:
    events: list[Event] = []

    async def collect() -> None:
        async for event in stream:  # type: ignore[attr-defined]
            events.append(event)
            if len(events) >= count:
                return

    await asyncio.wait_for(collect(), within)
    return events


async def test_it_replays_events_after_since_seq_then_follows_live_ones(
    client: TOSAIClient, dev: DevAccounts
) -> None:
    head = (await client.get_events(0, 1)).head_seq
    first = await publish_as(client, dev.address(1), "Replayed task one")
    async with client.events(since_seq=head, events=["task_published"]) as stream:
        (replayed,) = await take(stream, 1)
        assert replayed.data["task_id"] == first
        assert replayed.seq > head
        second = await publish_as(client, dev.address(2), "Live task number two")
        (live,) = await take(stream, 1)
        assert live.data["task_id"] == second
        assert live.seq > replayed.seq
        assert stream.last_seq == live.seq


async def test_a_live_only_stream_starts_at_the_head(client: TOSAIClient, dev: DevAccounts) -> None:
    await publish_as(client, dev.address(3), "Before the stream")
    async with client.events(events=["task_published"]) as stream:
        pending = asyncio.ensure_future(take(stream, 1))
        await asyncio.wait_for(stream.connected.wait(), 5)
        task_id = await publish_as(client, dev.address(4), "After the stream opened")
        (event,) = await pending
    assert event.data["task_id"] == task_id


async def test_every_event_of_the_stream_has_the_next_seq(client: TOSAIClient, dev: DevAccounts) -> None:
    await publish_as(client, dev.address(5), "Some event to replay")
    head = (await client.get_events(0, 1)).head_seq
    start = max(0, head - 5)
    async with client.events(since_seq=start) as stream:
        events = await take(stream, head - start)
    assert [e.seq for e in events] == list(range(start + 1, head + 1))


async def test_the_stream_resumes_across_a_node_restart_without_gap_or_repeat(tmp_path: Path) -> None:
    with run_devnode(tmp_path, persistent=True, block_time=0.2) as node:
        async with TOSAIClient(node.url) as client:
            accounts = await client.dev.accounts()
            before = [await publish_as(client, accounts[i].address, f"Before restart {i}") for i in range(3)]
            seen: list[Event] = []
            stream = client.events(since_seq=0)

            async def follow() -> None:
                async for event in stream:
                    seen.append(event)

            follower = asyncio.create_task(follow())
            await eventually(lambda: len(seen) >= 3)
            await asyncio.to_thread(node.restart, kill=True)
            after = [await publish_as(client, accounts[i].address, f"After restart {i}") for i in range(3, 6)]
            head = (await client.get_events(0, 1)).head_seq
            await eventually(lambda: bool(seen) and seen[-1].seq >= head, within=15)
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
            await stream.aclose()
    seqs = [e.seq for e in seen]
    assert seqs == list(range(1, head + 1))
    published = [e.data["task_id"] for e in seen if e.event == "task_published"]
    assert published == before + after


async def test_a_cursor_older_than_the_node_keeps_raises_resync_required(tmp_path: Path) -> None:
    with run_devnode(tmp_path, extra_args=["--max-events", "3", "--rate-limits", "off"]) as node:
        async with TOSAIClient(node.url) as client:
            for i in range(5):
                await client.publisher.publish_task(
                    task_type="GeneralTask", reward_amount=REWARD, title=f"Crowded task {i:02d}"
                )
            page = await client.get_events(0, 10)
            with pytest.raises(ResyncRequired) as caught:
                async with client.events(since_seq=0) as stream:
                    await take(stream, 1)
    assert caught.value.oldest_seq == page.oldest_seq > 1
    assert "reload state" in str(caught.value)


def test_the_sync_stream_yields_the_same_events_as_the_http_page(
    sync_client: Client, node: DevnodeProcess, dev: DevAccounts
) -> None:
    node.rpc(
        "ai_publish_task",
        {"task_data": {"task_type": "GeneralTask", "reward_amount": str(REWARD)}, "from": dev.address(6)},
    )
    head = sync_client.get_events(0, 1).head_seq
    start = max(0, head - 4)
    with sync_client.events(since_seq=start) as stream:
        events = [event for _, event in zip(range(head - start), stream, strict=False)]
    page = sync_client.get_events(start, head - start)
    assert [e.to_dict() for e in events] == [e.to_dict() for e in page.events]
