"""What the live path sends for stored events: the messages' shapes, each event rendered once, the replay.

The rules of who may see what are `dashboard.visibility`'s; this module reads what they need from the
database (who takes part in a task, which users own the accounts concerned, task titles) and renders the
feed's row once per event rather than once per open page. Sending is `dashboard.broadcast`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, NotRequired, TypedDict

from django.db.models import Max
from django.template.loader import render_to_string

from dashboard import visibility
from dashboard.models import NodeAccount, NodeEvent, Task
from dashboard.visibility import TaskPeople

GroupKind = Literal["feed.event", "user.event", "task.event"]


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
    #: In a feed message: the private events (user id, seq) sent to user groups since the feed's previous
    #: message, which a page may have missed or not received yet (its own channel is a different path).
    private: NotRequired[list[tuple[int, int]]]


class HeartbeatMessage(TypedDict):
    """Every few seconds from the active relay to every open page: it is alive, and how far it got.

    `head` is the node's newest seq (-1 when the node did not answer), `sent` the seq the relay has sent
    every stored event up to; a page whose relay stays below an earlier head is told it is delayed. `prev`
    is the feed's last sent seq, so a page that missed a feed event replays it now, not at the next event;
    `private` the private events since (as in an event's message), so a lost reward is replayed too.
    """

    type: Literal["feed.heartbeat"]
    head: int
    sent: int
    prev: int | None
    private: NotRequired[list[tuple[int, int]]]


class ResyncMessage(TypedDict):
    """The relay had to reload state from the node: pages should refresh what they show."""

    type: Literal["feed.resync"]
    seq: int


class UnreadMessage(TypedDict):
    """A person's count of unread notifications changed: the header's element, rendered here, for their pages."""

    type: Literal["user.unread"]
    html: str


def task_people(task_id: str) -> TaskPeople:
    """The task's publisher, participants and submitters, from the stored events and the Task cache."""
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


def render_unread(unread: int) -> UnreadMessage:
    html = render_to_string("includes/unread_count.html", {"unread": unread, "oob": True})
    return UnreadMessage(type="user.unread", html=html)


@dataclass(frozen=True)
class Delivery:
    """One event's message and the groups it goes to."""

    groups: list[str]
    message: EventMessage


def delivery_for(event: NodeEvent, row: FeedRow, people_of: Callable[[str], TaskPeople]) -> Delivery:
    addresses = visibility.addresses_concerned(event, people_of)
    user_ids = sorted(NodeAccount.objects.filter(address__in=addresses).values_list("user_id", flat=True))
    message = EventMessage(
        type="feed.event",
        seq=event.seq,
        name=event.name,
        task_id=event.task_id,
        user_ids=user_ids,
        row=render_row(row),
    )
    return Delivery(visibility.groups_for(event, user_ids), message)


def deliveries_for(events: Sequence[NodeEvent]) -> list[Delivery]:
    """Each event's message and groups, in seq order (one task lookup per task for the whole batch)."""
    people_of = cache(task_people)
    return [delivery_for(row.event, row, people_of) for row in feed_rows(events)]


def last_public_seq_before(seq: int) -> int | None:
    """The feed's previous event when the relay has not sent one since it started: the stored log's."""
    found: int | None = NodeEvent.objects.filter(name__in=visibility.PUBLIC_EVENTS, seq__lt=seq).aggregate(
        m=Max("seq")
    )["m"]
    return found


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
    missed = NodeEvent.objects.filter(visibility.visible_to(address), seq__gt=since_seq).order_by("seq")
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
            user_ids=(
                [user_id]
                if address and address in visibility.addresses_concerned(row.event, people_of)
                else []
            ),
            row=render_row(row),
        )
        for row in feed_rows(events)
    ]
    return Replay(messages, truncated=False, head_seq=events[-1].seq if events else since_seq)
