"""The work on one claimed task: join, solve with the miner's solver, submit; safe to run twice or after a crash.

Each state move is stored (a compare-and-set) before the node is called, and a row found half-way
(`joining`, `submitting`) is settled by asking the node what it has; see `automining` for the whole scheme.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import redis
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from dashboard import node
from dashboard.amounts import tos_text
from dashboard.crypto import decrypt_secret
from dashboard.models import AutoMiningConfig, AutoParticipation, NodeAccount
from dashboard.services.accounts import register_miner
from dashboard.services.runlog import (
    TRANSIENT_NODE_ERRORS,
    WORK_STATES,
    TryAgain,
    clear_error,
    close_run_if_done,
    log_step,
    node_words,
    note_error,
    retry_delay,
)
from dashboard.solvers import SolverConfig, SolverError, default_base_url, solve
from tos_ai import AlreadyDone, NodeError, RateLimited, TaskDetails, TaskSolution

logger = logging.getLogger(__name__)

#: A worker's hold on a row; renewed every LEASE_SECONDS / 4 while it works, so a dead worker's runs out soon.
LEASE_SECONDS = 20


def take(participation_id: int) -> AutoParticipation | None:
    """Hold the row for this worker (compare-and-set on the lease); None when another worker holds it."""
    now = timezone.now()
    taken = (
        AutoParticipation.objects.filter(pk=participation_id, state__in=WORK_STATES)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + dt.timedelta(seconds=LEASE_SECONDS), attempts=F("attempts") + 1)
    )
    if not taken:
        return None
    return AutoParticipation.objects.select_related("user__node_account", "user__automining").get(
        pk=participation_id
    )


def release(participation_id: int) -> None:
    AutoParticipation.objects.filter(pk=participation_id).update(lease_until=None)


@contextlib.contextmanager
def keep_lease(participation_id: int) -> Iterator[None]:
    """Renew the row's lease from a thread while the work runs (a slow AI answer can take a minute)."""
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(LEASE_SECONDS / 4):
                AutoParticipation.objects.filter(pk=participation_id, lease_until__isnull=False).update(
                    lease_until=timezone.now() + dt.timedelta(seconds=LEASE_SECONDS)
                )
        except Exception:  # the lease then runs out and another worker takes over: safe, only slower
            logger.exception("could not renew the lease of auto participation %s", participation_id)
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=renew, daemon=True, name=f"lease-{participation_id}")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _move(row: AutoParticipation, to: str, *, expect: str | None = None, **fields: Any) -> bool:
    """Compare-and-set the row's state (from `expect`, default its current state)."""
    moved = AutoParticipation.objects.filter(pk=row.pk, state=expect or row.state).update(state=to, **fields)
    if moved:
        row.state = to
        for name, value in fields.items():
            setattr(row, name, value)
    return bool(moved)


def solver_config(config: AutoMiningConfig) -> SolverConfig:
    """The user's solver, with the API key decrypted only for the call."""
    key = decrypt_secret(config.encrypted_api_key) if config.encrypted_api_key else ""
    base_url = config.solver_base_url or default_base_url(config.solver_kind)
    return SolverConfig(kind=config.solver_kind, base_url=base_url, model=config.solver_model, api_key=key)  # type: ignore[arg-type]


