"""Lookups on behalf of a user: anything that is not theirs is a 404, never a 403 that confirms it exists."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404

from dashboard.models import NodeAccount, NodeEvent, Task

#: A task's or a submission's id: 64 lowercase hex digits (the node's hashes).
HEX_ID = re.compile(r"[0-9a-f]{64}")


def ids_or_404(*ids: str, missing: str = "No such task.") -> None:
    """404 for a task or submission id that cannot be one, before anything is looked up."""
    if not all(HEX_ID.fullmatch(value) for value in ids):
        raise Http404(missing)


def node_account_of(user: AbstractBaseUser | AnonymousUser) -> NodeAccount | None:
    """The node account the user acts with, if they linked one."""
    if not user.is_authenticated:
        return None
    return NodeAccount.objects.filter(user_id=user.pk).first()


def get_task_for_publisher(user: AbstractBaseUser | AnonymousUser, task_id: str) -> tuple[NodeAccount, Task]:
    """The user's account and a task it published; 404 for anyone else's task or an unknown one."""
    account = node_account_of(user)
    task = Task.objects.filter(task_id=task_id, publisher=account.address).first() if account else None
    if account is None or task is None:
        raise Http404("No such task among yours.")
    return account, task


def get_participation_for_user(
    user: AbstractBaseUser | AnonymousUser, task_id: str
) -> tuple[NodeAccount, Task]:
    """The user's account and a task it joined; 404 for a task the account did not join, or an unknown one."""
    account = node_account_of(user)
    task = Task.objects.filter(task_id=task_id).first() if account else None
    if account is None or task is None:
        raise Http404("No such task among yours.")
    joined = NodeEvent.objects.filter(name="participant_joined", task_id=task_id, data__miner=account.address)
    listed = any(
        account.address in (entry.get("miner"), entry.get("address"))
        for entry in task.details.get("participants") or []
    )
    if not listed and not joined.exists():
        raise Http404("No such task among yours.")
    return account, task
