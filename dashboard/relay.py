"""The relay: the node's event stream into the database, and each new event out to open pages.

Several relays may run (one per machine); a Redis lock keeps exactly one active. The active one renews
the lock every few seconds and stops relaying the moment a renewal fails; a waiting one takes over once
the lock's TTL runs out (a killed relay) or at once (a relay that stopped cleanly and released it).
Storing is idempotent (the unique seq), so the lock is about one stream and one broadcast per event,
not about correctness of the stored log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from django.db import DatabaseError, transaction
from redis.exceptions import LockError, RedisError

from dashboard import broadcast, livemessages, node, services
from dashboard.events import catch_up, last_stored_seq, record_events
from dashboard.fields import as_amount
from dashboard.models import NodeEvent, RelayCursor, Task
from tos_ai import (
    Event,
    NodeConnectionError,
    NodeError,
    NodeResponseError,
    ResyncRequired,
    RetryPolicy,
    Timeouts,
    TOSAIClient,
    UnknownObject,
)

logger = logging.getLogger(__name__)

LOCK_KEY = "tosweb:relay:active"


@dataclass(frozen=True)
class RelayConfig:
    node_url: str
    redis_url: str
    lock_key: str = LOCK_KEY
    #: A killed relay is replaced after at most this many seconds (plus one poll).
    lock_ttl: float = 6.0
    renew_every: float = 2.0
    #: How often a waiting relay tries to take the lock.
    poll_every: float = 1.0
    #: At most this many events are stored in one transaction.
    batch_size: int = 200
    max_backoff: float = 10.0
    #: How often open pages hear from the relay (the node's head and what was sent): silence means trouble.
    heartbeat_every: float = 2.0


class Backoff:
    """Exponential backoff with jitter, reset after a success."""

    def __init__(self, base: float = 0.5, cap: float = 10.0) -> None:
        self.base, self.cap, self.failures = base, cap, 0

    def next(self) -> float:
        self.failures += 1
        limit = min(self.cap, self.base * 2 ** (self.failures - 1))
        return limit / 2 + random.uniform(0, limit / 2)

    def reset(self) -> None:
        self.failures = 0


class LeaseLost(Exception):
    """This relay can no longer be sure it holds the lock: it must not store or send anything more."""


@dataclass(frozen=True)
class Stored:
    """A batch the relay stored: how many events were new, and what the pages must be sent for it."""

    new: int
    messages: broadcast.Outgoing


def store(raw_events: Sequence[Mapping[str, Any]]) -> Stored:
    """Store the events not stored yet; once that commits, name the messages the pages must be sent.

    Every stored event the pages were not sent yet is among them, also one a page view stored first (it
    caught up while the relay was behind): the relay is the only sender, so pages get every event once
    and in seq order. The caller sends the messages (`broadcast.send`) after this returns; called
    outside any transaction (the relay's database thread), it returns after the batch committed.
    """
    seqs = [seq for seq in (_seq_of(event) for event in raw_events) if seq is not None]
    with broadcast.relay_batch() as from_hooks:
        with transaction.atomic():
            stored = record_events(raw_events)
            unsent = announce_up_to(max(seqs), first=min(seqs)) if seqs else Unsent([], None)
        messages = unsent.messages()
    return Stored(len(stored), [*messages, *from_hooks])


def store_and_announce(raw_events: Sequence[Mapping[str, Any]]) -> int:
    """`store`, then send once the caller's transaction (if any) commits, from synchronous code (tests,
    tools; the relay awaits its sends instead). Returns how many events were new."""
    stored = store(raw_events)

    def send_deliveries() -> None:  # a function, not a partial: Django names it when it logs a failed send
        broadcast.send_from_thread(stored.messages)

    # robust: the events are stored whatever happens to the send; pages that miss it replay it later.
    transaction.on_commit(send_deliveries, robust=True)
    return stored.new


def _seq_of(event: Mapping[str, Any]) -> int | None:
    try:
        return as_amount(event.get("seq"))
    except ValueError:
        return None


#: More unsent events than this (a relay that was down a long time while pages stored events) are not sent
#: one by one: open pages are told to refresh instead, and replay from the database what they need.
ANNOUNCE_LIMIT = 1000


@dataclass(frozen=True)
class Unsent:
    """The stored events the pages were not sent yet, in seq order; or, past `ANNOUNCE_LIMIT`, only the
    seq up to which pages are told to refresh (`refresh_up_to`) instead."""

    events: list[NodeEvent]
    refresh_up_to: int | None

    def messages(self) -> broadcast.Outgoing:
        """After the commit that moved the cursor past them: their messages, in the order to send."""
        if self.refresh_up_to is not None:
            broadcast.sent_seqs.clear()  # the next message names the newest skipped event: pages replay
            return broadcast.resync(self.refresh_up_to)
        return broadcast.addressed(livemessages.deliveries_for(self.events))


def announce_up_to(top: int, *, first: int | None = None) -> Unsent:
    """Inside a transaction: take every stored event after the relay's cursor up to `top` as sent, run the
    relay's hooks on them (rollups, notifications, auto-mining's wake-up after the commit), and move the
    cursor to `top`. The caller sends them once the transaction commits.

    With no cursor yet (a first start), the events before `first` count as sent.
    """
    cursor = RelayCursor.objects.select_for_update().filter(pk=1).first()
    if cursor is None:
        cursor = RelayCursor.objects.create(pk=1, seq=max(0, (top if first is None else first) - 1))
    if top <= cursor.seq:
        return Unsent([], None)
    unsent = NodeEvent.objects.filter(seq__gt=cursor.seq, seq__lte=top).order_by("seq")
    events = list(unsent[: ANNOUNCE_LIMIT + 1])
    refresh_up_to = None
    if len(events) > ANNOUNCE_LIMIT:
        logger.warning(
            "%s events after #%s were never sent to the pages; telling them to refresh instead",
            unsent.count(),
            cursor.seq,
        )
        events, refresh_up_to = [], top
    services.on_new_events(events)
    cursor.seq = top
    cursor.save(update_fields=["seq"])
    return Unsent(events, refresh_up_to)


def resume_point() -> int:
    """Where the relay's stream starts: after the last event sent to the pages (the last stored at first)."""
    cursor = RelayCursor.objects.filter(pk=1).values_list("seq", flat=True).first()
    return int(cursor) if cursor is not None else last_stored_seq()


