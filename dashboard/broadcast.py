"""The one module that sends to the channel layer: who each node event concerns, sent after the commit.

An event goes to narrow groups: `feed` (every logged-in page) when it is public, `user.<id>` for each
user whose node account it concerns, and `task.<task_id>` for a public event of that task. Rewards,
slashes and reputation changes are private: they reach only the users they concern. The same rules pick
what a page may replay after a reconnect (`visible_to`), so replay and live never disagree.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string

from dashboard.models import NodeAccount, NodeEvent, Task
from tos_ai.rules import EVENT_NAMES

logger = logging.getLogger(__name__)

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

GroupKind = Literal["feed.event", "user.event", "task.event"]


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def task_group(task_id: str) -> str:
    return f"task.{task_id}"


class EventMessage(TypedDict):
    """What a consumer gets for one stored event; `type` names its handler (`feed.event` → `feed_event`)."""

    type: GroupKind
    seq: int
    name: str
    task_id: str
    #: Every user the event concerns, so a page knows whether the user's own balance may have moved.
    user_ids: list[int]
    #: The live feed's row for the event, rendered once here rather than once per open page.
    row: str
    #: The seq of the event sent to the same group before this one (None when the relay does not know):
    #: a page whose cursor is below it missed that event and replays it from the database.
    prev: NotRequired[int | None]


class HeartbeatMessage(TypedDict):
    """Every few seconds from the active relay to every open page: it is alive, and how far it got.

    `head` is the node's newest seq (-1 when the node did not answer), `sent` the seq the relay has sent
    every stored event up to; a page whose relay stays below an earlier head is told it is delayed. `prev`
    is the feed's last sent seq, so a page that missed a feed event replays it now, not at the next event.
    """

    type: Literal["feed.heartbeat"]
    head: int
    sent: int
    prev: int | None


class ResyncMessage(TypedDict):
    """The relay had to reload state from the node: pages should refresh what they show."""

    type: Literal["feed.resync"]
    seq: int


@dataclass
class TaskPeople:
    """Who takes part in a task, from the stored events and the Task cache."""

    publishers: set[str] = field(default_factory=set)
    participants: set[str] = field(default_factory=set)
    submitters: dict[str, str] = field(default_factory=dict)


def task_people(task_id: str) -> TaskPeople:
    """The task's publisher, participants and submitters, as far as the dashboard knows them."""
    people = TaskPeople()
    stored = NodeEvent.objects.filter(
        task_id=task_id, name__in=("task_published", "participant_joined", "submission_received")
    ).values_list("name", "data")
    for name, data in stored:
        if name == "task_published":
            people.publishers.add(str(data.get("publisher") or ""))
        elif name == "participant_joined":
            people.participants.add(str(data.get("miner") or ""))
        else:
            people.submitters[str(data.get("submission_id"))] = str(data.get("submitter") or "")
    task = Task.objects.filter(task_id=task_id).only("publisher", "details").first()
    if task is not None:
        people.publishers.add(task.publisher)
        for participant in task.details.get("participants") or []:
            people.participants.add(str(participant.get("miner") or participant.get("address") or ""))
        for submission in task.details.get("submissions") or []:
            people.submitters[str(submission.get("submission_id"))] = str(submission.get("submitter") or "")
    return people


def addresses_concerned(event: NodeEvent, people_of: Callable[[str], TaskPeople] = task_people) -> set[str]:
    """The node accounts an event concerns: named in it, or the task's publisher and participants."""
    data = event.data
    if event.name in PRIVATE_EVENTS:
        found = {data.get(key) for key in PRIVATE_EVENTS[event.name]}
    elif event.name in PUBLIC_EVENTS:
        found = {data.get(key) for key in _ADDRESS_FIELDS}
        found |= {reward.get("recipient") for reward in data.get("rewards") or [] if isinstance(reward, dict)}
        if event.task_id:
            people = people_of(event.task_id)
            found |= people.publishers
            if event.name in _WHOLE_TASK_EVENTS:
                found |= people.participants
            if event.name == "validation_completed":
                found.add(people.submitters.get(str(data.get("submission_id"))))
    else:
        return set()
    return {address for address in found if isinstance(address, str) and address}


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


def task_titles(task_ids: Iterable[str]) -> dict[str, str]:
    """Task titles for rows: from the Task cache, else from the stored `task_published` event."""
    wanted = {task_id for task_id in task_ids if task_id}
    titles = dict(Task.objects.filter(task_id__in=wanted).values_list("task_id", "title"))
    missing = wanted - titles.keys()
    if missing:
        published = NodeEvent.objects.filter(task_id__in=missing, name="task_published")
        titles.update(
            (task_id, str(data.get("title") or ""))
            for task_id, data in published.values_list("task_id", "data")
        )
    return titles


@dataclass(frozen=True)
class FeedRow:
    """One event as the live feed lists it."""

    event: NodeEvent
    title: str


def feed_rows(events: Sequence[NodeEvent]) -> list[FeedRow]:
    titles = task_titles(event.task_id for event in events)
    return [FeedRow(event, titles.get(event.task_id, "")) for event in events]


def render_row(row: FeedRow) -> str:
    return render_to_string("live/event_row.html", {"row": row})


@dataclass(frozen=True)
class Delivery:
    """One event's message and the groups it goes to."""

    groups: list[str]
    message: EventMessage


