"""Where one live connection is in the event log, and what to do with each message: pure, no I/O.

The consumer (`dashboard/consumers.py`) holds one `LiveCursor` per page and does what it says: drop a
message the page has, send one that follows what it has, or first replay from the database the events
between (a gap). Live messages reach a page from up to three groups (the feed, the user's, the task's),
each event once per group, and the layer may lose some (pub/sub drops what is published while a process
reconnects; a send may fail). Two facts let the cursor find every loss:

- one relay sends events in seq order, and each message names a seq the page must have by then
  (`named_seq`: the one sent to its group before it, the feed's last for a user's group, the user's
  private events since the feed's last message): a named seq past the cursor is an event this page
  never got, or has not got yet because its two paths (the feed hub, its own channel) raced;
- the first live message after a resume may follow events published between the replay's query and the
  group subscription taking effect: when its seq is not the cursor + 1, the gap is replayed.

Replayed events come from the database with the same visibility rules as the live groups, so after a
replay and the live messages that follow, the page has every event it may see once, in seq order, and
each frame's `prev` is the seq of the frame before it (tests/dashboard/test_livecursor.py).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def named_seq(message: Mapping[str, Any], user_id: int) -> int | None:
    """The newest seq a message says this user's page must have by now: the one sent to its group before
    it (`prev`), or one of the user's private events that a feed message or a heartbeat names."""
    named: int | None = message.get("prev")
    for owner, seq in message.get("private") or ():
        if owner == user_id and (named is None or seq > named):
            named = seq
    return named


class Step(enum.Enum):
    """What to do with a live event."""

    SEEN = "seen"  #: drop it: the page has it (or has not resumed yet: the replay will carry it)
    NEW = "new"  #: send it
    GAP = "gap"  #: replay the events after the cursor and below it from the database, then send it


@dataclass
class LiveCursor:
    #: The last seq sent on this connection; None until the page said where it is.
    seq: int | None = None
    #: From a resume until the first live event, which is checked for events the layer never brought.
    checking: bool = False

    def may_have_missed(self, prev: int | None) -> bool:
        """Whether events before a live message with this `prev` may be missing (its handling may then
        wait on the database): the first live event after a resume, or one naming an event not sent."""
        return self.checking or (self.seq is not None and prev is not None and prev > self.seq)

    def live(self, seq: int, prev: int | None) -> Step:
        """What to do with a live event; after a `GAP`, `replayed(self.seq, ..., before=seq)` then `advance`."""
        if self.seq is None or seq <= self.seq:
            return Step.SEEN
        if self.may_have_missed(prev):
            self.checking = False
            if seq > self.seq + 1:
                return Step.GAP
        return Step.NEW

    def advance(self, seq: int) -> int | None:
        """The page is sent `seq`: the `prev` its frame names, or None when it has `seq` already."""
        if self.seq is None or seq <= self.seq:
            return None
        prev, self.seq = self.seq, seq
        return prev

    def replayed(self, since: int, seqs: Sequence[int], before: int | None = None) -> list[tuple[int, int]]:
        """The stored events after `since` (ascending `seqs`) are replayed: the (seq, prev) of each frame to
        send, those below `before`, in order. The cursor moves past them (never back)."""
        frames = []
        prev = since
        for seq in seqs:
            if before is not None and seq >= before:
                break
            frames.append((seq, prev))
            prev = seq
        self.seq = max(self.seq or 0, prev)
        return frames

    def resumed(self) -> None:
        """The page's resume was replayed: check the next live event for a gap."""
        self.checking = True

    def reloaded(self, head: int) -> None:
        """The page missed too much and reloads: everything up to `head` counts as sent."""
        self.seq = max(self.seq or 0, head)

    def missed_before_beat(self, prev: int | None) -> bool:
        """A heartbeat names the feed's last sent seq: True when it is past the cursor (replay first)."""
        return self.seq is not None and prev is not None and prev > self.seq
