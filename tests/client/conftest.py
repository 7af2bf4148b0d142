"""Fixtures for the client tests: one real devnode per session, clients bound to it, task factories."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.devnode import DevnodeProcess, run_devnode
from tos_ai import Client, RetryPolicy, TOSAIClient

REWARD = 10_000_000_000  # Beginner: 5e9..15e9 atomic
STAKE = 1_000_000_000  # reward/10
FAST_RETRIES = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)


@dataclass(frozen=True)
class DevAccounts:
    """The node's dev accounts, by index: address and private key."""

    rows: list[dict[str, Any]]

    def address(self, index: int) -> str:
        return str(self.rows[index]["address"])

    def key(self, index: int) -> str:
        return str(self.rows[index]["private_key"])


@pytest.fixture(scope="session")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    """A devnode shared by the tests that do not restart or reconfigure it."""
    with run_devnode(tmp_path_factory.mktemp("devnode"), block_time=0.2) as process:
        yield process


@pytest.fixture(scope="session")
def dev(node: DevnodeProcess) -> DevAccounts:
    rows = node.rpc("dev_accounts")
    assert isinstance(rows, list)
    return DevAccounts(rows)


# Publishing is rate limited per address (10 an hour on the node's clock), so tasks are published by
# the dev accounts in turn. Accounts 7-9 never publish: tests use them as miners and validators.
_PUBLISHERS = itertools.cycle(range(0, 7))


def next_publisher() -> int:
    return next(_PUBLISHERS)


@pytest.fixture
async def client(node: DevnodeProcess) -> AsyncIterator[TOSAIClient]:
    """An async client acting as dev account 0 (no wallet, no sender)."""
    async with TOSAIClient(node.url, retry=FAST_RETRIES) as c:
        yield c


@pytest.fixture
def sync_client(node: DevnodeProcess) -> Iterator[Client]:
    with Client(node.url, retry=FAST_RETRIES) as c:
        yield c


@pytest.fixture
async def as_account(node: DevnodeProcess, dev: DevAccounts) -> AsyncIterator[Any]:
    """`as_account(i)`: an async client acting as dev account i (unsigned, `from`)."""
    opened: list[TOSAIClient] = []

    def make(index: int) -> TOSAIClient:
        c = TOSAIClient(node.url, sender=dev.address(index), retry=FAST_RETRIES)
        opened.append(c)
        return c

    yield make
    for c in opened:
        await c.aclose()


async def publish(node_url: str, dev: DevAccounts, **fields: Any) -> tuple[str, str]:
    """Publish a Beginner task from the next publisher account; returns (task_id, publisher address)."""
    index = next_publisher()
    async with TOSAIClient(node_url, sender=dev.address(index)) as c:
        task_data = {
            "title": "Review a parser",
            "task_type": "CodeAnalysis",
            "reward_amount": REWARD,
            **fields,
        }
        published = await c.publisher.publish_task(**task_data)
    return published.task_id, dev.address(index)


async def eventually(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait until `condition()` holds, checking every 50 ms; fail after `within` seconds."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - the state belongs to another task; polling is the point
            await asyncio.sleep(0.05)
