"""Probes of what the dashboard depends on: the database, Redis and the TOS node."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import redis
from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError

PROBE_TIMEOUT = 2.0


@dataclass(frozen=True)
class Probe:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail}


def probe_database() -> Probe:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Probe("database", False, f"unreachable: {exc}")
    return Probe("database", True, connection.vendor)


def probe_redis() -> Probe:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=PROBE_TIMEOUT, socket_timeout=PROBE_TIMEOUT
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return Probe("redis", False, f"unreachable: {exc}")
    finally:
        client.close()
    return Probe("redis", True, "pong")


def probe_node() -> Probe:
    payload = {"jsonrpc": "2.0", "id": 1, "method": "get_version"}
    try:
        reply = httpx.post(settings.TOS_NODE_URL, json=payload, timeout=PROBE_TIMEOUT)
        version = reply.json().get("result")
    except (httpx.HTTPError, ValueError) as exc:
        return Probe("node", False, f"unreachable at {settings.TOS_NODE_URL}: {exc or type(exc).__name__}")
    if reply.status_code != 200 or version is None:
        return Probe(
            "node", False, f"unexpected answer from {settings.TOS_NODE_URL} (HTTP {reply.status_code})"
        )
    return Probe("node", True, str(version))


@dataclass
class RecentProbe:
    """A probe's last answer, asked again at most every `ttl` seconds in this process.

    The outage banners come from it: one probe per process every few seconds, not one per page.
    """

    probe: Callable[[], Probe]
    ttl: float = 5.0
    ok: bool = True
    checked_at: float = field(default=-math.inf)

    def is_up(self) -> bool:
        now = time.monotonic()
        if now - self.checked_at > self.ttl:
            self.checked_at = now
            self.ok = self.probe().ok
        return self.ok

    def mark_down(self) -> None:
        """A call just failed: the next page shows the banner without waiting for a probe."""
        self.ok, self.checked_at = False, time.monotonic()

    def forget(self) -> None:
        self.ok, self.checked_at = True, -math.inf


redis_status = RecentProbe(probe_redis)


def redis_is_up() -> bool:
    """Whether Redis answered recently: the cache, the live updates and the task queue depend on it."""
    return redis_status.is_up()


def run_probes() -> list[Probe]:
    return [probe_database(), probe_redis(), probe_node()]
