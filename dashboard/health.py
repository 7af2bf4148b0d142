"""Probes of what the dashboard depends on: the database, Redis and the TOS node."""

from __future__ import annotations

from dataclasses import dataclass

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


def run_probes() -> list[Probe]:
    return [probe_database(), probe_redis(), probe_node()]
