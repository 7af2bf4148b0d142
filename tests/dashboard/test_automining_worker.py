"""Auto-mining as it runs: a real Celery worker process, the relay, real Redis, a real devnode, the solver over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.automining import (
    TOS,
    CeleryProcess,
    beat_process,
    in_stack,
    joined_by,
    last_error,
    miner,
    publish,
    recorded,
    rows,
    running_relay,
    running_worker,
    submitted_by,
    wait_until,
    worker_process,
)
from tests.support.daphne import Stack, make_stack
from tests.support.devnode import DevnodeProcess
from tests.support.fake_ai import FakeAI


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, devnode: DevnodeProcess
) -> Iterator[Stack]:
    """A migrated database file, its own Redis database, and the relay following the devnode."""
    own_redis = redis_url.rsplit("/", 1)[0] + "/7"
    redis.Redis.from_url(own_redis).flushdb()
    stack = make_stack(Path(tmp_path_factory.mktemp("automining")), own_redis, devnode.url)
    with running_relay(stack):
        yield stack


@pytest.fixture
def worker(stack: Stack) -> Iterator[CeleryProcess]:
    with running_worker(stack) as process:
        yield process


def test_a_published_task_is_taken_within_seconds_and_answered_by_the_ai_service(
    stack: Stack, worker: CeleryProcess, devnode: DevnodeProcess, fake_ai: FakeAI
) -> None:
    me = miner(
        stack,
        "eager",
        kind="GeneralTask",
        solver_kind="openai",
        solver_base_url=f"{fake_ai.url}/v1",
        solver_model="fake-model",
        api_key="sk-live-secret-123",
    )
    try:
        assert stack.query(
            "SELECT task FROM django_celery_beat_periodictask WHERE name = ?",
            f"automine-user-{me['user_id']}",
        ) == [("dashboard.tasks.automine_user",)]
        published = time.monotonic()
        task_id = publish(devnode, "GeneralTask")
        wait_until(lambda: joined_by(devnode, task_id, me["address"]), 20, "joining", worker)
        assert time.monotonic() - published < 15  # the scheduled check is a minute away: the event did it
        wait_until(lambda: submitted_by(devnode, task_id, me["address"]), 30, "submitting", worker)
        asked = [request for request in fake_ai.requests if request["path"] == "/v1/chat/completions"]
        assert len(asked) == 1
        assert asked[0]["headers"]["Authorization"] == "Bearer sk-live-secret-123"
        wait_until(lambda: recorded(stack, me["user_id"], task_id, "submitted"), 10, "recording", worker)
        steps = [str(m) for (m,) in stack.query("SELECT message FROM dashboard_autominingstep")]
        assert any(step.startswith("Joined “A GeneralTask task”") for step in steps)
        assert any(step.startswith("Submitted a solution") for step in steps)
    finally:
        in_stack(stack, "set_enabled", user_id=me["user_id"], on=False)


def test_turning_it_off_removes_the_schedule_and_stops_new_participations(
    stack: Stack, worker: CeleryProcess, devnode: DevnodeProcess
) -> None:
    me = miner(stack, "quitter", kind="DataAnalysis")
    in_stack(stack, "set_enabled", user_id=me["user_id"], on=False)
    assert (
        stack.query(
            "SELECT id FROM django_celery_beat_periodictask WHERE name = ?", f"automine-user-{me['user_id']}"
        )
        == []
    )
    task_id = publish(devnode, "DataAnalysis")
    wait_until(
        lambda: stack.query("SELECT seq FROM dashboard_nodeevent WHERE task_id = ?", task_id), 20, "relaying"
    )
    in_stack(stack, "enqueue", task="automine_user", kwargs={"user_id": me["user_id"]})
    in_stack(stack, "enqueue", task="match_published_tasks", kwargs={"task_ids": [task_id]})
    time.sleep(5)
    assert joined_by(devnode, task_id, me["address"]) == 0
    assert rows(stack, me["user_id"]) == []


def test_caps_are_respected(stack: Stack, worker: CeleryProcess, devnode: DevnodeProcess) -> None:
    # Stakes of 10 TOS each (a tenth of 100 TOS); at most 25 TOS locked: two tasks, never three.
    me = miner(
        stack, "careful", kind="AlgorithmOptimization", max_concurrent_tasks=5, max_locked_stake=25 * TOS
    )
    try:
        tasks = [publish(devnode, "AlgorithmOptimization") for _ in range(3)]
        wait_until(
            lambda: sum(joined_by(devnode, t, me["address"]) for t in tasks) >= 2, 30, "two joins", worker
        )
        in_stack(stack, "enqueue", task="automine_user", kwargs={"user_id": me["user_id"]})
        time.sleep(4)
        assert sum(joined_by(devnode, t, me["address"]) for t in tasks) == 2
        steps = [str(m) for (m,) in stack.query("SELECT message FROM dashboard_autominingstep")]
        assert any("past your cap" in step for step in steps)
    finally:
        in_stack(stack, "set_enabled", user_id=me["user_id"], on=False)


def test_a_task_delivered_twice_is_joined_and_answered_once(
    stack: Stack, worker: CeleryProcess, devnode: DevnodeProcess
) -> None:
    me = miner(stack, "twice", kind="LogicReasoning")
    try:
        task_id = publish(devnode, "LogicReasoning")
        # Besides the relay's own delivery: a batch that names it twice, and a batch of it alone.
        in_stack(stack, "enqueue", task="match_published_tasks", kwargs={"task_ids": [task_id, task_id]})
        in_stack(stack, "enqueue", task="match_published_tasks", kwargs={"task_ids": [task_id]})
        for _ in range(2):
            in_stack(
                stack, "enqueue", task="automine_user", kwargs={"user_id": me["user_id"], "trigger": "manual"}
            )
        wait_until(lambda: submitted_by(devnode, task_id, me["address"]), 30, "submitting", worker)
        time.sleep(3)
        assert joined_by(devnode, task_id, me["address"]) == 1
        assert submitted_by(devnode, task_id, me["address"]) == 1
        wait_until(lambda: recorded(stack, me["user_id"], task_id, "submitted"), 10, "recording", worker)
    finally:
        in_stack(stack, "set_enabled", user_id=me["user_id"], on=False)


def test_a_solver_outage_backs_off_says_why_and_recovers(
    stack: Stack, worker: CeleryProcess, devnode: DevnodeProcess, fake_ai: FakeAI
) -> None:
    me = miner(
        stack,
        "patient",
        kind="CodeAnalysis",
        solver_kind="openai",
        solver_base_url=fake_ai.url,
        solver_model="m",
    )
    try:
        fake_ai.failures = [503, 503]
        task_id = publish(devnode, "CodeAnalysis", task_type={"CodeAnalysis": {"language": "rust"}})
        said = wait_until(
            lambda: "HTTP 503" in last_error(stack, me["user_id"]) and last_error(stack, me["user_id"]),
            30,
            "an error in words",
            worker,
        )
        assert "The AI service could not answer" in said
        assert "Trying again in" in said
        wait_until(
            lambda: submitted_by(devnode, task_id, me["address"]), 60, "submitting after the outage", worker
        )
        assert len(fake_ai.requests) == 3
        wait_until(lambda: last_error(stack, me["user_id"]) == "", 10, "the error cleared")
    finally:
        in_stack(stack, "set_enabled", user_id=me["user_id"], on=False)


def test_a_worker_killed_mid_job_leaves_exactly_one_participation_and_one_submission(
    stack: Stack, devnode: DevnodeProcess, fake_ai: FakeAI
) -> None:
    first = worker_process(stack, "doomed")
    first.start()
    try:
        first.wait_for_log(" ready.", timeout=90)
        me = miner(
            stack,
            "survivor",
            kind="SecurityAudit",
            check_interval=10,
            solver_kind="openai",
            solver_base_url=fake_ai.url,
            solver_model="m",
        )
        fake_ai.delays = [120]  # the first answer never comes in time: the worker dies waiting for it
        task_id = publish(devnode, "SecurityAudit")
        wait_until(
            lambda: joined_by(devnode, task_id, me["address"]) and fake_ai.requests, 30, "solving", first
        )
    finally:
        first.stop(kill=True)
    assert rows(stack, me["user_id"])[0][1] == "joined"
    second, beat = worker_process(stack, "successor"), beat_process(stack)
    second.start()
    beat.start()
    try:
        wait_until(
            lambda: submitted_by(devnode, task_id, me["address"]),
            120,
            "submitting after the crash",
            second,
            beat,
        )
        time.sleep(2)
        assert joined_by(devnode, task_id, me["address"]) == 1
        assert submitted_by(devnode, task_id, me["address"]) == 1
        wait_until(lambda: recorded(stack, me["user_id"], task_id, "submitted"), 10, "recording", second)
        assert len(fake_ai.requests) == 2
    finally:
        in_stack(stack, "set_enabled", user_id=me["user_id"], on=False)
        beat.stop()
        second.stop()
