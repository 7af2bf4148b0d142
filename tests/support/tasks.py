"""Factories for the task tests: funded publishers on the devnode, publish-form data, cached tasks."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from dashboard import services
from dashboard.models import NodeAccount, Task
from tests.support.devnode import DevnodeProcess
from tos_ai import ATOMIC_PER_TOS, Wallet

TOS = ATOMIC_PER_TOS


def make_publisher(devnode: DevnodeProcess, username: str, *, funds: int = 10_000 * TOS) -> User:
    """A user linked to a fresh node account funded from the faucet (reputation 500, its own rate limits)."""
    user = User.objects.create_user(username, password="a-long-passphrase")
    wallet = Wallet.generate()
    if funds:
        devnode.rpc("dev_faucet", {"address": wallet.address, "amount": str(funds)})
    services.link_imported_account(user, wallet.private_key_hex)
    return user


def address_of(user: User) -> str:
    return NodeAccount.objects.get(user=user).address


def balance_of(devnode: DevnodeProcess, address: str) -> int:
    reply: Any = devnode.rpc("get_balance", {"address": address})
    return int(reply["balance"] if isinstance(reply, dict) else reply)


def node_tasks_of(devnode: DevnodeProcess, address: str) -> list[dict[str, Any]]:
    reply: Any = devnode.rpc("ai_list_active_tasks", {"filters": {"publisher": address}, "limit": 1000})
    return list(reply)


def dev_account(devnode: DevnodeProcess, index: int) -> str:
    accounts: Any = devnode.rpc("dev_accounts")
    return str(accounts[index]["address"])


def task_form(**changes: str) -> dict[str, str]:
    """A publish form a person could have filled in: a Beginner code analysis for 75.5 TOS."""
    data = {
        "token": str(uuid.uuid4()),
        "title": "Review a rust parser",
        "description": "Find the bugs in this small parser and explain each one.",
        "task_type": "CodeAnalysis",
        "language": "rust",
        "scope": "",
        "data_type": "",
        "domain": "",
        "complexity": "",
        "category": "",
        "difficulty": "Beginner",
        "reward": "75.5",
        "stake_required": "",
        "deadline_hours": "24",
        "deadline_at": "",
        "max_participants": "5",
        "verification": "PeerReview",
        "required_reviewers": "1",
        "consensus_threshold": "0.67",
        "expert_count": "2",
        "quality_threshold": "70",
    }
    data.update(changes)
    return data


def cached_task(publisher: str = "tst1someoneelse", **fields: Any) -> Task:
    """A task row in the dashboard's cache only (the node never saw it)."""
    now = timezone.now()
    values: dict[str, Any] = {
        "task_id": uuid.uuid4().hex + uuid.uuid4().hex,
        "title": "A stored task",
        "description": "Stored while the node was up.",
        "task_kind": "CodeAnalysis",
        "task_type": {"CodeAnalysis": {"language": "go"}},
        "difficulty": "Beginner",
        "reward_amount": 100 * TOS,
        "stake_required": 10 * TOS,
        "deadline": now + timedelta(days=1),
        "created_at": now - timedelta(hours=1),
        "status": Task.Status.PUBLISHED,
        "publisher": publisher,
    }
    values.update(fields)
    return Task.objects.create(**values)


def with_roles(user: User, *roles: str) -> User:
    """Give the user exactly these roles (pages of other roles answer 403)."""
    from dashboard.models import Profile

    Profile.objects.update_or_create(
        user=user,
        defaults={
            "is_publisher": "publisher" in roles,
            "is_miner": "miner" in roles,
            "is_validator": "validator" in roles,
        },
    )
    return user