def delivery_for(event: NodeEvent, row: FeedRow, people_of: Callable[[str], TaskPeople]) -> Delivery:
    addresses = addresses_concerned(event, people_of)
    user_ids = sorted(NodeAccount.objects.filter(address__in=addresses).values_list("user_id", flat=True))
    groups = [user_group(user_id) for user_id in user_ids]
    if event.name in PUBLIC_EVENTS:
        groups.append(FEED_GROUP)
        if event.task_id:
            groups.append(task_group(event.task_id))
    message = EventMessage(
        type="feed.event",
        seq=event.seq,
        name=event.name,
        task_id=event.task_id,
        user_ids=user_ids,
        row=render_row(row),
    )
    return Delivery(groups, message)


def announce_on_commit(events: Sequence[NodeEvent]) -> None:
    """Send each newly stored event to its groups once the transaction that stored it has committed.

    Who it concerns is worked out now, inside the transaction; a rollback sends nothing.
    """
    if not events:
        return
    people_of = cache(task_people)  # one lookup per task for the whole batch
    deliveries = [delivery_for(row.event, row, people_of) for row in feed_rows(events)]

    def send_deliveries() -> None:  # a function, not a partial: Django names it when it logs a failed send
        send(deliveries)

    # robust: the events are stored whatever happens to the send; pages that miss it replay it later.
    transaction.on_commit(send_deliveries, robust=True)


def _kind(group: str) -> GroupKind:
    if group == FEED_GROUP:
        return "feed.event"
    return "user.event" if group.startswith("user.") else "task.event"


class SentSeqs:
    """The last seq the relay sent to each group, so each message can name the one before it.

    Kept in the relay's memory (there is one active relay), for the most recent groups only; after a
    relay start the feed's is read from the database and the others are unknown until their next event.
    A send that fails still counts: the next message then names the lost one and pages replay it.
    """

    LIMIT = 10_000

    def __init__(self) -> None:
        self.last: OrderedDict[str, int] = OrderedDict()

    def chain(self, group: str, seq: int) -> int | None:
        prev = self.last.get(group)
        if prev is None and group == FEED_GROUP:
            prev = NodeEvent.objects.filter(name__in=PUBLIC_EVENTS, seq__lt=seq).aggregate(m=Max("seq"))["m"]
        self.last[group] = seq
        self.last.move_to_end(group)
        if len(self.last) > self.LIMIT:
            self.last.popitem(last=False)
        return prev if prev is not None and prev < seq else None

    def clear(self) -> None:
        self.last.clear()


sent_seqs = SentSeqs()


def send(deliveries: Sequence[Delivery]) -> None:
    """Send the deliveries in seq order (a page relies on that order to drop what it already has)."""
    messages = [
        (
            group,
            {
                **delivery.message,
                "type": _kind(group),
                "prev": sent_seqs.chain(group, delivery.message["seq"]),
            },
        )
        for delivery in deliveries
        for group in delivery.groups
    ]
    async_to_sync(_send_all)(messages)


async def _send_all(messages: Sequence[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group, message in messages:
        await layer.group_send(group, message)


async def send_heartbeat(head: int, sent: int) -> None:
    """From the relay's event loop: the heartbeat every open page gets through its process's feed hub."""
    layer = get_channel_layer()
    if layer is not None:
        prev = sent_seqs.last.get(FEED_GROUP)
        message = HeartbeatMessage(type="feed.heartbeat", head=head, sent=sent, prev=prev)
        await layer.group_send(FEED_GROUP, dict(message))


class UnreadMessage(TypedDict):
    """A person's count of unread notifications changed: the header's element, rendered here, for their pages."""

    type: Literal["user.unread"]
    html: str


def announce_unread(counts: Mapping[int, int]) -> None:
    """Send each person's open pages their new unread count (after the commit that changed it)."""
    if not counts:
        return
    messages = [
        (
            user_group(user_id),
            dict(
                UnreadMessage(
                    type="user.unread",
                    html=render_to_string("includes/unread_count.html", {"unread": unread, "oob": True}),
                )
            ),
        )
        for user_id, unread in counts.items()
    ]
    async_to_sync(_send_all)(messages)


def announce_resync(seq: int) -> None:
    """Tell every open page that events were lost and state was reloaded: refresh what you show."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(FEED_GROUP, dict(ResyncMessage(type="feed.resync", seq=seq)))


#: A page that missed more than this many events reloads instead of replaying them one by one.
REPLAY_LIMIT = 500


@dataclass(frozen=True)
class Replay:
    """What a reconnecting page missed, in seq order; `truncated` when it missed too much to replay."""

    messages: list[EventMessage]
    truncated: bool
    head_seq: int


def replay_for(user_id: int, since_seq: int, limit: int = REPLAY_LIMIT) -> Replay:
    """The stored events after `since_seq` that this user's groups would have received, oldest first."""
    address = NodeAccount.objects.filter(user_id=user_id).values_list("address", flat=True).first()
    missed = NodeEvent.objects.filter(visible_to(address), seq__gt=since_seq).order_by("seq")
    events = list(missed[: limit + 1])
    if len(events) > limit:
        head = NodeEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or since_seq
        return Replay([], truncated=True, head_seq=head)
    people_of = cache(task_people)
    messages = [
        EventMessage(
            type="feed.event",
            seq=row.event.seq,
            name=row.event.name,
            task_id=row.event.task_id,
            user_ids=[user_id] if address and address in addresses_concerned(row.event, people_of) else [],
            row=render_row(row),
        )
        for row in feed_rows(events)
    ]
    return Replay(messages, truncated=False, head_seq=events[-1].seq if events else since_seq)