@dataclass(frozen=True)
class Resynced:
    """A resync: how many tasks were reloaded, and what the pages must be sent for it (the refresh last)."""

    refreshed: int
    messages: broadcast.Outgoing


def resync() -> Resynced:
    """After events were lost: store what the node still keeps, then reload the tasks they touched.

    What the lost events said is recovered from the node's current state: the active tasks, every cached
    task still active, and every task a kept event names. The caller sends the messages.
    """
    result = catch_up()
    with broadcast.relay_batch() as from_hooks:
        with transaction.atomic():
            unsent = announce_up_to(last_stored_seq())
        messages = [*unsent.messages(), *from_hooks]
    touched = {event.task_id for event in [*result.new_events, *unsent.events] if event.task_id}
    refreshed = refresh_tasks(touched)
    return Resynced(refreshed, [*messages, *broadcast.resync(last_stored_seq())])


def refresh_tasks(task_ids: Iterable[str]) -> int:
    """Re-read from the node the active tasks, the cached active ones and `task_ids`; update the cache."""
    with node.client() as reader:
        summaries = reader.list_active_tasks(limit=services.NODE_LIST_LIMIT)
        services.sync_tasks(summaries)
        wanted = set(task_ids) | set(
            Task.objects.filter(status__in=services.ACTIVE_STATUSES).values_list("task_id", flat=True)
        )
        refreshed = 0
        for task_id in sorted(wanted):
            try:
                services.sync_task(reader.get_task_details(task_id))
            except UnknownObject:
                continue
            except NodeResponseError as exc:  # one task the cache cannot hold must not stop the catch-up
                logger.warning("task %s not reloaded: %s", task_id, exc)
                continue
            refreshed += 1
    return refreshed


