"""The consumer's sequencing, without I/O: every event a page may see, once, in order, whatever the layer does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.broadcast import SentSeqs, addressed
from dashboard.livecursor import LiveCursor, Step, named_seq
from dashboard.livemessages import Delivery, EventMessage
from dashboard.visibility import FEED_GROUP, groups_for, user_group

ME, SOMEONE = 1, 2
#: What an event is to the page's user: public (theirs or not), private to them, private to someone else.
KINDS = ("public", "public_mine", "private_mine", "private_other")


def test_a_live_event_before_the_page_resumed_is_left_to_the_replay() -> None:
    assert LiveCursor().live(5, prev=4) is Step.SEEN


def test_the_next_event_is_sent_and_names_the_one_before() -> None:
    cursor = LiveCursor(seq=4)
    assert cursor.live(5, prev=4) is Step.NEW
    assert cursor.advance(5) == 4
    assert cursor.live(5, prev=4) is Step.SEEN  # the same event through another group
    assert cursor.advance(5) is None


def test_an_event_naming_one_the_page_never_got_is_a_gap() -> None:
    cursor = LiveCursor(seq=4)
    assert cursor.live(7, prev=6) is Step.GAP
    assert cursor.replayed(4, [5, 6, 7, 8], before=7) == [(5, 4), (6, 5)]
    assert cursor.advance(7) == 6


def test_the_first_event_after_a_resume_is_checked_for_a_gap_once() -> None:
    cursor = LiveCursor()
    assert cursor.replayed(0, [1, 2]) == [(1, 0), (2, 1)]
    cursor.resumed()
    assert cursor.may_have_missed(None)
    assert cursor.live(4, prev=None) is Step.GAP
    cursor.advance(4)
    assert cursor.live(6, prev=None) is Step.NEW  # checked once: later gaps are events the user may not see


def test_a_replay_never_moves_the_cursor_back() -> None:
    cursor = LiveCursor(seq=9)
    assert cursor.replayed(3, [4, 5]) == [(4, 3), (5, 4)]
    assert cursor.seq == 9
    cursor.reloaded(7)
    assert cursor.seq == 9


def test_a_feed_message_naming_the_users_private_event_counts_only_for_that_user() -> None:
    message = {"prev": 3, "private": [(ME, 5), (SOMEONE, 6)]}
    assert named_seq(message, ME) == 5
    assert named_seq(message, SOMEONE) == 6
    assert named_seq(message, 3) == 3
    assert named_seq({}, ME) is None


def test_a_heartbeat_names_only_feed_events_whose_send_is_over() -> None:
    """The relay's heartbeat may go out while a batch is being sent: naming the batch's newest event then
    made every open page replay it from the database (found by bench/relay_bench.py at 1,000 pages)."""
    sent = SentSeqs()
    sent.last[FEED_GROUP] = 0
    first = addressed([public_delivery(1)], sent)
    sent.sent_out(first)
    addressed([public_delivery(2), public_delivery(3)], sent)  # built, not sent yet
    assert sent.feed_out == 1
    assert sent.last[FEED_GROUP] == 3


def public_delivery(seq: int) -> Delivery:
    message = EventMessage(type="feed.event", seq=seq, name="task_published", task_id="", user_ids=[], row="")
    return Delivery([FEED_GROUP], message)


@dataclass(frozen=True)
class Event:
    name: str
    task_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def relay_messages(kinds: list[str], beats_after: set[int]) -> list[tuple[str, dict[str, Any]]]:
    """What the relay sends for these events (seq 1, 2, ...), as `broadcast.addressed` builds it, with a
    heartbeat after the events in `beats_after`: the page's feed (through the hub) and its user's group."""
    sent = SentSeqs()
    sent.last[FEED_GROUP] = 0  # as if read from the (empty) database at the relay's start
    out: list[tuple[str, dict[str, Any]]] = []
    for seq, kind in enumerate(kinds, start=1):
        event = Event("task_published" if kind.startswith("public") else "reward_distributed")
        user_ids = {"public": [], "public_mine": [ME], "private_mine": [ME], "private_other": [SOMEONE]}[kind]
        message = EventMessage(
            type="feed.event", seq=seq, name=event.name, task_id="", user_ids=user_ids, row=""
        )
        batch = addressed([Delivery(groups_for(event, user_ids), message)], sent)
        for group, sent_message in batch:
            if group in (FEED_GROUP, user_group(ME)):
                out.append(("hub" if group == FEED_GROUP else "channel", sent_message))
        sent.sent_out(batch)
        if seq in beats_after:
            beat = {"type": "feed.heartbeat", "prev": sent.feed_out}
            out.append(("hub", {**beat, "private": sent.named_privately(clear=False)}))
    final = {"type": "feed.heartbeat", "prev": sent.feed_out}
    out.append(("final", {**final, "private": sent.named_privately(clear=False)}))
    return out


class Page:
    """The consumer's handling of one page's messages (`dashboard/consumers.py`), the database a list."""

    def __init__(self, kinds: list[str]) -> None:
        self.visible = [seq for seq, kind in enumerate(kinds, start=1) if kind != "private_other"]
        self.stored = 0
        self.cursor = LiveCursor()
        self.frames: list[tuple[int, int]] = []

    def replay(self, since: int, before: int | None = None) -> None:
        seqs = [seq for seq in self.visible if since < seq <= self.stored]
        self.frames += self.cursor.replayed(since, seqs, before)

    def resume(self, since: int) -> None:
        self.replay(since)
        self.cursor.resumed()

    def receive(self, message: dict[str, Any]) -> None:
        named = named_seq(message, ME)
        if message["type"] == "feed.heartbeat":
            if self.cursor.seq is not None and self.cursor.missed_before_beat(named):
                self.replay(self.cursor.seq)
            return
        seq = message["seq"]
        step = self.cursor.live(seq, named)
        if step is Step.SEEN:
            return
        if step is Step.GAP:
            self.replay(self.cursor.seq or 0, before=seq)
        prev = self.cursor.advance(seq)
        if prev is not None:
            self.frames.append((seq, prev))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_interleaving_of_replayed_and_live_frames_yields_every_event_once_in_order(data: Any) -> None:
    """The layer loses any message, the hub and the page's own channel race each other, the page resumes
    at any moment from any seq it could have shown, and the database is at least as far as the relay's
    sends: after the next heartbeat the page has every event it may see after its seq, once, in order,
    each frame naming the one before it."""
    kinds = data.draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=30), label="events")
    beats = data.draw(st.sets(st.integers(1, len(kinds))), label="heartbeats after")
    sent = relay_messages(kinds, beats)
    kept = [(index, path, message) for index, (path, message) in enumerate(sent) if path == "final"]
    lost = data.draw(st.lists(st.booleans(), min_size=len(sent) - 1, max_size=len(sent) - 1), label="lost")
    kept = [
        (index, path, message) for index, (path, message) in enumerate(sent[:-1]) if not lost[index]
    ] + kept
    hub = [item for item in kept if item[1] in ("hub", "final")]
    channel = [item for item in kept if item[1] == "channel"]
    page = Page(kinds)
    resume_at = data.draw(st.integers(0, len(kept)), label="resume before arrival")
    since: int | None = None
    sent_up_to = 0  # what the relay has sent (and so stored) by the time of an arrival
    arrivals = 0
    while hub or channel:
        if arrivals == resume_at and since is None:
            page.stored = max(page.stored, data.draw(st.integers(sent_up_to, len(kinds)), label="stored"))
            since = data.draw(st.integers(0, page.stored), label="since")
            page.resume(since)
        # The final heartbeat comes last, after everything else in flight.
        from_hub = bool(hub) and (not channel or hub[0][1] != "final") and data.draw(st.booleans())
        if not channel:
            from_hub = True
        index, _, message = (hub if from_hub else channel).pop(0)
        sent_up_to = max(sent_up_to, max((m.get("seq", 0) for _, m in sent[: index + 1]), default=0))
        page.stored = max(page.stored, sent_up_to, data.draw(st.integers(0, len(kinds)), label="stored"))
        page.receive(message)
        arrivals += 1
    if since is None:
        return  # the page never resumed: it sent nothing, as it should
    seqs = [seq for seq, _ in page.frames]
    assert seqs == [seq for seq in page.visible if seq > since]
    assert [prev for _, prev in page.frames] == [since, *seqs][: len(seqs)]
