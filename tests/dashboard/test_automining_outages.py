"""Auto-mining through outages of the node and of Redis, in the middle of a job, with real processes.

The node keeps its state in a file and Redis runs on a fixed port, so both can go away and come back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.automining import (
    CeleryProcess,
    in_stack,
    joined_by,
    last_error,
    miner,
    publish,
    recorded,
    running_relay,
    running_worker,
    submitted_by,
    wait_until,
)
from tests.support.daphne import Stack, make_stack
from tests.support.devnode import DevnodeProcess, run_devnode
from tests.support.fake_ai import FakeAI
from tests.support.redis import RedisProcess

QUEUE_DOWN = "The task queue (Redis) is unavailable"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    with run_devnode(Path(tmp_path_factory.mktemp("devnode")), persistent=True) as process:
        yield process


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    server = RedisProcess(Path(tmp_path_factory.mktemp("redis")))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, own_redis: RedisProcess, node: DevnodeProcess
) -> Iterator[Stack]:
    stack = make_stack(Path(tmp_path_factory.mktemp("outages")), own_redis.url, node.url)
    with running_relay(stack):
        yield stack


@pytest.fixture
def worker(stack: Stack, own_redis: RedisProcess, node: DevnodeProcess) -> Iterator[CeleryProcess]:
    own_redis.start()  # both are back for every test, whatever the one before did
    node.start()
    with running_worker(stack) as process:
        yield process


def test_a_node_outage_mid_job_backs_off_says_why_and_resumes(
    stack: Stack, worker: CeleryProcess, node: DevnodeProcess, fake_ai: FakeAI
) -> None:
    me = miner(
        stack,
        "weathered",
        kind="DataAnalysis",
        solver_kind="openai",
        solver_base_url=fake_ai.url,
        solver_model="m",
    )
    try:
        fake_ai.delays = [5]  # the answer comes back after the node has gone
        task_id = publish(node, "DataAnalysis")
        wait_until(
            lambda: joined_by(node, task_id, me["address"]) and fake_ai.requests, 30, "solving", worker
        )
        node.stop()
        said = wait_until(
            lambda: (
                "Trying again in" in last_error(stack, me["user_id"]) and last_error(stack, me["user_id"])
            ),
            30,
            "the outage said in words",
            worker,
        )
        assert said.startswith("The node is unavailable. Trying again in")
        page = in_stack(stack, "page", user_id=me["user_id"], url_name="automining")
        assert page["status"] == 200
        assert "node is unavailable" in page["html"]
        assert "Trying again in" in page["html"]

        node.start()
        wait_until(
            lambda: submitted_by(node, task_id, me["address"]), 90, "submitting after the outage", worker
        )
        wait_until(lambda: recorded(stack, me["user_id"], task_id, "submitted"), 10, "recording", worker)
        wait_until(lambda: last_error(stack, me["user_id"]) == "", 10, "the error cleared", worker)
        assert joined_by(node, task_id, me["address"]) == 1
        assert submitted_by(node, task_id, me["address"]) == 1
        assert len(fake_ai.requests) == 1  # the solution was kept through the outage, not asked for again
    finally:
        node.start()
        in_stack(stack, "set_enabled", user_id=me["user_id"], on=False)


def test_a_redis_outage_mid_job_loses_nothing_and_mining_resumes_by_itself(
    stack: Stack, worker: CeleryProcess, node: DevnodeProcess, own_redis: RedisProcess, fake_ai: FakeAI
) -> None:
    me = miner(
        stack,
        "unshaken",
        kind="LogicReasoning",
        max_concurrent_tasks=2,
        solver_kind="openai",
        solver_base_url=fake_ai.url,
        solver_model="m",
    )
    try:
        fake_ai.delays = [3]  # Redis goes away while the AI service works on the answer
        first = publish(node, "LogicReasoning")
        wait_until(lambda: joined_by(node, first, me["address"]) and fake_ai.requests, 30, "solving", worker)
        own_redis.stop()

        page = in_stack(stack, "page", user_id=me["user_id"], url_name="automining")
        assert page["status"] == 200
        assert QUEUE_DOWN in page["html"]
        # The job under way does not need Redis to finish: it submits, once.
        wait_until(lambda: submitted_by(node, first, me["address"]), 30, "submitting without Redis", worker)
        wait_until(lambda: recorded(stack, me["user_id"], first, "submitted"), 10, "recording", worker)

        own_redis.start()  # empty: the queue, the relay's lock and the caches are gone
        page = in_stack(stack, "page", user_id=me["user_id"], url_name="automining")
        assert QUEUE_DOWN not in page["html"]
        second = publish(node, "LogicReasoning")
        wait_until(
            lambda: submitted_by(node, second, me["address"]), 90, "mining again after the outage", worker
        )
        assert joined_by(node, first, me["address"]) == 1
        assert submitted_by(node, first, me["address"]) == 1
        assert len(fake_ai.requests) == 2
    finally:
        own_redis.start()
        in_stack(stack, "set_enabled", user_id=me["user_id"], on=False)