class Relay:
    """One relay process: wait for the lock, relay while holding it, back off and retry on failures."""

    def __init__(self, config: RelayConfig) -> None:
        self.config = config
        self._lease_until = 0.0

    async def run(self) -> None:
        """Run until cancelled. Outages of Redis, the node or the database are waited out, never fatal."""
        redis = aioredis.Redis.from_url(
            self.config.redis_url, socket_connect_timeout=2, socket_timeout=max(1.0, self.config.renew_every)
        )
        backoff = Backoff(cap=self.config.max_backoff)
        waiting_said = False
        try:
            while True:
                lock = redis.lock(self.config.lock_key, timeout=self.config.lock_ttl, thread_local=False)
                try:
                    acquired = await lock.acquire(blocking=False)
                except RedisError as exc:
                    delay = backoff.next()
                    logger.warning("Redis is unavailable (%s); trying again in %.1f s", exc, delay)
                    await asyncio.sleep(delay)
                    continue
                if not acquired:
                    if not waiting_said:
                        logger.info("another relay is active; this one waits to take over")
                        waiting_said = True
                    await asyncio.sleep(self.config.poll_every)
                    continue
                waiting_said = False
                backoff.reset()
                self._lease_until = time.monotonic() + self.config.lock_ttl
                logger.info("this relay is now the active one (lock %s)", self.config.lock_key)
                if not await self._hold(lock):
                    delay = backoff.next()
                    logger.info("relaying stopped; trying to become active again in %.1f s", delay)
                    await asyncio.sleep(delay)
        finally:
            await redis.aclose()

    async def _hold(self, lock: Any) -> bool:
        """Relay while renewing the lock; stop the moment a renewal fails. False after a failure."""
        relaying = asyncio.create_task(self._relay())
        beating = asyncio.create_task(self._heartbeat())
        try:
            while True:
                done, _ = await asyncio.wait({relaying}, timeout=self.config.renew_every)
                if done:
                    relaying.result()  # _relay only ends by raising
                try:
                    await asyncio.wait_for(lock.reacquire(), timeout=self.config.renew_every)
                except (LockError, RedisError, TimeoutError) as exc:
                    logger.warning(
                        "lost the relay lock (%s): stopping relaying at once", exc or type(exc).__name__
                    )
                    return False
                self._lease_until = time.monotonic() + self.config.lock_ttl
        except LeaseLost:
            logger.warning("the relay lock was not renewed in time: stopped relaying")
            return False
        except Exception:
            logger.exception("relaying failed unexpectedly; it will start again from the last stored event")
            return False
        finally:
            for task in (relaying, beating):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            with contextlib.suppress(LockError, RedisError, TimeoutError):
                await asyncio.wait_for(lock.release(), timeout=1.0)

    async def _heartbeat(self) -> None:
        """While active: every few seconds, tell the pages the node's head seq and the seq sent up to."""
        every = self.config.heartbeat_every
        timeouts = Timeouts(connect=min(1.0, every), read=every, write=every, pool=every)
        async with TOSAIClient(
            self.config.node_url, timeouts=timeouts, retry=RetryPolicy(attempts=1)
        ) as node:
            while True:
                try:
                    sent = await database_sync_to_async(resume_point)()
                    try:
                        head = (await node.get_events(since_seq=sent, limit=1)).head_seq
                    except NodeError:  # the pages say "delayed": the relay cannot follow a silent node
                        head = -1
                    await broadcast.send_heartbeat(head=head, sent=sent)
                except Exception as exc:  # a missed beat is what the pages notice; the relaying goes on
                    logger.warning("the relay's heartbeat to the pages failed: %s", exc or type(exc).__name__)
                await asyncio.sleep(every)

    def _check_lease(self) -> None:
        # A margin below the TTL: the lock must still be ours when the write commits.
        if time.monotonic() > self._lease_until - self.config.renew_every / 2:
            raise LeaseLost

    @staticmethod
    async def _send(messages: broadcast.Outgoing) -> None:
        """Send a committed batch's messages. The events are stored whatever happens to the send: a page
        that misses one replays it when the group's next message (or the next heartbeat) names it."""
        try:
            await broadcast.send(messages)
        except Exception:
            logger.exception(
                "sending %s messages to the pages failed; they replay what they missed", len(messages)
            )

    async def _relay(self) -> None:
        """Follow the node's events from the last stored seq, forever, through node and database outages."""
        backoff = Backoff(cap=self.config.max_backoff)
        while True:
            try:
                since = await database_sync_to_async(resume_point)()
                logger.info("following the node's events after seq %s at %s", since, self.config.node_url)
                await self._follow(since, backoff)
            except ResyncRequired as exc:
                logger.warning(
                    "the node no longer keeps the events after seq %s (oldest kept: %s): catching up "
                    "through ai_get_events and reloading tasks from the node",
                    exc.since_seq,
                    exc.oldest_seq,
                )
                self._check_lease()
                try:
                    resynced = await database_sync_to_async(resync)()
                except NodeError as error:
                    delay = backoff.next()
                    logger.warning("catching up failed (%s); trying again in %.1f s", error, delay)
                    await asyncio.sleep(delay)
                    continue
                await self._send(resynced.messages)
                logger.info("caught up; %s tasks reloaded from the node", resynced.refreshed)
            except NodeConnectionError as exc:
                delay = backoff.next()
                logger.warning("the node is unreachable (%s); trying again in %.1f s", exc, delay)
                await asyncio.sleep(delay)
            except NodeError as exc:
                delay = backoff.next()
                logger.error("the node's event stream failed (%s); trying again in %.1f s", exc, delay)
                await asyncio.sleep(delay)
            except DatabaseError as exc:
                delay = backoff.next()
                logger.error("the database did not store the events (%s); trying again in %.1f s", exc, delay)
                await asyncio.sleep(delay)

    async def _follow(self, since: int, backoff: Backoff) -> None:
        """Store events as they come, in batches of what has arrived, until the stream fails."""
        timeouts = Timeouts(connect=3.0, read=10.0, write=5.0, pool=2.0)
        queue: asyncio.Queue[Event | BaseException] = asyncio.Queue(maxsize=self.config.batch_size * 5)
        async with TOSAIClient(self.config.node_url, timeouts=timeouts) as client:
            # A few quick reconnects inside the stream (a node restart); longer outages come back here.
            stream = client.events(since_seq=since, max_reconnects=3)

            async def read() -> None:
                try:
                    async for event in stream:
                        await queue.put(event)
                except Exception as exc:
                    await queue.put(exc)

            reader = asyncio.create_task(read())
            try:
                while True:
                    batch = [await queue.get()]
                    while not queue.empty() and len(batch) < self.config.batch_size:
                        batch.append(queue.get_nowait())
                    events = [item.raw for item in batch if isinstance(item, Event)]
                    if events:
                        self._check_lease()
                        stored = await database_sync_to_async(store)(events)
                        await self._send(stored.messages)
                        backoff.reset()
                    for item in batch:
                        if isinstance(item, BaseException):
                            raise item
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
                with contextlib.suppress(Exception):
                    await stream.aclose()
