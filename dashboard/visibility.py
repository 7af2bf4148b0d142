"""Who may see which node event: pure rules, shared by the live path and the replay so they never disagree.

An event goes to narrow groups: `feed` (every logged-in page) when it is public, `user.<id>` for each
user whose node account it concerns, and `task.<task_id>` for a public event of that task. Rewards,
slashes and reputation changes are private: they reach only the users they concern. Nothing here reads
the database: who takes part in a task comes in as `people_of`, and `visible_to` is a query, not a read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import Q

from tos_ai.rules import EVENT_NAMES

FEED_GROUP = "feed"

#: Events only the accounts in these fields see (a credit, a slash, a reputation change).
PRIVATE_EVENTS: dict[str, tuple[str, ...]] = {
    "reward_distributed": ("recipient", "payer", "miner"),
    "stake_slashed": ("miner",),
    "reputation_changed": ("address",),
}
#: Events every logged-in user sees: the node's others.
PUBLIC_EVENTS = frozenset(EVENT_NAMES).difference(PRIVATE_EVENTS)
#: Fields of a public event that name an account it concerns.
_ADDRESS_FIELDS = ("publisher", "miner", "submitter", "validator", "winner", "miner_address")
#: Events after which everyone in a task (its publisher and participants) should look again.
_WHOLE_TASK_EVENTS = frozenset({"task_status_changed", "task_completed", "task_expired", "task_cancelled"})
#: Events that change what the task browser lists.
TASK_LIST_EVENTS = frozenset(
    {
        "task_published",
        "participant_joined",
        "submission_received",
        "task_status_changed",
        "task_completed",
        "task_expired",
        "task_cancelled",
    }
)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def task_group(task_id: str) -> str:
    return f"task.{task_id}"


@dataclass
class TaskPeople:
    """Who takes part in a task, as far as the dashboard knows them."""

    publishers: set[str] = field(default_factory=set)
    participants: set[str] = field(default_factory=set)
    submitters: dict[str, str] = field(default_factory=dict)


class Event(Protocol):
    """What the rules read of an event (a stored `NodeEvent` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def task_id(self) -> str: ...
    @property
    def data(self) -> Any: ...


def addresses_concerned(event: Event, people_of: Callable[[str], TaskPeople]) -> set[str]:
    """The node accounts an event concerns: named in it, or the task's publisher and participants."""
    name, data, task_id = event.name, event.data, event.task_id
    if name in PRIVATE_EVENTS:
        found = {data.get(key) for key in PRIVATE_EVENTS[name]}
    elif name in PUBLIC_EVENTS:
        found = {data.get(key) for key in _ADDRESS_FIELDS}
        found |= {reward.get("recipient") for reward in data.get("rewards") or [] if isinstance(reward, dict)}
        if task_id:
            people = people_of(task_id)
            found |= people.publishers
            if name in _WHOLE_TASK_EVENTS:
                found |= people.participants
            if name == "validation_completed":
                found.add(people.submitters.get(str(data.get("submission_id"))))
    else:
        return set()
    return {address for address in found if isinstance(address, str) and address}


def groups_for(event: Event, user_ids: Iterable[int]) -> list[str]:
    """The groups an event goes to, given the users it concerns: theirs, then the feed and the task's."""
    groups = [user_group(user_id) for user_id in user_ids]
    if event.name in PUBLIC_EVENTS:
        groups.append(FEED_GROUP)
        if event.task_id:
            groups.append(task_group(event.task_id))
    return groups


def visible_to(address: str | None) -> Q:
    """The events a user with this node account may see: public ones and private ones naming the account."""
    visible = Q(name__in=PUBLIC_EVENTS)
    if address:
        for name, keys in PRIVATE_EVENTS.items():
            named = Q()
            for key in keys:
                named |= Q(**{f"data__{key}": address})
            visible |= Q(name=name) & named
    return visible
