"""The event log and the WebSocket stream: replay, live events, exactly-once across reconnects."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from devnode.app import _ws_sender
from devnode.events import EventLog, Subscription
from tests.support.devnode import DevnodeProcess, run_devnode

R = 10_000_000_000


def event(seq: int, name: str = "task_published") -> dict[str, Any]:
    return {"event": name, "seq": seq, "topoheight": 1, "timestamp": 1, "data": {}}


def make_log(count: int, max_events: int = 100) -> EventLog:
    log = EventLog(max_events, 0)
    log.publish(EventLog.serialize([event(seq) for seq in range(1, count + 1)]))
    return log


# ----- the log, in process ------------------------------------------------------------------------------


def test_a_subscriber_gets_the_backlog_then_only_newer_events() -> None:
    log = make_log(5)
    subscription = log.subscribe(2, None, 100)
    assert subscription.head_seq == 5
    assert [item.seq for item in subscription.backlog] == [3, 4, 5]
    log.publish(EventLog.serialize([event(6)]))
    assert [item.seq for item in subscription.subscriber.queue] == [6]


def test_a_live_subscription_starts_at_the_head() -> None:
    log = make_log(5)
    subscription = log.subscribe(None, None, 100)
    assert subscription.backlog == []
    assert subscription.resync_oldest is None
    log.publish(EventLog.serialize([event(6)]))
    assert [item.seq for item in subscription.subscriber.queue] == [6]


def test_a_since_seq_older_than_retention_asks_for_a_resync() -> None:
    log = make_log(10, max_events=4)
    assert log.oldest_seq == 7
    assert log.subscribe(5, None, 100).resync_oldest == 7
    kept = log.subscribe(6, None, 100)
    assert kept.resync_oldest is None
    assert [item.seq for item in kept.backlog] == [7, 8, 9, 10]


def test_a_filtered_subscriber_sees_only_its_events() -> None:
    log = EventLog(100, 0)
    log.publish(EventLog.serialize([event(1), event(2, "participant_joined"), event(3)]))
    subscription = log.subscribe(0, frozenset({"participant_joined"}), 100)
    assert [item.seq for item in subscription.backlog] == [2]


def test_a_slow_subscriber_is_dropped_not_waited_for() -> None:
    log = EventLog(100, 0)
    subscription = log.subscribe(None, None, 3)
    log.publish(EventLog.serialize([event(seq) for seq in range(1, 6)]))
    assert subscription.subscriber.overflowed
    assert len(subscription.subscriber.queue) == 0


class FakeSocket:
    """Just enough of a Starlette WebSocket for the sender."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.closed_with: int | None = None
        self.client_state = None

    async def send_text(self, text: str) -> None:
        self.sent.append(json.loads(text))

    async def close(self, code: int = 1000) -> None:
        self.closed_with = code


async def test_the_sender_tells_a_dropped_subscriber_where_to_resume() -> None:
    log = make_log(3)
    subscription: Subscription = log.subscribe(1, None, 2)
    log.publish(EventLog.serialize([event(seq) for seq in range(4, 8)]))  # overflows the queue of 2
    socket = FakeSocket()
    await asyncio.wait_for(_ws_sender(socket, subscription, {"id": 1, "result": {"head_seq": 3}}), 2)  # type: ignore[arg-type]
    assert socket.sent[0] == {"id": 1, "result": {"head_seq": 3}}
    assert [message["seq"] for message in socket.sent[1:3]] == [2, 3]
    dropped = socket.sent[3]
    assert (dropped["event"], dropped["last_seq"]) == ("subscription_dropped", 3)
    assert "since_seq=3" in dropped["message"]
    assert socket.closed_with == 1013


# ----- a real node over WebSocket -----------------------------------------------------------------------


@pytest.fixture
def node(tmp_path: Path) -> Iterator[DevnodeProcess]:
    with run_devnode(
        tmp_path, block_time=0, extra_args=["--rate-limits", "off", "--max-events", "50"]
    ) as started:
        yield started