class SolverBusy(Exception):
    """The miner already has as many solver calls under way as allowed: try this one again after `delay`."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"solver calls at the limit; again in {delay:.0f} s")
        self.delay = delay


#: A solver call holds its slot at most this long (its timeout is 60 s): a crashed worker's slot comes back.
SLOT_SECONDS = 180
#: How long a solve waits before asking for a slot again.
SLOT_WAIT_SECONDS = 5.0
_TAKE_SLOT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


@contextlib.contextmanager
def solver_slot(user_id: int) -> Iterator[None]:
    """One of the user's AUTOMINING_SOLVER_CALLS_PER_USER solver calls (a Redis sorted set of deadlines).

    SolverBusy when all are taken, so a user whose AI service is slow never holds more of the solving
    workers than that. Without Redis the call goes ahead: the limit is about fairness, not correctness.
    """
    key = f"tosweb:solver-calls:{user_id}"
    token = f"{os.getpid()}:{threading.get_ident()}:{time.monotonic_ns()}"
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    taken = False
    try:
        now = time.time()
        limit = settings.AUTOMINING_SOLVER_CALLS_PER_USER
        taken = bool(client.eval(_TAKE_SLOT, 1, key, now, now + SLOT_SECONDS, limit, token, SLOT_SECONDS))
        if not taken:
            raise SolverBusy(SLOT_WAIT_SECONDS)
    except redis.RedisError:
        logger.warning("solver-call limit of user %s skipped: Redis is unavailable", user_id)
    try:
        yield
    finally:
        if taken:
            with contextlib.suppress(redis.RedisError):
                client.zrem(key, token)
        client.close()


def work(
    participation_id: int, *, attempt: int = 0, last_attempt: bool = False, solving: bool = False
) -> bool:
    """Take the row and move it as far as it goes: join, solve, submit. Safe to run twice, or after a crash.

    Joining and submitting are quick node calls; solving waits for the miner's AI service, which may take a
    minute. So unless `solving` (the solving queue's worker), a row that needs its solver is left for it:
    True means "hand it to the solving queue", and no AI call was made here.
    """
    row = take(participation_id)
    if row is None:
        return False
    try:
        with keep_lease(row.pk):
            needs_solver = _advance(row, solving=solving)
    except SolverBusy:
        release(row.pk)
        raise
    except TryAgain as exc:
        release(row.pk)
        if last_attempt:
            words = f"{exc} Giving up for now; the next scheduled check tries again."
            AutoParticipation.objects.filter(pk=row.pk).update(error=words)
            log_step(row.run_id, words, level="error", task_id=row.task_id)
            note_error(row.user_id, words)
            return False
        raise
    release(row.pk)
    if not needs_solver:
        close_run_if_done(row.run_id)
    return needs_solver


def _transient(row: AutoParticipation, words: str, attempt_hint: float | None = None) -> TryAgain:
    delay = retry_delay(row.attempts - 1, attempt_hint)
    message = f"{words} Trying again in {delay:.0f} s."
    AutoParticipation.objects.filter(pk=row.pk).update(error=message)
    log_step(row.run_id, f"“{row.title}”: {message}", level="error", task_id=row.task_id)
    note_error(row.user_id, message)
    return TryAgain(message, delay)


def _fail(row: AutoParticipation, words: str) -> None:
    _move(row, AutoParticipation.State.FAILED, error=words)
    log_step(row.run_id, f"“{row.title}”: {words}", level="error", task_id=row.task_id)
    note_error(row.user_id, words)


def _advance(row: AutoParticipation, *, solving: bool) -> bool:
    """Move the row forward; True when it stopped because it needs its solver and `solving` is off."""
    account: NodeAccount = row.user.node_account
    State = AutoParticipation.State
    for _ in range(8):  # each pass moves the state forward; a handful covers the whole path
        try:
            if row.state == State.CLAIMED:
                if not _join(row, account):
                    return False
            elif row.state == State.JOINING:
                _settle(row, account, joined=True)
            elif row.state == State.JOINED:
                config: AutoMiningConfig = row.user.automining
                if not config.auto_submit:
                    _move(row, State.WAITING)
                    log_step(
                        row.run_id,
                        f"“{row.title}”: joined; auto-submit is off, so submit it by hand.",
                        task_id=row.task_id,
                    )
                    return False
                if not solving:
                    return True
                with solver_slot(row.user_id):
                    _solve(row, config)
            elif row.state == State.SOLVED:
                _submit(row, account)
            elif row.state == State.SUBMITTING:
                _settle(row, account, joined=False)
            else:
                return False
        except SolverError as exc:
            if exc.permanent:
                _fail(
                    row, f"The AI service could not solve it: {exc}. Your stake stays locked; submit by hand."
                )
                return False
            raise _transient(row, f"The AI service could not answer: {exc}.") from exc
        except TRANSIENT_NODE_ERRORS as exc:
            hint = exc.retry_after if isinstance(exc, RateLimited) else None
            raise _transient(row, node_words(exc), hint) from exc
        except NodeError as exc:
            _fail(row, f"The node refused: {node_words(exc)}")
            return False
    return False


def _join(row: AutoParticipation, account: NodeAccount) -> bool:
    """Join under the account's lock, after checking auto-mining is still on. False when it was turned off."""
    State = AutoParticipation.State
    register_miner(account)  # once per account; takes the account lock itself
    with node.account_lock(account.address):
        if not AutoMiningConfig.objects.filter(user_id=row.user_id, enabled=True).exists():
            # Nothing was sent: forget the claim, so the task may be taken again when mining is back on.
            log_step(
                row.run_id, f"Did not join “{row.title}”: auto-mining was turned off.", task_id=row.task_id
            )
            AutoParticipation.objects.filter(pk=row.pk, state=State.CLAIMED).delete()
            close_run_if_done(row.run_id)
            return False
        if not _move(row, State.JOINING, expect=State.CLAIMED):
            return False
        try:
            with node.client(account) as signed:
                signed.miner.participate_task(row.task_id, row.stake)
        except AlreadyDone:
            pass  # the node already has this participation: that is what we wanted
    _move(row, State.JOINED, error="")
    clear_error(row.user_id)
    log_step(
        row.run_id,
        f"Joined “{row.title}” with a stake of {tos_text(row.stake)} TOS.",
        level="ok",
        task_id=row.task_id,
    )
    return True


def _details(task_id: str) -> TaskDetails:
    with node.client() as reader:
        return reader.get_task_details(task_id)


def _settle(row: AutoParticipation, account: NodeAccount, *, joined: bool) -> None:
    """A write may or may not have reached the node (a crash, a timeout): ask the node which."""
    State = AutoParticipation.State
    details = _details(row.task_id)
    if joined:
        done = account.address in details.participant_addresses()
        _move(row, State.JOINED if done else State.CLAIMED)
        log_step(
            row.run_id,
            f"“{row.title}”: the node {'has' if done else 'does not have'} the participation; continuing.",
            task_id=row.task_id,
        )
    else:
        done = any(item.submitter == account.address for item in details.submissions)
        _move(row, State.SUBMITTED if done else State.SOLVED)
        log_step(
            row.run_id,
            f"“{row.title}”: the node {'has' if done else 'does not have'} the submission; continuing.",
            task_id=row.task_id,
        )


def _solve(row: AutoParticipation, config: AutoMiningConfig) -> None:
    details = _details(row.task_id)
    solver = solver_config(config)
    log_step(
        row.run_id, f"Solving “{row.title}” with the {config.get_solver_kind_display()}.", task_id=row.task_id
    )
    solution = solve(solver, details)
    _move(row, AutoParticipation.State.SOLVED, solution=solution.to_dict(), error="")
    clear_error(row.user_id)


def _submit(row: AutoParticipation, account: NodeAccount) -> None:
    State = AutoParticipation.State
    solution = TaskSolution(**{key: value for key, value in row.solution.items() if value is not None})
    with node.account_lock(account.address):
        if not _move(row, State.SUBMITTING, expect=State.SOLVED):
            return
        try:
            with node.client(account) as signed:
                signed.miner.submit_solution(row.task_id, solution)
        except AlreadyDone:
            pass
    with transaction.atomic():  # the state and its step are seen together: never "submitted" without it
        if _move(row, State.SUBMITTED, expect=State.SUBMITTING, error=""):
            log_step(row.run_id, f"Submitted a solution to “{row.title}”.", level="ok", task_id=row.task_id)
    clear_error(row.user_id)
