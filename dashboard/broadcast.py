"""The one module that sends to the channel layer: each message to its groups, in seq order, chained.

Who an event goes to is `dashboard.visibility`'s rule and what it says is `dashboard.livemessages`'s; this
module names, in each event's message, the seq sent to the same group before it (`SentSeqs`), and sends.
The relay builds its messages in its database thread, after the batch that stored the events commits,
and awaits `send` on its own event loop (docs/live-updates.md).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from dashboard.livemessages import (
    Delivery,
    GroupKind,
    HeartbeatMessage,
    ResyncMessage,
    last_public_seq_before,
    render_unread,
)
from dashboard.visibility import FEED_GROUP, user_group

#: Messages ready for the layer, each with its group, in the order they must arrive.
Outgoing = list[tuple[str, dict[str, Any]]]


def _kind(group: str) -> GroupKind:
    if group == FEED_GROUP:
        return "feed.event"
    return "user.event" if group.startswith("user.") else "task.event"


class SentSeqs:
    """The last seq the relay sent to each group, so each message can name one the page must have.

    A page is in the feed (through its process's hub) and in its user's group (through its own channel):
    two paths, which the layer may reorder or lose on. So a user group's message names the later of its
    group's last seq and the feed's, and a feed message names, with the feed's last seq, the private
    events (sent to user groups only) since the feed's last message (`private`: user id and seq).
    Kept in the relay's memory (there is one active relay), for the most recent groups only; after a
    relay start the feed's is read from the database and the others are unknown until their next event.
    A send that fails still counts: the next message then names the lost one and pages replay it.
    """

    LIMIT = 10_000
    PRIVATE_LIMIT = 1_000

    def __init__(self) -> None:
        self.last: OrderedDict[str, int] = OrderedDict()
        #: Private events sent since the feed's last message: the newest seq per user id.
        self.private: dict[int, int] = {}
        #: The newest feed event whose send is over (done or failed): what a heartbeat may name. Not
        #: `last`, which runs ahead while a batch is built and sent: a heartbeat naming an event still on
        #: its way would make every page replay it from the database.
        self.feed_out: int | None = None

    def chain(self, group: str, seq: int) -> int | None:
        prev = self.last.get(group)
        if group == FEED_GROUP:
            if prev is None:
                prev = last_public_seq_before(seq)
        elif group.startswith("user."):
            feed = self.last.get(FEED_GROUP)
            prev = feed if prev is None else prev if feed is None else max(prev, feed)
        self.last[group] = seq
        self.last.move_to_end(group)
        if len(self.last) > self.LIMIT:
            self.last.popitem(last=False)
        return prev if prev is not None and prev < seq else None

    def sent_privately(self, user_id: int, seq: int) -> None:
        """A private event went to this user's group: the feed's next message names it."""
        self.private.pop(user_id, None)  # re-inserted: the oldest first, for the cap below
        self.private[user_id] = seq
        if len(self.private) > self.PRIVATE_LIMIT:  # heartbeats stay small; the user's own chain remains
            self.private.pop(next(iter(self.private)))

    def named_privately(self, *, clear: bool) -> list[tuple[int, int]]:
        """The private events the feed's next message (or a heartbeat, without `clear`) names."""
        named = sorted(self.private.copy().items())  # a copy at once: the heartbeat reads from another thread
        if clear:
            self.private.clear()
        return named

    def sent_out(self, messages: Outgoing) -> None:
        """The messages' sends are over (a failed one counts: the heartbeat then names what was lost)."""
        for group, message in messages:
            if group == FEED_GROUP and message.get("type") == "feed.event":
                self.feed_out = max(self.feed_out or 0, int(message["seq"]))

    def clear(self) -> None:
        self.last.clear()
        self.private.clear()
        self.feed_out = None


sent_seqs = SentSeqs()


def addressed(deliveries: Sequence[Delivery], sent: SentSeqs = sent_seqs) -> Outgoing:
    """Each delivery's message once per group, in seq order, naming the seq sent to that group before it.

    From a thread that may read the database (the feed's first `prev` after a start is read from it),
    once per batch, right before the batch is sent: the chain counts these messages as sent.
    """
    messages: Outgoing = []
    for delivery in deliveries:
        seq = delivery.message["seq"]
        public = FEED_GROUP in delivery.groups
        for group in delivery.groups:
            message: dict[str, Any] = {
                **delivery.message,
                "type": _kind(group),
                "prev": sent.chain(group, seq),
            }
            if group == FEED_GROUP:
                message["private"] = sent.named_privately(clear=True)
            elif not public and group.startswith("user."):
                sent.sent_privately(int(group.removeprefix("user.")), seq)
            messages.append((group, message))
    return messages


def resync(seq: int) -> Outgoing:
    """Every open page is told that events were lost and state was reloaded: refresh what you show."""
    return [(FEED_GROUP, dict(ResyncMessage(type="feed.resync", seq=seq)))]


def unread(counts: Mapping[int, int]) -> Outgoing:
    """Each person's open pages get their new unread count."""
    return [(user_group(user_id), dict(render_unread(count))) for user_id, count in counts.items()]


async def send(messages: Outgoing) -> None:
    """Send the messages in order (a page relies on the order of a group's events to drop what it has)."""
    layer = get_channel_layer()
    try:
        if layer is not None:
            for group, message in messages:
                await layer.group_send(group, message)
    finally:
        sent_seqs.sent_out(messages)


def send_from_thread(messages: Outgoing) -> None:
    """`send` for synchronous code (a notification's commit, a test): waits until the layer has them."""
    if messages:
        async_to_sync(send)(messages)


async def send_heartbeat(head: int, sent: int) -> None:
    """From the relay's event loop: the heartbeat every open page gets through its process's feed hub."""
    prev = sent_seqs.feed_out
    private = sent_seqs.named_privately(clear=False)
    message = HeartbeatMessage(type="feed.heartbeat", head=head, sent=sent, prev=prev, private=private)
    await send([(FEED_GROUP, dict(message))])


#: Inside the relay's batch: messages its hooks send after their commit, which the relay sends after the
#: batch's own events (so a reward's frame comes before the unread count it changed).
_relay_batch: ContextVar[Outgoing | None] = ContextVar("relay_batch", default=None)


@contextmanager
def relay_batch() -> Iterator[Outgoing]:
    """While storing a relay batch: what `announce_unread` is asked to send is collected here instead."""
    later: Outgoing = []
    token = _relay_batch.set(later)
    try:
        yield later
    finally:
        _relay_batch.reset(token)


def announce_unread(counts: Mapping[int, int]) -> None:
    """Send each person's open pages their new unread count (after the commit that changed it); inside a
    relay batch, the relay sends it after the batch's events."""
    messages = unread(counts)
    batch = _relay_batch.get()
    if batch is None:
        send_from_thread(messages)
    else:
        batch.extend(messages)
