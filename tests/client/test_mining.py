"""The auto-miner: it joins a freshly published task at once, answers it, and stops on request."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.client.conftest import REWARD, eventually
from tests.support.devnode import run_devnode
from tos_ai import (
    AutoMiningConfig,
    AutoMiningReport,
    Client,
    RetryPolicy,
    TaskSolution,
    TOSAIClient,
    estimate_success_probability,
)
from tos_ai.mining import OFFLINE_LABEL, draft_offline_solution
from tos_ai.records import TaskDetails, TaskSummary


async def test_auto_mining_joins_a_published_task_at_once_and_stops_on_request(tmp_path: Path) -> None:
    with run_devnode(tmp_path) as node:
        async with TOSAIClient(node.url) as publisher:
            accounts = await publisher.dev.accounts()
            async with TOSAIClient(node.url, sender=accounts[7].address) as miner:
                config = AutoMiningConfig(
                    target_difficulty="Beginner", max_concurrent_tasks=2, min_time_left=60, check_interval=60
                )
                mining = asyncio.create_task(miner.miner.start_auto_mining(config))
                await eventually(lambda: (miner.miner.auto_mining_report or _NO_SCANS).scans >= 1, 10)
                await asyncio.sleep(0.3)  # let the event listener subscribe
                published = await publisher.publisher.publish_task(
                    title="Summarise a log file", task_type="DataAnalysis", reward_amount=REWARD
                )
                # check_interval is 60 s: only the task_published event can make it react this fast.
                await eventually(lambda: published.task_id in _submitted(miner.miner.auto_mining_report), 10)
                started = time.monotonic()
                miner.miner.stop_auto_mining()
                report = await asyncio.wait_for(mining, 2)
                assert time.monotonic() - started < 2
                assert report.joined == [published.task_id]
                details = await publisher.get_task_details(published.task_id)
        assert details.participant_addresses() == {accounts[7].address}
        assert details.submissions[0]["solution_data"]["content"].startswith(OFFLINE_LABEL)
        assert not miner.miner.is_auto_mining


async def test_auto_mining_uses_a_custom_async_generator_and_skips_hard_tasks(tmp_path: Path) -> None:
    with run_devnode(tmp_path) as node:
        async with TOSAIClient(node.url) as publisher:
            accounts = await publisher.dev.accounts()
            hard = await publisher.publisher.publish_task(task_type="SecurityAudit", reward_amount=20 * 10**9)
            easy = await publisher.publisher.publish_task(task_type="GeneralTask", reward_amount=REWARD)

            async def answer(task: TaskDetails) -> TaskSolution:
                return TaskSolution(content=f"My own answer to {task.title}")

            config = AutoMiningConfig(
                target_difficulty="Beginner",
                check_interval=0.2,
                solution_generator=answer,
                listen_events=False,
            )
            async with TOSAIClient(node.url, sender=accounts[8].address) as miner:
                mining = asyncio.create_task(miner.miner.start_auto_mining(config))
                await eventually(
                    lambda: easy.task_id in (miner.miner.auto_mining_report or _NO_SCANS).submitted, 10
                )
                miner.miner.stop_auto_mining()
                report = await asyncio.wait_for(mining, 2)
            assert hard.task_id not in report.joined
            details = await publisher.get_task_details(easy.task_id)
            assert details.submissions[0]["solution_data"]["content"] == "My own answer to GeneralTask"


async def test_auto_mining_pauses_after_an_error_and_still_stops_promptly(unused_tcp_port: int) -> None:
    retry = RetryPolicy(attempts=1)
    async with TOSAIClient(f"http://127.0.0.1:{unused_tcp_port}", sender="tst1nobody", retry=retry) as client:
        config = AutoMiningConfig(check_interval=60, error_pause=0.1, listen_events=False)
        mining = asyncio.create_task(client.miner.start_auto_mining(config))
        await asyncio.sleep(0.55)
        client.miner.stop_auto_mining()
        report = await asyncio.wait_for(mining, 1)
    assert 3 <= len(report.errors) <= 7  # one failed scan per error_pause, not a busy loop
    assert "cannot reach the node" in report.errors[0]


def test_the_sync_auto_miner_wakes_on_events_in_a_thread_and_stops_on_request(tmp_path: Path) -> None:
    with run_devnode(tmp_path) as node, Client(node.url) as publisher:
        accounts = publisher.dev.accounts()
        with Client(node.url, sender=accounts[9].address) as miner:
            config = AutoMiningConfig(target_difficulty="Beginner", check_interval=60)
            thread = threading.Thread(target=miner.miner.start_auto_mining, args=(config,))
            thread.start()
            wait_for(lambda: (miner.miner.auto_mining_report or _NO_SCANS).scans >= 1)
            time.sleep(0.3)  # let the event listener thread subscribe
            task = publisher.publisher.publish_task(task_type="GeneralTask", reward_amount=REWARD)
            wait_for(lambda: task.task_id in (miner.miner.auto_mining_report or _NO_SCANS).submitted)
            miner.miner.stop_auto_mining()
            thread.join(2)
            assert not thread.is_alive()
        assert publisher.get_task_details(task.task_id).participant_addresses() == {accounts[9].address}


def wait_for(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_offline_draft_is_labelled_and_the_estimate_prefers_easy_uncrowded_tasks() -> None:
    summary = {
        "task_id": "t" * 64,
        "title": "Explain a regex",
        "task_type": {"CodeAnalysis": {"language": "python"}},
        "difficulty_level": "Beginner",
        "reward_amount": "10000000000",
        "stake_required": "1000000000",
        "deadline": 10,
        "time_left": 10,
        "participants_count": 0,
        "max_participants": 10,
        "submissions_count": 0,
        "publisher": "tst1p",
        "status": "Published",
    }
    details = TaskDetails.parse(
        {
            **summary,
            "description": "What does ^a+$ match?",
            "verification_type": "Automatic",
            "quality_threshold": 70,
            "created_at": 1,
            "participants": [],
            "submissions": [],
        }
    )
    draft = draft_offline_solution(details)
    assert draft.content.startswith(OFFLINE_LABEL)
    assert "What does ^a+$ match?" in draft.content
    easy = TaskSummary.parse(summary)
    crowded = TaskSummary.parse({**summary, "participants_count": 8})
    expert = TaskSummary.parse({**summary, "difficulty_level": "Expert"})
    assert estimate_success_probability(easy) > estimate_success_probability(crowded)
    assert estimate_success_probability(easy) > estimate_success_probability(expert)
    assert 0 <= estimate_success_probability(expert, reputation=0) <= 1


class _NoScans:
    scans = 0
    submitted: dict[str, str] = {}


_NO_SCANS = _NoScans()


def _submitted(report: AutoMiningReport | None) -> list[str]:
    return list(report.submitted) if report else []
