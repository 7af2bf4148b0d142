"""The event log kept in memory (the newest `max_events`) and the fan-out to WebSocket subscribers.

Events are serialized once, when committed, and every subscriber gets the same text. Fan-out never
awaits: each subscriber has a bounded queue, and one that falls too far behind is marked overflowed and
closed by its own sender with a note to resubscribe from the last seq it received. A subscriber is
registered and handed its backlog in the same synchronous step, so nothing committed in between can be
missed or sent twice.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

EVENT_NAMES = (
    "task_published",
    "participant_joined",
    "submission_received",
    "validation_completed",
    "task_status_changed",
    "task_completed",
    "task_expired",
    "task_cancelled",
    "reward_distributed",
    "stake_slashed",
    "reputation_changed",
    "miner_registered",
)


@dataclass
class LoggedEvent:
    seq: int
    name: str
    text: str  # the envelope as JSON, serialized once

    def as_dict(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.text)
        return loaded


@dataclass(eq=False)  # identity semantics: subscribers live in a set
class Subscriber:
    names: frozenset[str] | None  # None: every event
    max_queue: int
    queue: deque[LoggedEvent] = field(default_factory=deque)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    overflowed: bool = False

    def wants(self, name: str) -> bool:
        return self.names is None or name in self.names

    def offer(self, event: LoggedEvent) -> None:
        if self.overflowed or not self.wants(event.name):
            return
        if len(self.queue) >= self.max_queue:
            self.overflowed = True
            self.queue.clear()
        else:
            self.queue.append(event)
        self.wakeup.set()


@dataclass
class Subscription:
    subscriber: Subscriber
    head_seq: int
    backlog: list[LoggedEvent]
    resync_oldest: int | None  # set when since_seq is older than what the node keeps


class EventLog:
    def __init__(self, max_events: int, head_seq: int, stored: Iterable[str] = ()) -> None:
        self.max_events = max_events
        self.head_seq = head_seq
        self._events: list[LoggedEvent] = []
        for text in stored:
            data = json.loads(text)
            self._events.append(LoggedEvent(int(data["seq"]), str(data["event"]), text))
        self.subscribers: set[Subscriber] = set()

    @property
    def oldest_seq(self) -> int:
        """The first seq still kept (head_seq + 1 when nothing is kept)."""
        return self.visible_oldest()

    def prune_point(self) -> int:
        """Events at or below this seq are past retention (for the store to delete)."""
        return max(0, self.head_seq - self.max_events)

    @staticmethod
    def serialize(events: Iterable[dict[str, Any]]) -> list[LoggedEvent]:
        return [
            LoggedEvent(int(event["seq"]), str(event["event"]), json.dumps(event, separators=(",", ":")))
            for event in events
        ]

    def publish(self, new: list[LoggedEvent]) -> None:
        """Keep and fan out events that are committed to the store."""
        if not new:
            return
        self._events.extend(new)
        self.head_seq = new[-1].seq
        overflow = len(self._events) - self.max_events
        if overflow > max(1000, self.max_events // 4):  # trim in chunks so appends stay cheap
            del self._events[: len(self._events) - self.max_events]
        for subscriber in self.subscribers:
            for logged in new:
                subscriber.offer(logged)

    def _kept(self) -> list[LoggedEvent]:
        # Between chunked trims a few more than max_events are held; the visible log is the newest max_events.
        extra = len(self._events) - self.max_events
        return self._events[extra:] if extra > 0 else self._events

    def visible_oldest(self) -> int:
        kept = self._kept()
        return kept[0].seq if kept else self.head_seq + 1

    def since(self, since_seq: int, limit: int | None = None) -> list[LoggedEvent]:
        kept = self._kept()
        if not kept:
            return []
        start = max(0, since_seq + 1 - kept[0].seq)
        end = len(kept) if limit is None else start + limit
        return kept[start:end]

    def subscribe(self, since_seq: int | None, names: frozenset[str] | None, max_queue: int) -> Subscription:
        """Register a subscriber and take its backlog in one step (no await in between)."""
        subscriber = Subscriber(names, max_queue)
        self.subscribers.add(subscriber)
        head = self.head_seq
        if since_seq is None or since_seq >= head:
            return Subscription(subscriber, head, [], None)
        oldest = self.visible_oldest()
        if since_seq < oldest - 1:
            return Subscription(subscriber, head, [], oldest)
        backlog = [event for event in self.since(since_seq) if subscriber.wants(event.name)]
        return Subscription(subscriber, head, backlog, None)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
