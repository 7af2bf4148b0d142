"""The relay as it runs: `manage.py relay_events` processes, a real devnode process, real Redis."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.daphne import Stack, make_stack, relay_process, running
from tests.support.devnode import DevnodeProcess, run_devnode

ACTIVE = "this relay is now the active one"
#: The relay lock's TTL the relays run with; a killed relay is replaced within it and one poll.
LOCK_TTL = 4.0


def publish(node: DevnodeProcess, sender: str, title: str) -> None:
    task = {"title": title, "task_type": "GeneralTask", "reward_amount": "6000000000"}
    node.rpc("ai_publish_task", {"task_data": task, "from": sender})


class Publisher:
    """Publishes tasks on the node from a thread, through node restarts, until stopped."""

    def __init__(self, node: DevnodeProcess) -> None:
        self.node = node
        accounts: Any = node.rpc("dev_accounts")
        self.senders = [str(account["address"]) for account in accounts]
        self.published = 0
        self.error = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sender = self.senders[self.published % len(self.senders)]
                publish(self.node, sender, f"Relayed task number {self.published}")
                self.published += 1
            except httpx.HTTPError:  # the node is restarting: try again shortly
                time.sleep(0.05)
            except AssertionError as exc:
                self.error = str(exc)
                return
            self._stop.wait(0.03)

    @contextlib.contextmanager
    def running(self) -> Iterator[Publisher]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(timeout=30)

    def wait_for_more(self, count: int, timeout: float = 60.0) -> None:
        target = self.published + count
        deadline = time.monotonic() + timeout
        while self.published < target:
            assert time.monotonic() < deadline, f"only {self.published} tasks published {self.error}"
            time.sleep(0.05)


def node_seqs(node: DevnodeProcess) -> list[int]:
    seqs: list[int] = []
    since = 0
    while True:
        page: Any = node.rpc("ai_get_events", {"since_seq": since, "limit": 1000})
        seqs += [int(event["seq"]) for event in page["events"]]
        if not page["events"] or seqs[-1] >= page["head_seq"]:
            return seqs
        since = seqs[-1]


def wait_until_stored(stack: Stack, node: DevnodeProcess, timeout: float = 60.0) -> None:
    head = node_seqs(node)[-1]
    deadline = time.monotonic() + timeout
    while (stack.stored_seqs() or [0])[-1] < head:
        assert time.monotonic() < deadline, f"stored up to {stack.stored_seqs()[-1:]}, node head {head}"
        time.sleep(0.1)


def node_dir(tmp_path: Path) -> Path:
    (tmp_path / "node").mkdir(exist_ok=True)
    return tmp_path / "node"


@pytest.fixture
def persistent_node(tmp_path: Path) -> Iterator[DevnodeProcess]:
    with run_devnode(node_dir(tmp_path), persistent=True, extra_args=["--no-rate-limits"]) as node:
        yield node


def test_every_event_is_stored_once_through_node_restarts_relay_restarts_and_a_takeover(
    tmp_path: Path, redis_url: str, persistent_node: DevnodeProcess
) -> None:
    stack = make_stack(tmp_path, redis_url, persistent_node.url)
    ttl = ("--lock-ttl", str(LOCK_TTL))
    first, second = relay_process(stack, "relay-1", *ttl), relay_process(stack, "relay-2", *ttl)
    third = relay_process(stack, "relay-3", *ttl)
    with running(first), Publisher(persistent_node).running() as publisher:
        first.wait_for_log(ACTIVE)
        second.start()
        second.wait_for_log("another relay is active")
        publisher.wait_for_more(10)

        persistent_node.restart()
        publisher.wait_for_more(10)
        persistent_node.restart(kill=True)
        publisher.wait_for_more(10)

        # A clean stop releases the lock: the waiting relay takes over at once.
        first.stop()
        second.wait_for_log(ACTIVE)
        third.start()
        third.wait_for_log("another relay is active")
        publisher.wait_for_more(10)

        # A crash leaves the lock to expire: the waiting relay takes over within its TTL.
        killed_at = time.monotonic()
        second.stop(kill=True)
        took_over_at = third.wait_for_log(ACTIVE, timeout=30)
        assert took_over_at - killed_at < LOCK_TTL + 5
        publisher.wait_for_more(10)
    try:
        wait_until_stored(stack, persistent_node)
        stored, on_node = stack.stored_seqs(), node_seqs(persistent_node)
        assert stored == on_node == list(range(1, len(on_node) + 1))
        (count,) = stack.query("SELECT count(*) FROM dashboard_nodeevent")[0]
        assert count == len(on_node)
        assert publisher.published >= 50
    finally:
        third.stop()
        second.stop()


def test_a_relay_told_to_resync_catches_up_and_reloads_the_tasks_from_the_node(
    tmp_path: Path, redis_url: str
) -> None:
    with run_devnode(node_dir(tmp_path), extra_args=["--no-rate-limits", "--max-events", "5"]) as node:
        accounts: Any = node.rpc("dev_accounts")
        publisher, miner = str(accounts[0]["address"]), str(accounts[1]["address"])
        for index in range(4):
            publish(node, publisher, f"Before the relay {index}")
        tasks: Any = node.rpc("ai_list_active_tasks", {"limit": 10})
        joined = str(tasks[0]["task_id"])
        stake = str(tasks[0]["stake_required"])
        node.rpc("ai_participate_task", {"task_id": joined, "stake_amount": stake, "from": miner})
        kept = node_seqs(node)
        assert kept[0] > 1, "the node should have dropped the first events"

        stack = make_stack(tmp_path, redis_url, node.url)
        relay = relay_process(stack, "relay")
        with running(relay):
            relay.wait_for_log("no longer keeps the events")
            relay.wait_for_log("tasks reloaded from the node")
            assert stack.stored_seqs() == kept
            stored_tasks = {
                row[0]: row[1]
                for row in stack.query("SELECT task_id, participants_count FROM dashboard_task")
            }
            assert len(stored_tasks) == 4
            assert stored_tasks[joined] == 1

            publish(node, publisher, "After the resync")
            wait_until_stored(stack, node)
            assert stack.stored_seqs() == kept + list(range(kept[-1] + 1, node_seqs(node)[-1] + 1))
