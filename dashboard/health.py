"""Probes of what the dashboard depends on: the database, Redis and the TOS node.

Each probe asks for what the pages themselves read (a stored task, the node's task list), not only for a
sign of life: a node that answers `get_version` while every task read fails, or a database missing a
table, must not be reported as up.
"""

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

from tos_ai import Client, NodeError, RetryPolicy, Timeouts

PROBE_TIMEOUT = 2.0


@dataclass(frozen=True)
class Probe:
    name: str
    ok: bool
    detail: str
    count: int | None = None

    def as_dict(self) -> dict[str, object]:
        answer: dict[str, object] = {"ok": self.ok, "detail": self.detail}
        if self.count is not None:
            answer["count"] = self.count
        return answer


def probe_database() -> Probe:
    from dashboard.models import Credit, NodeEvent, Task

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Probe("database", False, f"unreachable: {exc}")
    try:
        # The rows the pages read most (the task cache, the event log, the credits), one each.
        for model in (Task, NodeEvent, Credit):
            model.objects.order_by().values_list("pk", flat=True).first()
    except DatabaseError as exc:
        return Probe("database", False, f"answers, but the pages' reads fail: {exc}")
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
    try:
        with Client(settings.TOS_NODE_URL, timeouts=_PROBE_TIMEOUTS, retry=RetryPolicy(attempts=1)) as reader:
            reader.list_active_tasks(limit=1)  # the task pages' read, parsed as they parse it
    except NodeError as exc:
        return Probe(
            "node", False, f"answers get_version but not its task list (ai_list_active_tasks): {exc}"
        )
    return Probe("node", True, str(version))


_PROBE_TIMEOUTS = Timeouts(connect=PROBE_TIMEOUT, read=PROBE_TIMEOUT, write=PROBE_TIMEOUT, pool=PROBE_TIMEOUT)


def unstored_events() -> Probe:
    """Events from the node that could not be stored and were skipped: counted, never a reason to be down
    (the relay went on), but an operator should read them (the UnstoredEvent records)."""
    from dashboard.models import UnstoredEvent

    try:
        count = UnstoredEvent.objects.count()
    except DatabaseError as exc:
        return Probe("event_log", False, f"cannot be read: {exc}")
    if not count:
        return Probe("event_log", True, "every event from the node is stored", 0)
    latest = UnstoredEvent.objects.order_by("-seq").first()
    detail = f"{count} event(s) from the node could not be stored and were skipped"
    if latest is not None:
        detail += f"; the latest, #{latest.seq}: {latest.error}"
    return Probe("event_log", True, detail, count)


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
    probes = [probe_database(), probe_redis(), probe_node()]
    return [*probes, unstored_events()] if probes[0].ok else probes
