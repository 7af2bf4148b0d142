"""Rows for tests that need no node: users with roles and accounts, cached tasks, stored events and credits,
auto-mining configs, runs and participations, and the node's task summaries as the client parses them.

Each factory fills in what a real row would have and takes keyword overrides for what the test is about, so
a service rule (what auto-mining chooses, what a cap allows, what the earnings add up to) is tested on the
database alone. Events go through `record_events`, the path the relay stores them by.
"""

from __future__ import annotations

import itertools
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from dashboard import services
from dashboard.events import record_events
from dashboard.models import (
    AutoMiningConfig,
    AutoMiningRun,
    AutoParticipation,
    NodeAccount,
    NodeEvent,
    Profile,
    Task,
)
from tos_ai import ATOMIC_PER_TOS, TaskSummary, Wallet

TOS = ATOMIC_PER_TOS
_numbers = itertools.count(1)
# Far above what any test's devnode reaches, so stored events never collide with a real node's seqs.
_seqs = itertools.count(1_000_000)


def task_id() -> str:
    """A fresh 64-hex task id."""
    return uuid.uuid4().hex + uuid.uuid4().hex


def make_user(username: str = "", *roles: str, password: str = "a-long-passphrase") -> User:
    """A user with exactly these roles (none given: publisher, as sign-up's default)."""
    user = User.objects.create_user(username or f"user{next(_numbers)}", password=password)
    chosen = roles or ("publisher",)
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "is_publisher": "publisher" in chosen,
            "is_miner": "miner" in chosen,
            "is_validator": "validator" in chosen,
        },
    )
    return user


def make_account(user: User | None = None, *, registered_miner: bool = True) -> NodeAccount:
    """A node account linked to the user (a fresh key, stored encrypted), never seen by a node."""
    user = user or make_user("", "miner")
    account = services.link_imported_account(user, Wallet.generate().private_key_hex)
    if registered_miner:
        NodeAccount.objects.filter(pk=account.pk).update(registered_miner=True)
        account.registered_miner = True
    return account


def make_miner(username: str = "", **config: Any) -> tuple[User, NodeAccount, AutoMiningConfig]:
    """A miner with a node account and an auto-mining config (on, unless `enabled=False`)."""
    user = make_user(username, "miner")
    account = make_account(user)
    return user, account, make_config(user, **config)


def make_config(user: User, **fields: Any) -> AutoMiningConfig:
    values: dict[str, Any] = {"enabled": True, "stake_fraction": Decimal("0.1"), "max_concurrent_tasks": 3}
    values.update(fields)
    return AutoMiningConfig.objects.create(user=user, **values)


def make_task(**fields: Any) -> Task:
    """A task in the dashboard's cache: a Beginner code analysis for 100 TOS, published an hour ago."""
    now = timezone.now()
    values: dict[str, Any] = {
        "task_id": task_id(),
        "title": "Review a rust parser",
        "description": "Find the bugs in this small parser.",
        "task_kind": "CodeAnalysis",
        "task_type": {"CodeAnalysis": {"language": "rust"}},
        "difficulty": Task.Difficulty.BEGINNER,
        "reward_amount": 100 * TOS,
        "stake_required": 10 * TOS,
        "deadline": now + timedelta(days=1),
        "created_at": now - timedelta(hours=1),
        "status": Task.Status.PUBLISHED,
        "publisher": "tst1publisher",
    }
    values.update(fields)
    return Task.objects.create(**values)


def summary(**fields: Any) -> TaskSummary:
    """One entry of `ai_list_active_tasks`, as the client parses it (what auto-mining chooses from)."""
    raw: dict[str, Any] = {
        "task_id": task_id(),
        "title": "Review a rust parser",
        "task_type": {"CodeAnalysis": {"language": "rust"}},
        "difficulty_level": "Beginner",
        "reward_amount": str(100 * TOS),
        "stake_required": str(10 * TOS),
        "deadline": int(time.time()) + 86_400,
        "time_left": 86_400,
        "participants_count": 0,
        "max_participants": 10,
        "submissions_count": 0,
        "publisher": "tst1publisher",
        "status": "Published",
    }
    raw.update(fields)
    return TaskSummary.parse(raw)


def make_event(name: str, *, at: int | None = None, **data: Any) -> NodeEvent:
    """One node event stored as the relay stores it (`at`: Unix time, default now)."""
    seq = next(_seqs)
    stamp = int(time.time()) if at is None else at
    (stored,) = record_events(
        [{"event": name, "seq": seq, "topoheight": 1, "timestamp": stamp, "data": data}]
    )
    return stored


def make_credit(
    recipient: str, amount: int, reward_type: str = "winner", *, at: int | None = None, **fields: Any
) -> NodeEvent:
    """A `reward_distributed` event, which stores its credit beside it."""
    data: dict[str, Any] = {"task_id": "a" * 64, "recipient": recipient, "amount": str(amount)}
    data.update(reward_type=reward_type, **fields)
    return make_event("reward_distributed", at=at, **data)


def make_run(user: User, **fields: Any) -> AutoMiningRun:
    values: dict[str, Any] = {"trigger": AutoMiningRun.Trigger.SCHEDULE}
    values.update(fields)
    return AutoMiningRun.objects.create(user=user, **values)


def make_participation(user: User, **fields: Any) -> AutoParticipation:
    """Auto-mining's claim on a task (10 TOS staked, submitted unless told)."""
    values: dict[str, Any] = {
        "task_id": task_id(),
        "title": "Review a rust parser",
        "stake": 10 * TOS,
        "state": AutoParticipation.State.SUBMITTED,
    }
    values.update(fields)
    return AutoParticipation.objects.create(user=user, **values)
