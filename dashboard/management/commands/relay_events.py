"""Relay the node's events into the database and out to open pages (one active relay per Redis)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from dashboard.relay import Relay, RelayConfig


class Command(BaseCommand):
    help = "Follow the node's /ai/ws events: store each once, send it to open pages; several may wait."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lock-ttl", type=float, default=RelayConfig.lock_ttl, help="seconds")
        parser.add_argument("--renew-every", type=float, default=RelayConfig.renew_every, help="seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        config = RelayConfig(
            node_url=settings.TOS_NODE_URL,
            redis_url=settings.REDIS_URL,
            lock_ttl=options["lock_ttl"],
            renew_every=min(options["renew_every"], options["lock_ttl"] / 3),
            heartbeat_every=float(settings.LIVE_HEARTBEAT_SECONDS),
        )
        asyncio.run(_serve(Relay(config)))
        self.stderr.write("relay stopped (its lock released, if it held it)")


async def _serve(relay: Relay) -> None:
    """Run the relay until SIGTERM or SIGINT, then release the lock so a waiting relay takes over at once."""
    running = asyncio.create_task(relay.run())
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, running.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await running
