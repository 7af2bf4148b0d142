"""The live connection of a logged-in page: it joins its groups, replays what the page missed, relays events.

The page says where it is with `{"type": "resume", "since_seq": n}` (or `?since_seq=n`); until then
live messages are dropped, because the replay reads them from the database anyway. Every frame is HTML
for htmx's ws extension: a `#live-event` signal carrying the event's seq (and, on the live feed page,
the event's row), so the page drops what it already has and refreshes what the event changed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from redis.exceptions import RedisError

from dashboard import livemessages, visibility
from dashboard.feedhub import feed_hub
from dashboard.livecursor import LiveCursor, Step, named_seq
from dashboard.livemessages import EventMessage, HeartbeatMessage, ResyncMessage, UnreadMessage

logger = logging.getLogger(__name__)

TASK_ID = re.compile(r"[0-9a-f]{64}")
#: Close codes a browser does not retry (htmx's ws extension reconnects only after 1006 and 1011-1013).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_BAD_REQUEST = 4400
CLOSE_TRY_AGAIN_LATER = 1013
#: Channel-layer messages; their handlers reach the database only through database_sync_to_async.
LAYER_MESSAGES = frozenset(
    {"feed.event", "user.event", "task.event", "feed.resync", "feed.heartbeat", "user.unread"}
)
#: The page's own request to replay from a seq, queued in its mailbox like the events.
RESUME = "live.resume"


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """`ws/live/[?task=<task_id>][&feed=1][&since_seq=n]`: the events a logged-in user may see, in order, once."""

    user_id: int
    task_id: str
    renders_feed: bool
    joined: list[str]
    #: Where the connection is in the event log, and what to do with each message (seen, new, a gap).
    position: LiveCursor
    #: Messages waiting while the page handles one (a replay awaits the database): handled in order, once.
    mailbox: deque[dict[str, Any]]
    busy: bool
    drains: set[asyncio.Task[None]]
    in_feed: bool

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # The pub/sub layer subscribes the page's own channel before `connect` runs: with Redis down that
        # fails here. Say "try again later" (the ws extension then reconnects with backoff) and log one line.
        try:
            await super().__call__(scope, receive, send)
        except (RedisError, OSError) as exc:
            logger.warning("a live page must wait: the channel layer is unavailable (%s)", exc)
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})

    async def connect(self) -> None:
        self.joined, self.position = [], LiveCursor()
        self.mailbox, self.busy, self.drains, self.in_feed = deque(), False, set(), False
        user = self.scope.get("user")
        query = parse_qs(self.scope.get("query_string", b"").decode("ascii", "replace"))
        task_id = (query.get("task") or [""])[0]
        since = (query.get("since_seq") or [""])[0]
        # Accepted before closing so the browser sees the code (a refused handshake looks like a network
        # failure, which the ws extension would retry forever).
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if (task_id and not TASK_ID.fullmatch(task_id)) or (since and not since.isdigit()):
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        self.user_id, self.task_id = int(user.pk), task_id
        self.renders_feed = (query.get("feed") or [""])[0] == "1"
        # Groups come from the session's user id and a validated, public task id; never another user's.
        # The feed reaches every page through the process's hub; the narrow groups through the layer.
        self.joined = [visibility.user_group(self.user_id)]
        if task_id:
            self.joined.append(visibility.task_group(task_id))
        try:
            for group in self.joined:
                await self.channel_layer.group_add(group, self.channel_name)
            await feed_hub().join(self)
        except (RedisError, OSError) as exc:
            # Redis is down: the page says "reconnecting" and its ws extension tries again later.
            logger.warning("a live page must wait: the channel layer is unavailable (%s)", exc)
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return
        self.in_feed = True
        if since:
            try:
                await self.resume(int(since))
            except BaseException:
                # The connection dies with this error and may never see a disconnect: leave the hub now.
                feed_hub().leave(self)
                raise

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every message, a hop to a thread each time:
        # at 1,000 pages that was 40 % of daphne's CPU (docs/performance.md, "Live feed end to end").
        # The relayed events need no connection; database_sync_to_async closes stale ones itself.
        if message["type"] in LAYER_MESSAGES:
            await self.deliver(message)
            return
        await super().dispatch(message)

    async def deliver(self, message: dict[str, Any]) -> None:
        """Handle `message` now, or after the ones in hand: a page's messages are handled one at a time, in
        the order they came, whether from the feed hub, the layer or the page itself."""
        self.mailbox.append(message)
        if not self.busy:
            self.busy = True
            await self._drain()

    async def from_hub(self, message: dict[str, Any]) -> None:
        """A feed message from the process's hub, which serves every page in turn: what may wait on the
        database (a replay in hand, the check after a resume) is handled in this page's own task."""
        if not (self.busy or self.position.may_have_missed(named_seq(message, self.user_id))):
            await self.deliver(message)
            return
        self.mailbox.append(message)
        if not self.busy:
            self.busy = True
            drain = asyncio.create_task(self._drain())
            self.drains.add(drain)
            drain.add_done_callback(self._drained)

    def _drained(self, task: asyncio.Task[None]) -> None:
        self.drains.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("a live page failed to handle a feed message", exc_info=task.exception())

    async def _drain(self) -> None:
        try:
            while self.mailbox:
                item = self.mailbox.popleft()
                if item["type"] == RESUME:
                    await self._replay(item["since_seq"])
                    self.position.resumed()
                else:
                    await getattr(self, get_handler_name(item))(item)
        finally:
            self.busy = False

    async def disconnect(self, code: int) -> None:
        if self.in_feed:
            feed_hub().leave(self)
        try:
            for group in self.joined:
                await self.channel_layer.group_discard(group, self.channel_name)
        except (RedisError, OSError) as exc:  # the layer forgets this channel by itself (group expiry)
            logger.warning("a closed live page could not leave its groups: %s", exc)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            # The page heard nothing for a while: this answer tells it whether its connection still works.
            cursor = self.position.seq or 0
            await self.send(text_data=self._signal(cursor, cursor, "", flag="pong"))
            return
        if not isinstance(content, dict) or content.get("type") != "resume":
            return
        since = content.get("since_seq")
        if isinstance(since, int) and not isinstance(since, bool) and since >= 0:
            await self.resume(since)

    async def resume(self, since_seq: int) -> None:
        """Replay from the database every event after `since_seq` this connection's groups would carry.

        Live messages that arrive meanwhile wait in the mailbox (a page handles one message at a time);
        afterwards those at or below the last replayed seq are dropped: no gap, no repeat.
        """
        await self.deliver({"type": RESUME, "since_seq": since_seq})

    async def _replay(self, since_seq: int, before: int | None = None) -> None:
        """Send the stored events after `since_seq` (and below `before`) this user may see, in order."""
        replay = await database_sync_to_async(livemessages.replay_for)(self.user_id, since_seq)
        if replay.truncated:
            await self.send(text_data=self._signal(replay.head_seq, since_seq, "", flag="reload"))
            self.position.reloaded(replay.head_seq)
            return
        seqs = [message["seq"] for message in replay.messages]
        frames = self.position.replayed(since_seq, seqs, before)  # the first len(frames) messages, in order
        for message, (_, prev) in zip(replay.messages[: len(frames)], frames, strict=True):
            await self.send(text_data=self._frame(message, prev))

    async def feed_event(self, message: EventMessage) -> None:
        await self._relay(message)

    async def user_event(self, message: EventMessage) -> None:
        await self._relay(message)

    async def task_event(self, message: EventMessage) -> None:
        await self._relay(message)

    async def feed_resync(self, message: ResyncMessage) -> None:
        cursor = self.position.seq
        if cursor is not None:
            await self.send(text_data=self._signal(cursor, cursor, "tasks task wallet", flag="resync"))

    async def feed_heartbeat(self, message: HeartbeatMessage) -> None:
        """The relay is alive: pass on how far the node and the relay are, after replaying a feed event this
        page missed (the heartbeat names the feed's last sent seq, like an event's `prev`)."""
        cursor = self.position.seq
        if cursor is None:
            return
        if self.position.missed_before_beat(named_seq(message, self.user_id)):
            await self._replay(cursor)
            cursor = self.position.seq or cursor
        beat = f'data-head="{int(message["head"]):d}" data-sent="{int(message["sent"]):d}"'
        await self.send(text_data=self._signal(cursor, cursor, "", flag="heartbeat", extra=beat))

    async def user_unread(self, message: UnreadMessage) -> None:
        """The user's unread notifications changed: the header's count, rendered by the sender from an
        integer in fixed markup, is swapped in by id (it carries no seq: the count is a state, not an event)."""
        await self.send(text_data=message["html"])

    async def _relay(self, message: EventMessage) -> None:
        # The same event reaches a page through up to three groups: the first copy is sent, the rest are
        # seen. Before the page resumed, the replay will carry it.
        seq = message["seq"]
        step = self.position.live(seq, named_seq(message, self.user_id))
        if step is Step.SEEN:
            return
        if step is Step.GAP:
            # Events the layer did not bring: pub/sub does not acknowledge a group's SUBSCRIBE (an event
            # published after the replay's query but before the subscription took effect reaches
            # neither) and drops what is published while a process reconnects to Redis; the relay's send
            # may have failed. They lie below this event (one relay sends in seq order), so one query
            # finds them. The page sees them when this next event comes.
            await self._replay(self.position.seq or 0, before=seq)
        prev = self.position.advance(seq)
        if prev is not None:
            await self.send(text_data=self._frame(message, prev))

    def _frame(self, message: EventMessage, prev: int) -> str:
        refresh = []
        if message["name"] in visibility.TASK_LIST_EVENTS:
            refresh.append("tasks")
        if self.task_id and message["task_id"] == self.task_id:
            refresh.append("task")
        if self.user_id in message["user_ids"]:
            refresh += ["wallet", "mine"]  # the user's balance, and their own tasks, participations, earnings
        frame = self._signal(message["seq"], prev, " ".join(refresh))
        if self.renders_feed:
            # The row was rendered from the stored event by the relay (or the replay), escaped there.
            frame += f'<ol id="feed-rows" hx-swap-oob="afterbegin">{message["row"]}</ol>'
        return frame

    @staticmethod
    def _signal(seq: int, prev: int, refresh: str, *, flag: str = "", extra: str = "") -> str:
        """The `#live-event` element live.js reads; `flag` is "reload" (too much missed), "resync",
        "heartbeat" (the relay is alive; `extra` carries its figures) or "pong" (an answer to a ping).

        Plain formatting, not format_html: only integers and this module's own words go in (`refresh`,
        `flag` and `extra` are fixed names and integers), and at 1,000 pages the escaping was a tenth of
        daphne's time per frame.
        """
        return (
            f'<div id="live-event" hidden data-seq="{seq:d}" data-prev-seq="{prev:d}" '
            f'data-refresh="{refresh}" data-flag="{flag}"{" " + extra if extra else ""}></div>'
        )
