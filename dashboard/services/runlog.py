"""Auto-mining's run log and its error vocabulary: the steps a run writes, the latest failure shown on the
miner's page, and the transient failures (`TryAgain`) that the Celery tasks retry with backoff.

Both halves of auto-mining (`automining` chooses and claims, `autowork` joins, solves and submits) write
here; this module imports neither.
"""

from __future__ import annotations

import random

from django.utils import timezone

from dashboard import node
from dashboard.models import AutoMiningConfig, AutoMiningRun, AutoMiningStep, AutoParticipation
from tos_ai import NodeConnectionError, NodeError, NodeTimeoutError, NonceMismatch, RateLimited

#: The states in which work remains to be done on a row.
WORK_STATES = (
    AutoParticipation.State.CLAIMED,
    AutoParticipation.State.JOINING,
    AutoParticipation.State.JOINED,
    AutoParticipation.State.SOLVED,
    AutoParticipation.State.SUBMITTING,
)
TRANSIENT_NODE_ERRORS = (NodeConnectionError, NodeTimeoutError, RateLimited, NonceMismatch)


class TryAgain(Exception):
    """A transient failure: retry after `delay` seconds (the error in words is already recorded)."""

    def __init__(self, message: str, delay: float) -> None:
        super().__init__(message)
        self.delay = delay


def retry_delay(attempt: int, hint: float | None = None) -> float:
    """Exponential backoff with jitter: about 2, 4, 8 ... s, capped at 5 minutes; at least the node's hint."""
    cap = min(300.0, 2.0 * 2**attempt)
    return max(hint or 0.0, cap / 2 + random.uniform(0, cap / 2))


def node_words(error: NodeError) -> str:
    """The node's error in words for the run log; the caller says what happens next (auto-mining retries by
    itself, so not the pages' "try again in a moment")."""
    if isinstance(error, RateLimited):
        return "The node is rate limiting this account."
    if isinstance(error, NodeConnectionError | NodeTimeoutError):
        return "The node is unavailable."
    return node.describe(error).message


def log_step(run_id: int | None, message: str, *, level: str = "info", task_id: str = "") -> None:
    if run_id is not None:
        AutoMiningStep.objects.create(run_id=run_id, message=message, level=level, task_id=task_id)


def note_error(user_id: int, message: str) -> None:
    """Keep the latest failure in words on the config, for the miner's page."""
    AutoMiningConfig.objects.filter(user_id=user_id).update(last_error=message, last_error_at=timezone.now())


def clear_error(user_id: int) -> None:
    AutoMiningConfig.objects.filter(user_id=user_id).exclude(last_error="").update(
        last_error="", last_error_at=None
    )


def close_run_if_done(run_id: int | None) -> None:
    """Mark a run done once none of its participations has work left."""
    if run_id is None:
        return
    if AutoParticipation.objects.filter(run_id=run_id, state__in=WORK_STATES).exists():
        return
    AutoMiningRun.objects.filter(pk=run_id, state=AutoMiningRun.State.RUNNING).update(
        state=AutoMiningRun.State.DONE, finished_at=timezone.now()
    )
