"""The dashboard's copy of the node's event log: stored once per seq, credits split out for earnings."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.db.models import Max

from dashboard import node
from dashboard.fields import as_amount
from dashboard.models import Credit, NodeEvent, UnstoredEvent

logger = logging.getLogger(__name__)

#: The largest seq a stored event may have (the column is a signed 64-bit integer).
SEQ_MAX = 2**63 - 1


def last_stored_seq() -> int:
    """The highest seq recorded so far, stored or set aside as unstorable (0 when none)."""
    stored = NodeEvent.objects.aggregate(last=Max("seq"))["last"] or 0
    unstored = UnstoredEvent.objects.aggregate(last=Max("seq"))["last"] or 0
    return max(int(stored), int(unstored))


def _when(timestamp: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)


def _parsed(seq: int, event: Mapping[str, Any]) -> tuple[NodeEvent, Credit | None]:
    """The rows for one event; ValueError (or TypeError, OverflowError) when what the node sent cannot be one."""
    data = event.get("data") or {}
    if not isinstance(data, dict):
        raise ValueError(f"its data is not an object: {type(data).__name__}")
    row = NodeEvent(
        seq=seq,
        name=str(event["event"])[:40],
        topoheight=int(event.get("topoheight") or 0),
        timestamp=_when(event["timestamp"]),
        data=dict(data),
        task_id=str(data.get("task_id") or "")[:64],
    )
    if row.name != "reward_distributed":
        return row, None
    credit = Credit(
        event=row,
        recipient=str(data.get("recipient", ""))[:100],
        task_id=row.task_id,
        amount=as_amount(data.get("amount", 0)),
        reward_type=str(data.get("reward_type", ""))[:20],
        reason=str(data.get("reason") or "")[:40],
        paid_at=row.timestamp,
    )
    return row, credit


def _set_aside(seq: int, event: Mapping[str, Any], error: BaseException) -> None:
    """Record an event that cannot be stored, once, and say so in the log: it is skipped, never retried."""
    words = f"{type(error).__name__}: {error}"[:500].replace("\x00", "\\x00")
    try:
        raw = json.dumps(event, default=str)[:RAW_KEPT]  # JSON escapes NUL, which PostgreSQL's text refuses
    except (TypeError, ValueError):
        raw = repr(event)[:RAW_KEPT]
    try:
        with transaction.atomic():
            UnstoredEvent.objects.create(seq=seq, raw=raw, error=words)
    except IntegrityError:
        return  # another writer set it aside first
    logger.error("event #%s from the node cannot be stored and is skipped (%s): %s", seq, words, raw[:300])


#: How much of an unstorable event is kept for a person to read.
RAW_KEPT = 10_000
#: What the node may send that a row cannot hold (an amount of more than 39 digits, a year past 9999, text
#: where a number belongs). A DataError is the database refusing a value (a number out of its column's range).
UNSTORABLE = (ValueError, TypeError, OverflowError, OSError, KeyError, DataError)


@transaction.atomic
def record_events(events: Iterable[Mapping[str, Any]]) -> list[NodeEvent]:
    """Store the events not recorded yet (by seq) and their credits; return only the new ones, in order.

    Safe to call twice with the same events, from several processes: the unique seq decides. An event
    that cannot be stored is set aside (`UnstoredEvent`) and skipped, so that no caller loops on it.
    """
    incoming: dict[int, Mapping[str, Any]] = {}
    for event in events:
        try:
            seq = as_amount(event["seq"])
        except UNSTORABLE as exc:
            logger.error("an event from the node has no usable seq and is skipped (%s): %.300r", exc, event)
            continue
        incoming[seq] = event
    if not incoming:
        return []
    small = [seq for seq in incoming if seq <= SEQ_MAX]
    known = set(NodeEvent.objects.filter(seq__in=small).values_list("seq", flat=True))
    known |= set(UnstoredEvent.objects.filter(seq__in=list(incoming)).values_list("seq", flat=True))
    stored = []
    for seq, event in sorted(incoming.items()):
        if seq in known:
            continue
        try:
            if seq > SEQ_MAX or seq < 1:
                raise ValueError(f"seq {seq} is outside 1 to {SEQ_MAX}")
            row, credit = _parsed(seq, event)
            # A savepoint per event: when another writer stored this seq since the query above, only this
            # insert is undone, and the event is not reported as new twice.
            with transaction.atomic():
                row.save(force_insert=True)
                if credit is not None:
                    credit.save(force_insert=True)
        except IntegrityError as exc:
            if NodeEvent.objects.filter(seq=seq).exists():
                continue  # another writer stored it since the query above
            _set_aside(seq, event, exc)  # a value a check constraint refuses (a negative topoheight)
            continue
        except UNSTORABLE as exc:
            _set_aside(seq, event, exc)
            continue
        stored.append(row)
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
