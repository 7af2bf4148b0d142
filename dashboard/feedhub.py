"""One subscription to the feed group per web process, handed to each of its open pages by a direct call.

Every open page is in the feed group. Joined through the channel layer, each page had its own queue, its
own wake-up and its own dispatch task for every event: at 1,000 pages in one daphne that machinery was a
quarter of the process's time per frame (docs/performance.md, "Live feed end to end"). The hub receives
each feed message once and passes it to every page of the process in turn; a page that is busy (replaying
from the database) keeps it in its mailbox, so one slow page never holds up the others.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any, Protocol

from channels.layers import get_channel_layer

from dashboard.visibility import FEED_GROUP

logger = logging.getLogger(__name__)

#: Channel-layer group memberships expire (the core layer's `group_expiry`, a day): the hub renews its own.
RENEW_SECONDS = 600.0
RETRY_SECONDS = 1.0


class Page(Protocol):
    async def from_hub(self, message: dict[str, Any]) -> None: ...


class FeedHub:
    """The feed group's member in this process (one per event loop), and the pages it serves."""

    def __init__(self) -> None:
        self.pages: dict[Page, None] = {}  # insertion-ordered: earlier pages are served first
        self.channel = ""
        self._subscribed: asyncio.Future[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def join(self, page: Page) -> None:
        """Serve `page` from now on; returns once the hub is in the feed group (before the page replays)."""
        self.pages[page] = None
        if self._subscribed is None:
            self._subscribed = asyncio.get_running_loop().create_future()
            self._tasks.append(asyncio.create_task(self._subscribe(), name="feed-hub-subscribe"))
        await asyncio.shield(self._subscribed)

    def leave(self, page: Page) -> None:
        self.pages.pop(page, None)

    async def _subscribe(self) -> None:
        layer = get_channel_layer()
        assert self._subscribed is not None
        try:
            if layer is None:
                raise RuntimeError("no channel layer is configured")
            self.channel = (
                await layer.new_channel()
            )  # the default prefix: the core layer reads one list per process
            await layer.group_add(FEED_GROUP, self.channel)
        except Exception as exc:
            self._subscribed.set_exception(exc)
            self._subscribed = None  # the next page to join tries again
            return
        self._subscribed.set_result(None)
        self._tasks += [
            asyncio.create_task(self._relay(layer), name="feed-hub-relay"),
            asyncio.create_task(self._renew(layer), name="feed-hub-renew"),
        ]

    async def _relay(self, layer: Any) -> None:
        while True:
            try:
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("the feed hub could not read the channel layer; retrying", exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            for page in list(self.pages):
                try:
                    await page.from_hub(message)
                except Exception:
                    logger.exception("a live page failed to take feed message %s", message.get("seq"))

    async def _renew(self, layer: Any) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                await layer.group_add(FEED_GROUP, self.channel)
            except Exception:
                logger.warning("the feed hub could not renew its group membership", exc_info=True)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, FeedHub] = weakref.WeakKeyDictionary()


def feed_hub() -> FeedHub:
    """This event loop's hub (a web process has one loop; each async test has its own)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = FeedHub()
    return hub
