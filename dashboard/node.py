"""The tos_ai client, adapted to settings: one place builds clients and turns node errors into words."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import redis
from django.conf import settings

from dashboard.crypto import decrypt_secret
from dashboard.health import RecentProbe, probe_node
from dashboard.models import NodeAccount
from tos_ai import (
    Client,
    NodeConnectionError,
    NodeError,
    NodeRPCError,
    NodeTimeoutError,
    NonceMismatch,
    RetryPolicy,
    Timeouts,
    Wallet,
)

logger = logging.getLogger(__name__)

NODE_UNAVAILABLE = "The node is unavailable, try again in a moment."


def wallet_for(account: NodeAccount) -> Wallet:
    """The signing wallet of a stored account (decrypted only in memory, only on the server)."""
    return Wallet.from_private_key(decrypt_secret(account.encrypted_private_key))


def client(account: NodeAccount | None = None, *, quick: bool = False) -> Client:
    """A blocking client for the configured node; it signs with `account`'s key when one is given.

    `quick` is for reads that only refresh what a page shows from the cache: one try, a short read
    timeout, so a slow node delays the page by seconds at most. Clients share this process's pooled
    HTTP connections to the node, so a page does not pay for a new TCP connection on every view.
    """
    read = min(3.0, float(settings.TOS_NODE_TIMEOUT)) if quick else float(settings.TOS_NODE_TIMEOUT)
    timeouts = Timeouts(connect=2.0, read=read, write=5.0, pool=2.0)
    return Client(
        settings.TOS_NODE_URL,
        wallet_for(account) if account else None,
        timeouts=timeouts,
        # A page waits for the node at most a few seconds: two quick tries for reads, none for writes.
        retry=RetryPolicy(attempts=1)
        if quick
        else RetryPolicy(attempts=2, base_delay=0.2, max_delay=0.5, max_retry_after=1.0),
        http_client=_pooled_http(os.getpid(), timeouts),
    )


@functools.cache
def _pooled_http(pid: int, timeouts: Timeouts) -> httpx.Client:
    # Keyed by pid: a Celery worker forks after import, and children must not share the parent's sockets.
    return httpx.Client(timeout=timeouts.for_httpx(), limits=httpx.Limits(max_connections=32))


@dataclass(frozen=True)
class NodeProblem:
    """A node error said in words, with the form field it concerns when the node named one."""

    message: str
    field: str | None = None
    unavailable: bool = False


def describe(error: NodeError) -> NodeProblem:
    """Words a person understands for a node error."""
    if isinstance(error, NodeConnectionError | NodeTimeoutError):
        return NodeProblem(NODE_UNAVAILABLE, unavailable=True)
    if isinstance(error, NonceMismatch):
        return NodeProblem("Your node account was busy with another request; try again.")
    if isinstance(error, NodeRPCError):
        return NodeProblem(error.message, error.field)
    return NodeProblem(
        f"The node gave an answer the dashboard does not understand ({error}).", unavailable=True
    )


def problem_of(error: NodeError) -> NodeProblem:
    """`describe`, and when the node did not answer, show the banner from the next page on."""
    problem = describe(error)
    if problem.unavailable:
        mark_node_down()
    return problem


@contextlib.contextmanager
def account_lock(address: str, timeout: float = 30.0) -> Iterator[None]:
    """Serialize writes of one account across web and worker processes, so nonces never collide.

    Without Redis the write goes ahead unlocked: a collision then costs one "try again", not an outage.
    """
    client_ = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    lock = client_.lock(f"tosweb:account-lock:{address}", timeout=timeout, blocking_timeout=timeout)
    acquired = False
    try:
        acquired = bool(lock.acquire())
    except redis.RedisError:
        logger.warning("account lock for %s skipped: Redis is unavailable", address)
    try:
        yield
    finally:
        if acquired:
            with contextlib.suppress(redis.RedisError):
                lock.release()
        client_.close()


node_status = RecentProbe(probe_node)


def node_is_up() -> bool:
    """Whether the node answered recently (probed at most every few seconds per process)."""
    return node_status.is_up()


def mark_node_down() -> None:
    """Record that a call just failed, so the next page shows the banner without waiting for a probe."""
    node_status.mark_down()
