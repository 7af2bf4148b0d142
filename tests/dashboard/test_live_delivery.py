"""Every event an open page may see reaches it once and in order, whoever stored the event first.

Real processes: a devnode, Redis, `manage.py relay_events` and daphne; the page is a WebSocket client of
daphne, and page views (which store the node's events themselves when they catch up) are HTTP requests.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import redis

from dashboard.visibility import PUBLIC_EVENTS
from tests.support.daphne import (
    DaphneProcess,
    LivePage,
    ManagedProcess,
    Stack,
    add_user,
    daphne_process,
    logged_in,
    make_stack,
    relay_process,
    running,
    session_of,
)
from tests.support.devnode import DevnodeProcess, run_devnode

PASSWORD = "a-long-passphrase"
ACTIVE = "this relay is now the active one"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    with run_devnode(tmp_path_factory.mktemp("node"), extra_args=["--no-rate-limits"]) as node:
        yield node


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, redis_url: str, node: DevnodeProcess) -> Stack:
    own_redis = redis_url.rsplit("/", 1)[0] + "/10"  # its own: other modules flush theirs, lock included
    redis.Redis.from_url(own_redis).flushdb()
    stack = make_stack(tmp_path_factory.mktemp("live"), own_redis, node.url)
    accounts: Any = node.rpc("dev_accounts")
    add_user(stack, "watcher", PASSWORD)
    add_user(stack, "member", PASSWORD, private_key=str(accounts[9]["private_key"]), roles="miner validator")
    return stack


@pytest.fixture(scope="module")
def processes(stack: Stack) -> Iterator[tuple[ManagedProcess, DaphneProcess]]:
    relay, web = relay_process(stack, "relay"), daphne_process(stack)
    with running(relay, web):
        relay.wait_for_log(ACTIVE)
        yield relay, web


def publish(node: DevnodeProcess, title: str, sender: int = 0) -> None:
    accounts: Any = node.rpc("dev_accounts")
    task = {"title": title, "task_type": "GeneralTask", "reward_amount": "6000000000"}
    node.rpc("ai_publish_task", {"task_data": task, "from": accounts[sender]["address"]})


def head(node: DevnodeProcess) -> int:
    page: Any = node.rpc("ai_get_events", {"since_seq": 0, "limit": 1})
    return int(page["head_seq"])


def visible_seqs(stack: Stack) -> list[int]:
    """What a user without a node account may see: every public event stored."""
    names = sorted(PUBLIC_EVENTS)
    marks = ", ".join("?" for _ in names)
    rows = stack.query(f"SELECT seq FROM dashboard_nodeevent WHERE name IN ({marks}) ORDER BY seq", *names)  # noqa: S608
    return [int(str(seq)) for (seq,) in rows]


@contextlib.contextmanager
def paused(process: ManagedProcess) -> Iterator[None]:
    assert process.proc is not None
    os.kill(process.proc.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.proc.pid, signal.SIGCONT)


def test_an_event_a_page_view_stored_while_the_relay_was_paused_still_reaches_the_open_page(
    node: DevnodeProcess, stack: Stack, processes: tuple[ManagedProcess, DaphneProcess]
) -> None:
    relay, web = processes
    watcher = logged_in(web, "watcher", PASSWORD)
    with contextlib.closing(watcher), LivePage(web, session_of(watcher), since_seq=head(node)) as page:
        publish(node, "Seen live before the pause")
        first = head(node)
        page.wait_for(first)

        with paused(relay):
            publish(node, "Published while the relay is paused")
            assert httpx.get(f"{web.url}/leaderboard/", timeout=30).status_code == 200
            second = head(node)
            assert second in stack.stored_seqs(), "the page view should have stored the event itself"
        publish(node, "Published after the relay came back")
        third = head(node)

        page.wait_for(third)
        assert page.events() == [first, second, third]


def test_an_open_page_hears_the_relays_heartbeat_with_the_nodes_head_and_nothing_while_it_is_paused(
    node: DevnodeProcess, processes: tuple[ManagedProcess, DaphneProcess]
) -> None:
    relay, web = processes
    watcher = logged_in(web, "watcher", PASSWORD)
    with contextlib.closing(watcher), LivePage(web, session_of(watcher), since_seq=head(node)) as page:
        publish(node, "A task before the heartbeat")
        now = head(node)
        page.wait_for(now)
        wait_until(lambda: any(beat.head_and_sent == (now, now) for beat in page.heartbeats()))

        with paused(relay):
            before = len(page.heartbeats())
            time.sleep(3 * BEAT)
            assert len(page.heartbeats()) == before
            publish(node, "A task while the relay is paused")
        resumed = len(page.heartbeats())
        wait_until(lambda: len(page.heartbeats()) >= resumed + 3)
        assert page.heartbeats()[-1].head_and_sent == (head(node), head(node))
        beats = [beat.at for beat in page.heartbeats()[resumed:]]
        assert max(later - earlier for earlier, later in itertools.pairwise(beats)) < 2 * BEAT


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.1)


#: The relay's heartbeat (LIVE_HEARTBEAT_SECONDS, 2 by default).
BEAT = 2.0


def test_soak_an_open_page_gets_every_event_once_in_order_while_page_views_hammer_the_log(
    node: DevnodeProcess, stack: Stack, processes: tuple[ManagedProcess, DaphneProcess]
) -> None:
    _, web = processes
    watcher = logged_in(web, "watcher", PASSWORD)
    stop = threading.Event()
    views: list[int] = []

    def hammer(client: httpx.Client, paths: list[str]) -> None:
        while not stop.is_set():
            for path in paths:
                with contextlib.suppress(httpx.HTTPError):
                    views.append(client.get(path).status_code)

    # Every page that catches up on the log: the anonymous leaderboard, and a logged-in user's pages.
    anonymous = httpx.Client(base_url=web.url, timeout=30)
    member = logged_in(web, "member", PASSWORD)
    hammers = [
        threading.Thread(target=hammer, args=(anonymous, ["/leaderboard/"]), daemon=True),
        threading.Thread(
            target=hammer,
            args=(member, ["/leaderboard/", "/validation/", "/mining/participations/", "/mining/earnings/"]),
            daemon=True,
        ),
    ]
    with contextlib.ExitStack() as closing:
        for client in (watcher, anonymous, member):
            closing.enter_context(contextlib.closing(client))
        page = closing.enter_context(LivePage(web, session_of(watcher), since_seq=head(node)))
        start = head(node)
        for thread in hammers:
            thread.start()
        try:
            for index in range(SOAK_SECONDS):
                publish(node, f"Soak task {index}", sender=index % 4)
                time.sleep(1)
        finally:
            stop.set()
            for thread in hammers:
                thread.join(timeout=30)
        last = head(node)
        page.wait_for(last)
        expected = [seq for seq in visible_seqs(stack) if seq > start]

        assert page.events() == expected
        assert len(expected) >= SOAK_SECONDS
        assert len(views) > SOAK_SECONDS
        assert set(views) == {200}, sorted(set(views))


#: How long the soak publishes (a task a second); the whole test stays under a minute.
SOAK_SECONDS = 25
