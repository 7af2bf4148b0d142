"""Factories for the mining and validation tests: miners and validators on the devnode, tasks, credits."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from dashboard import node, services
from dashboard.events import record_events
from dashboard.models import NodeAccount, Profile, Task
from tests.support.devnode import DevnodeProcess
from tests.support.tasks import TOS, make_publisher

SOLUTION = "The parser drops the last byte of every input; the fix is to read until EOF inclusive."


def make_member(
    devnode: DevnodeProcess, username: str, *, miner: bool = True, validator: bool = True
) -> User:
    """A user with a funded node account registered as a miner on the node, with the roles asked for."""
    user = make_publisher(devnode, username)
    Profile.objects.update_or_create(user=user, defaults={"is_miner": miner, "is_validator": validator})
    services.register_miner(NodeAccount.objects.get(user=user))
    return user


def publish_as(user: User, **task_data: Any) -> Task:
    """Publish a task signed by the user's key (a Beginner code analysis for 100 TOS unless told) and cache it."""
    data: dict[str, Any] = {
        "title": "Review a rust parser",
        "description": "Find the bugs in this small parser and explain each one.",
        "task_type": {"CodeAnalysis": {"language": "rust"}},
        "difficulty_level": "Beginner",
        "reward_amount": str(100 * TOS),
        "deadline_hours": 24,
        "max_participants": 5,
    }
    data.update(task_data)
    with node.client(NodeAccount.objects.get(user=user)) as signed:
        published = signed.publisher.publish_task(task_data=data)
    task = services.refresh_task(published.task_id).task
    assert task is not None
    return task


def join_and_submit(user: User, task: Task, *, stake: int | None = None, content: str = SOLUTION) -> str:
    """The user joins the task (the smallest stake unless told) and submits; returns the submission id."""
    with node.client(NodeAccount.objects.get(user=user)) as signed:
        signed.miner.participate_task(task.task_id, stake or services.stake_bounds(task)[0])
        receipt = signed.miner.submit_solution(task.task_id, {"content": content})
    return str(receipt.submission_id)


def validate_as(devnode: DevnodeProcess, validator: str, task: Task, submission_id: str, score: int) -> None:
    """An unsigned validation by a dev account."""
    devnode.rpc(
        "ai_validate_submission",
        {
            "task_id": task.task_id,
            "submission_id": submission_id,
            "validation_result": {"Approve": {"quality_score": score, "reasoning": "Checked by hand."}},
            "from": validator,
        },
    )


_seq = [10_000]


def credit(
    recipient: str, amount: int, reward_type: str = "winner", *, at: int, task_id: str = "a" * 64
) -> None:
    """Store one `reward_distributed` event (a credit) paid at Unix time `at`."""
    _seq[0] += 1
    record_events(
        [
            {
                "event": "reward_distributed",
                "seq": _seq[0],
                "topoheight": 1,
                "timestamp": at,
                "data": {
                    "task_id": task_id,
                    "recipient": recipient,
                    "amount": str(amount),
                    "reward_type": reward_type,
                },
            }
        ]
    )


def stored_event(name: str, at: int, **data: Any) -> None:
    """Store any node event at Unix time `at`."""
    _seq[0] += 1
    record_events([{"event": name, "seq": _seq[0], "topoheight": 1, "timestamp": at, "data": data}])