async def subscribe(
    node: DevnodeProcess, since_seq: int | None, events: Any = "*"
) -> tuple[ClientConnection, int]:
    socket = await connect(node.ws_url)
    await socket.send(
        json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "subscribe",
                "params": {"events": events, "since_seq": since_seq},
            }
        )
    )
    reply = json.loads(await asyncio.wait_for(socket.recv(), 5))
    assert reply["id"] == 1
    return socket, int(reply["result"]["head_seq"])


async def receive(socket: ClientConnection, count: int) -> list[dict[str, Any]]:
    return [json.loads(await asyncio.wait_for(socket.recv(), 5)) for _ in range(count)]


async def publish(client: httpx.AsyncClient, node: DevnodeProcess) -> None:
    reply = await client.post(
        node.url,
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "ai_publish_task",
            "params": {"task_data": {"task_type": "CodeAnalysis", "reward_amount": R}},
        },
    )
    assert "result" in reply.json()


async def test_a_live_subscriber_gets_only_new_events_in_order(node: DevnodeProcess) -> None:
    async with httpx.AsyncClient() as client:
        await publish(client, node)
        socket, head = await subscribe(node, None)
        assert head == 1
        await publish(client, node)
        await publish(client, node)
        received = await receive(socket, 2)
        assert [item["seq"] for item in received] == [2, 3]
        assert set(received[0]) == {"event", "seq", "topoheight", "timestamp", "data"}
        await socket.close()


async def test_a_reconnecting_client_receives_every_event_exactly_once(node: DevnodeProcess) -> None:
    seen: list[int] = []
    async with httpx.AsyncClient() as client:
        writer_done = asyncio.Event()

        async def writer() -> None:
            for _ in range(30):
                await publish(client, node)
            writer_done.set()

        task = asyncio.create_task(writer())
        socket, _ = await subscribe(node, 0)
        for _ in range(3):  # drop the connection three times mid-stream
            for item in await receive(socket, 4):
                seen.append(item["seq"])
            await socket.close()
            socket, _ = await subscribe(node, seen[-1])
        await writer_done.wait()
        await task
        while len(seen) < 30:
            seen.append((await receive(socket, 1))[0]["seq"])
        await socket.close()
    assert seen == list(range(1, 31))


async def test_a_since_seq_past_retention_gets_resync_required(node: DevnodeProcess) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(55):
            await publish(client, node)
        socket, head = await subscribe(node, 2)
        assert head == 55
        notice = (await receive(socket, 1))[0]
        assert notice["event"] == "resync_required"
        assert notice["oldest_seq"] == 6
        await publish(client, node)
        assert (await receive(socket, 1))[0]["seq"] == 56  # then live events follow
        await socket.close()


async def test_a_subscription_can_filter_event_names(node: DevnodeProcess) -> None:
    async with httpx.AsyncClient() as client:
        socket, _ = await subscribe(node, None, ["task_cancelled"])
        await publish(client, node)
        listed = (
            await client.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": "ai_list_active_tasks"})
        ).json()
        task_id = listed["result"][0]["task_id"]
        await client.post(
            node.url,
            json={"jsonrpc": "2.0", "id": 1, "method": "ai_cancel_task", "params": {"task_id": task_id}},
        )
        received = (await receive(socket, 1))[0]
        assert received["event"] == "task_cancelled"
        await socket.close()


async def test_bad_subscribe_messages_get_json_rpc_errors(node: DevnodeProcess) -> None:
    async with connect(node.ws_url) as socket:
        await socket.send("{nope")
        assert json.loads(await socket.recv())["error"]["code"] == -32700
        await socket.send(
            json.dumps({"jsonrpc": "2.0", "id": 2, "method": "subscribe", "params": {"events": ["weather"]}})
        )
        error = json.loads(await socket.recv())["error"]
        assert (error["code"], error["data"]["field"]) == (-32602, "events")
        await socket.send(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "unsubscribe"}))
        assert json.loads(await socket.recv())["error"]["code"] == -32601
        await socket.send(json.dumps({"jsonrpc": "2.0", "id": 4, "method": "subscribe", "params": {}}))
        assert json.loads(await socket.recv())["result"]["head_seq"] == 0
        await socket.send(json.dumps({"jsonrpc": "2.0", "id": 5, "method": "subscribe", "params": {}}))
        assert json.loads(await socket.recv())["error"]["data"]["rule"] == "already_subscribed"
