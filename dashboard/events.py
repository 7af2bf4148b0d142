"""The dashboard's copy of the node's event log: stored once per seq, credits split out for earnings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from dashboard import node
from dashboard.models import Credit, NodeEvent


def last_stored_seq() -> int:
    """The highest seq stored so far (0 when none)."""
    return int(NodeEvent.objects.aggregate(last=Max("seq"))["last"] or 0)


def _when(timestamp: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)


@transaction.atomic
def record_events(events: Iterable[Mapping[str, Any]]) -> list[NodeEvent]:
    """Store the events not stored yet (by seq) and their credits; return only the new ones, in order.

    Safe to call twice with the same events, from several processes: the unique seq decides.
    """
    incoming = {int(event["seq"]): event for event in events}
    if not incoming:
        return []
    known = set(NodeEvent.objects.filter(seq__in=incoming).values_list("seq", flat=True))
    fresh = [
        NodeEvent(
            seq=seq,
            name=str(event["event"]),
            topoheight=int(event.get("topoheight") or 0),
            timestamp=_when(event["timestamp"]),
            data=dict(event.get("data") or {}),
            task_id=str((event.get("data") or {}).get("task_id") or ""),
        )
        for seq, event in sorted(incoming.items())
        if seq not in known
    ]
    stored = []
    for event in fresh:
        try:
            # A savepoint per event: when another writer stored this seq since the query above, only this
            # insert is undone, and the event is not reported as new twice.
            with transaction.atomic():
                event.save(force_insert=True)
        except IntegrityError:
            continue
        stored.append(event)
    credits = [
        Credit(
            event=event,
            recipient=str(event.data.get("recipient", "")),
            task_id=event.task_id,
            amount=int(event.data.get("amount", 0)),
            reward_type=str(event.data.get("reward_type", "")),
            reason=str(event.data.get("reason") or ""),
            paid_at=event.timestamp,
        )
        for event in stored
        if event.name == "reward_distributed"
    ]
    Credit.objects.bulk_create(credits)
    return stored


@dataclass(frozen=True)
class CatchUp:
    """What a catch-up stored, and whether the node had already dropped events we never saw."""

    new_events: list[NodeEvent]
    gap: bool


def catch_up(page_size: int = 500) -> CatchUp:
    """Store every event after the last stored one, read through `ai_get_events` (the HTTP path).

    `gap` is true when the node no longer keeps some events after our last seq (resync_required):
    what they changed must then be refreshed from the node's current state by the caller.
    """
    new_events: list[NodeEvent] = []
    gap = False
    with node.client() as reader:
        since = last_stored_seq()
        while True:
            page = reader.get_events(since_seq=since, limit=page_size)
            if page.oldest_seq > since + 1:
                gap = True
            if not page.events:
                return CatchUp(new_events, gap)
            new_events += record_events([event.raw for event in page.events])
            since = max(since, max(int(event.seq) for event in page.events))
            if since >= page.head_seq:
                return CatchUp(new_events, gap)
