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

from dashboard.amounts import tos_text
from dashboard.crypto import decrypt_secret
from dashboard.health import RecentProbe, probe_node
from dashboard.models import NodeAccount
from dashboard.words import spoken
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
    rules,
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
        return NodeProblem(refusal_words(error), error.field)
    return NodeProblem(
        f"The node gave an answer the dashboard does not understand ({error}).", unavailable=True
    )


#: What each write is about, for the words of a refusal ("no longer takes ...").
_TAKES = {"submit": "submissions", "participate": "participants", "validate": "validations"}


def _tos(atomic: object) -> str:
    return f"{tos_text(int(str(atomic)))} TOS"


def refusal_words(error: NodeRPCError) -> str:
    """A node refusal said in the dashboard's words, as a sentence: from the rule the node names and the
    figures it sends; a rule the dashboard does not know, or figures it cannot read, leave the node's own
    message, made a sentence."""
    try:
        return _words_for_rule(error) or _sentence(error.message)
    except (ArithmeticError, LookupError, TypeError, ValueError):
        return _sentence(error.message)


def _words_for_rule(error: NodeRPCError) -> str:
    data = error.data if isinstance(error.data, dict) else {}
    method = error.method or ""
    takes = next((words for verb, words in _TAKES.items() if verb in method), "this")
    rule = error.rule
    if rule == "own_task":
        if "validate" in method:
            return "You published this task: its submissions are scored by other validators."
        return "You published this task, so you cannot join it: it is for other miners."
    if rule == "balance" and "needed" in data:
        return (
            f"Your balance is too low: this needs {_tos(data['needed'])} and the account has "
            f"{_tos(data.get('available', 0))}."
        )
    if rule == "reputation" and "required" in data:
        doing = _DOING.get(str(data.get("action")), str(data.get("action")))
        return (
            f"Your reputation is {data.get('reputation')}; {doing} {data.get('difficulty_level')} tasks "
            f"needs {data['required']}."
        )
    if rule == "stake_range" and "min" in data:
        return f"The stake for this task is {_tos(data['min'])} to {_tos(data.get('max', 0))}."
    if rule == "stake_range":
        return f"The stake may be at most {_tos(data.get('max', 0))}, half the reward."
    if rule == "reward_range" and "min" in data:
        return f"The reward for this difficulty is {_tos(data['min'])} to {_tos(data.get('max', 0))}."
    if rule == "rate_limit":
        return (
            f"The node takes at most {data.get('limit')} {data.get('action')} actions "
            f"{_per(int(str(data.get('window') or rules.RATE_WINDOW_SECONDS)))} from one "
            f"account; try again in {_duration(int(str(data.get('retry_after') or 0)))}."
        )
    if rule == "max_bytes":
        size = f"{int(str(data['bytes'])):,} bytes, " if "bytes" in data else ""
        return (
            f"This is too long for the node: {size}at most {int(str(data.get('max') or 0)):,} bytes are allowed "
            "(a plain letter takes one byte; accents and emoji take 2 to 4)."
        )
    if rule == "min_bytes":
        return f"This is too short: write at least {data.get('min')} characters."
    if rule == "status":
        status = spoken(str(data.get("status") or "closed")).lower()
        if "cancel" in method:
            return f"A task can be cancelled only before anyone joins it, and this one is {status}."
        return f"This task is {status} and no longer takes {takes}."
    if rule == "deadline":
        return f"This task's deadline has passed: it no longer takes {takes}."
    if rule in _RULE_WORDS:
        return _RULE_WORDS[rule].format_map(data)
    return ""


_DOING = {"publish": "publishing", "submit": "submitting to", "validate": "validating"}

_RULE_WORDS = {
    "already_participating": "You already joined this task.",
    "full": "This task is full: all its {max_participants} places are taken.",
    "not_participant": "Only a participant can submit: join the task first.",
    "already_submitted": "You already submitted a solution to this task.",
    "own_submission": "This is your own submission: another validator must score it.",
    "participant": "You take part in this task, so its submissions are for other validators to score.",
    "already_validated": "You already reviewed this submission.",
    "reviewers_complete": "This submission already has all the reviews it needs.",
    "score_range": "A score is a whole number from 0 to 100.",
    "registered_miner": "Your account is not registered as a miner on the node yet; try again in a moment.",
    "already_registered": "Your account is already registered as a miner.",
    "deadline_in_future": "The deadline must be in the future.",
    "deadline_too_far": "The deadline may be at most a year away.",
    "unknown": "The node does not know this; it may have been removed, or the address is mistyped.",
    "faucet_cap": "The devnet faucet has minted all it may.",
}


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return "The node refused this without saying why."
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def _per(window: int) -> str:
    """The node's rate-limit window (it sends it with the refusal) in words: "an hour"."""
    return "an hour" if window == 3600 else f"per {_duration(window)}"


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{max(1, seconds)} s"
    return f"{round(seconds / 60)} minutes"


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
