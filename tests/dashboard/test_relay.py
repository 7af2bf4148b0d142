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

from tests.support.daphne import (
    Stack,
    add_user,
    daphne_process,
    logged_in,
    make_stack,
    relay_process,
    running,
)
from tests.support.devnode import DevnodeProcess, run_devnode

ACTIVE = "this relay is now the active one"
#: The relay lock's TTL the relays run with; a killed relay is replaced within it and one poll.
LOCK_TTL = 4.0
PASSWORD = "a-long-passphrase"


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


#: A reward near the top of the node's unsigned 64-bit amounts (a node with that rule relaxed pays it): its
#: winner's share passes 2^63-1, which a signed 64-bit column cannot hold.
HUGE_REWARD = 2**64 - 2**32


def fund(node: DevnodeProcess, address: str, amount: int) -> None:
    node.rpc("dev_faucet", {"address": address, "amount": str(amount)})


def complete_a_task_paying_more_than_2_63(node: DevnodeProcess) -> list[int]:
    """Publish, join, submit and approve a one-participant task with HUGE_REWARD; return its credits."""
    accounts: Any = node.rpc("dev_accounts")
    publisher, miner, validator = (str(accounts[index]["address"]) for index in (3, 4, 5))
    fund(node, publisher, HUGE_REWARD)
    fund(node, miner, HUGE_REWARD // 2)
    task = {
        "title": "A task paying more than 2^63",
        "task_type": "GeneralTask",
        "reward_amount": str(HUGE_REWARD),
        "max_participants": 1,
    }
    task_id = str(node.rpc("ai_publish_task", {"task_data": task, "from": publisher})["task_id"])  # type: ignore[index]
    details: Any = node.rpc("ai_get_task_details", {"task_id": task_id})
    stake = str(max(int(details["stake_required"]), HUGE_REWARD // 10))
    node.rpc("ai_participate_task", {"task_id": task_id, "stake_amount": stake, "from": miner})
    receipt: Any = node.rpc(
        "ai_submit_solution",
        {"task_id": task_id, "solution_data": {"content": "A careful answer."}, "from": miner},
    )
    node.rpc(
        "ai_validate_submission",
        {
            "task_id": task_id,
            "submission_id": receipt["submission_id"],
            "validation_result": {"Approve": {"quality_score": 90, "reasoning": "Checked by hand."}},
            "from": validator,
        },
    )
    details = node.rpc("ai_get_task_details", {"task_id": task_id})
    return sorted(int(reward["amount"]) for reward in details["rewards"])


def test_a_credit_above_2_63_is_stored_exactly_the_relay_goes_on_and_no_page_fails(
    tmp_path: Path, redis_url: str
) -> None:
    options = ["--huge-rewards", "--no-rate-limits"]
    with run_devnode(node_dir(tmp_path), extra_args=options, module="tests.support.altered_node") as node:
        stack = make_stack(tmp_path, redis_url.rsplit("/", 1)[0] + "/6", node.url)
        relay, web = relay_process(stack, "relay"), daphne_process(stack)
        with running(relay, web):
            relay.wait_for_log(ACTIVE)
            credits = complete_a_task_paying_more_than_2_63(node)
            assert credits[-1] > 2**63 - 1
            accounts: Any = node.rpc("dev_accounts")
            publish(node, str(accounts[0]["address"]), "Published after the large credit")
            wait_until_stored(stack, node, timeout=30)

            stored = sorted(
                int(str(amount)) for (amount,) in stack.query("SELECT amount FROM dashboard_credit")
            )
            assert stored == credits
            assert stack.stored_seqs() == node_seqs(node)
            for path in ("/leaderboard/", "/leaderboard/?period=all", "/healthz"):
                assert httpx.get(f"{web.url}{path}", timeout=20).status_code == 200, path
            # The winner's own pages, where the credit is counted.
            add_user(stack, "winner", PASSWORD, private_key=str(accounts[4]["private_key"]), roles="miner")
            with contextlib.closing(logged_in(web, "winner", PASSWORD)) as winner:
                earnings = winner.get("/mining/earnings/?period=all")
                assert earnings.status_code == 200
                assert f"{credits[-1] // 10**8:,}" in earnings.text
                csv = winner.get("/mining/earnings.csv?period=all")
                assert csv.status_code == 200
                assert str(credits[-1]) in csv.text
                for path in ("/mining/participations/", "/feed/", "/tasks/", "/reputation/"):
                    assert winner.get(path).status_code == 200, path
            assert "Traceback" not in relay.log()
