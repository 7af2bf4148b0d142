"""Auto-mining's checks: the shared snapshot of active tasks, choosing and claiming, runs, the relay's hook
and the miner's status. The settings and the toggle are in `autoconfig`, the run log and the transient
failures in `runlog`, the work on a claimed task in `autowork`; Celery work is enqueued through `jobs`.

How the work stays exactly-once where it matters:
- one `AutoParticipation` row per (user, task) (a unique constraint): a task offered twice is claimed once;
- a worker takes a row with a compare-and-set on its lease, renewed while it works, so two workers never
  work on one row and a dead worker's row is taken over once its lease runs out;
- the state moves `claimed → joining → joined → solved → submitting → submitted`, each move stored before
  the node is called; a row found in `joining` or `submitting` is settled by asking the node whether the
  participation or submission exists before anything is sent again (and the node's "already done" counts
  as done).
Transient failures (node unreachable or rate limited, AI service down) raise `TryAgain` with a delay; the
Celery task retries a bounded number of times, and the next check picks up whatever is left.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from dashboard import health, jobs, node, schedules
from dashboard.amounts import tos_text
from dashboard.fields import AmountSum
from dashboard.models import (
    AutoMiningConfig,
    AutoMiningRun,
    AutoMiningStep,
    AutoParticipation,
    NodeAccount,
    NodeEvent,
    Task,
)
from dashboard.services.autoconfig import config_for, stake_within
from dashboard.services.mining import (
    WinRecord,
    history_by_difficulty,
    joined_task_ids,
    may,
    states_of,
    success_estimate,
)
from dashboard.services.runlog import WORK_STATES, TryAgain, log_step, node_words, note_error, retry_delay
from dashboard.services.tasks import NODE_LIST_LIMIT, sync_tasks
from tos_ai import NodeError, TaskSummary, rules

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, User

logger = logging.getLogger(__name__)

#: The active tasks are read from the node at most once per this many seconds, for every miner at once.
SNAPSHOT_SECONDS = 5
SNAPSHOT_KEY = "tosweb:automining:snapshot"
#: A row nobody holds and untouched this long is picked up again by the next check of its miner.
STALE_SECONDS = 10
#: The states in which the miner's stake may be locked on the node.
STAKED_STATES = (*WORK_STATES, AutoParticipation.State.SUBMITTED, AutoParticipation.State.WAITING)
_FINISHED_TASK = (Task.Status.COMPLETED, Task.Status.EXPIRED, Task.Status.CANCELLED)


# --- the shared snapshot of active tasks ---------------------------------------------------------


def active_snapshot(*, must_include: str = "") -> list[TaskSummary]:
    """The node's active tasks, read once for every miner and kept in Redis a few seconds.

    `must_include`: a task just published; a snapshot taken before it is read again.
    Raises NodeError when the node does not answer.
    """
    cached: list[dict[str, Any]] | None = None
    with contextlib.suppress(Exception):  # Redis down costs node reads, not the cycle
        cached = cache.get(SNAPSHOT_KEY)
    if cached is not None and (not must_include or any(row.get("task_id") == must_include for row in cached)):
        return [TaskSummary.parse(row) for row in cached]
    with node.client() as reader:
        summaries = list(reader.list_active_tasks(limit=NODE_LIST_LIMIT))
    with contextlib.suppress(Exception):
        cache.set(SNAPSHOT_KEY, [dict(summary.raw) for summary in summaries], SNAPSHOT_SECONDS)
    sync_tasks(summaries)
    return summaries


def _kind(task_type: Any) -> str:
    if isinstance(task_type, dict) and task_type:
        return str(next(iter(task_type)))
    return str(task_type)


# --- choosing ------------------------------------------------------------------------------------


def reputation_stored(address: str) -> int:
    """The account's reputation from the stored events (no node call per miner), the starting one before any
    change."""
    last = (
        NodeEvent.objects.filter(name="reputation_changed", data__address=address)
        .order_by("-seq")
        .values_list("data", flat=True)
        .first()
    )
    return int(last["new"]) if isinstance(last, dict) and "new" in last else rules.REPUTATION_START


@dataclass(frozen=True)
class Offer:
    """A task worth joining for one miner: the stake the policy gives and the chance of winning (percent)."""

    task: TaskSummary
    stake: int
    success: int


def stake_for(config: AutoMiningConfig, task: TaskSummary) -> int:
    """The configured fraction of the reward, kept within the stakes the node accepts for the task."""
    return stake_within(config, task.reward_amount, task.stake_required)


def _fits(config: AutoMiningConfig, account: NodeAccount, task: TaskSummary) -> bool:
    """The checks that need no query: type, difficulty, time left, not one's own, room left."""
    return (
        task.status in rules.OPEN_STATUSES
        and task.publisher != account.address
        and task.participants_count < task.max_participants
        and task.time_left >= config.min_time_left
        and (not config.target_difficulties or task.difficulty_level in config.target_difficulties)
        and (not config.task_types or _kind(task.task_type) in config.task_types)
    )


def choose(config: AutoMiningConfig, account: NodeAccount, snapshot: Sequence[TaskSummary]) -> list[Offer]:
    """The tasks of the snapshot this miner should join, best chance first (caps are applied when claiming)."""
    candidates = [task for task in snapshot if _fits(config, account, task)]
    if not candidates:
        return []
    ids = [task.task_id for task in candidates]
    taken = set(
        AutoParticipation.objects.filter(user_id=config.user_id, task_id__in=ids).values_list(
            "task_id", flat=True
        )
    )
    taken |= set(joined_task_ids(account.address)) & set(ids)
    candidates = [task for task in candidates if task.task_id not in taken]
    if not candidates:
        return []
    reputation = reputation_stored(account.address)
    history = history_by_difficulty(account.address) if config.min_success_probability > 0 else {}
    threshold = float(config.min_success_probability) * 100
    offers = []
    for task in candidates:
        if not may(reputation, "submit", task.difficulty_level):
            continue
        record = history.get(task.difficulty_level, WinRecord())
        chance = success_estimate(task.difficulty_level, task.participants_count, reputation, record)
        if chance < threshold:
            continue
        offers.append(Offer(task, stake_for(config, task), chance))
    offers.sort(key=lambda offer: (-offer.success, -offer.task.reward_amount, offer.task.deadline))
    return offers


@dataclass(frozen=True)
class Holdings:
    """What the miner's auto-mining holds right now: unfinished participations and their stakes."""

    active: int
    locked: int
    spent_today: int


def holdings(user_id: int, active_ids: set[str] | None = None) -> Holdings:
    """Participations whose stake may still be locked (task not known to be finished), and today's new stakes."""
    staked = AutoParticipation.objects.filter(user_id=user_id, state__in=STAKED_STATES)
    finished = set(
        Task.objects.filter(task_id__in=staked.values("task_id"), status__in=_FINISHED_TASK).values_list(
            "task_id", flat=True
        )
    )
    if active_ids is not None:
        # Submitted rows whose task left the active list are no longer counted as running work.
        finished |= set(
            staked.filter(state__in=(AutoParticipation.State.SUBMITTED, AutoParticipation.State.WAITING))
            .exclude(task_id__in=active_ids)
            .exclude(task_id__in=Task.objects.filter(status=Task.Status.UNDER_VALIDATION).values("task_id"))
            .values_list("task_id", flat=True)
        )
    rows = list(staked.values_list("task_id", "stake"))
    live = [stake for task_id, stake in rows if task_id not in finished]
    since = timezone.now() - dt.timedelta(days=1)
    spent = AutoParticipation.objects.filter(
        user_id=user_id, created_at__gte=since, state__in=STAKED_STATES
    ).aggregate(total=AmountSum("stake"))["total"]
    return Holdings(active=len(live), locked=sum(live), spent_today=int(spent or 0))


def cap_reason(config: AutoMiningConfig, held: Holdings, stake: int) -> str:
    """Why one more participation with `stake` would break a limit ("" when it would not)."""
    if held.active >= config.max_concurrent_tasks:
        return f"already {held.active} unfinished task(s), the most you allow at once"
    if config.max_locked_stake is not None and held.locked + stake > config.max_locked_stake:
        return "the stake would take the locked total past your cap"
    if config.max_stake_per_day is not None and held.spent_today + stake > config.max_stake_per_day:
        return "the stake would take today's new stakes past your daily cap"
    return ""


def claim(
    config: AutoMiningConfig, run: AutoMiningRun, offer: Offer, active_ids: set[str]
) -> tuple[AutoParticipation | None, str]:
    """Claim the task for the miner if the limits allow it; (None, why) when they do not or it is claimed."""
    try:
        with transaction.atomic():
            # Serializes claims of one miner (a row lock on PostgreSQL; SQLite's IMMEDIATE transactions already do).
            fresh = AutoMiningConfig.objects.select_for_update().get(pk=config.pk)
            if not fresh.enabled:
                return None, "auto-mining is off"
            reason = cap_reason(fresh, holdings(config.user_id, active_ids), offer.stake)
            if reason:
                return None, reason
            row = AutoParticipation.objects.create(
                user_id=config.user_id,
                run=run,
                task_id=offer.task.task_id,
                title=offer.task.title[:200],
                stake=offer.stake,
            )
    except IntegrityError:
        return None, "already taken"
    return row, ""


def stale_rows(user_id: int) -> list[int]:
    """Rows of the miner with work left that nobody holds: a worker died or gave up on them."""
    now = timezone.now()
    return list(
        AutoParticipation.objects.filter(
            user_id=user_id, state__in=WORK_STATES, updated_at__lt=now - dt.timedelta(seconds=STALE_SECONDS)
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .values_list("pk", flat=True)
    )


@dataclass
class Cycle:
    """What one check decided: the rows to work on (new claims and rows to resume)."""

    run_id: int | None = None
    work: list[int] = field(default_factory=list)


def run_cycle(user_id: int, trigger: str, *, attempt: int = 0) -> Cycle:
    """One check for one miner: resume unfinished rows, read the shared snapshot, choose, claim."""
    config = AutoMiningConfig.objects.filter(user_id=user_id, enabled=True).first()
    if config is None:
        return Cycle()
    account = NodeAccount.objects.filter(user_id=user_id).first()
    cycle = Cycle(work=stale_rows(user_id))
    run = AutoMiningRun.objects.create(user_id=user_id, trigger=trigger)
    cycle.run_id = run.pk
    if account is None:
        _finish(run, failed="Link a node account on the wallet page: auto-mining acts with it.")
        note_error(user_id, run.error)
        return cycle
    if cycle.work:
        log_step(run.pk, f"Resuming {len(cycle.work)} unfinished task(s).")
    try:
        snapshot = active_snapshot()
    except NodeError as exc:
        delay = retry_delay(attempt)
        words = f"{node_words(exc)} Checking again in {delay:.0f} s."
        _finish(run, failed=words)
        note_error(user_id, words)
        raise TryAgain(words, delay) from exc
    active_ids = {task.task_id for task in snapshot}
    offers = choose(config, account, snapshot)
    claimed = _claim_offers(config, run, offers, active_ids)
    cycle.work += claimed
    summary = f"Looked at {len(snapshot)} active task(s): {len(offers)} suitable, {len(claimed)} taken."
    AutoMiningRun.objects.filter(pk=run.pk).update(summary=summary)
    log_step(run.pk, summary)
    if not claimed:
        _finish(run)
    return cycle


def _claim_offers(
    config: AutoMiningConfig, run: AutoMiningRun, offers: Sequence[Offer], active_ids: set[str]
) -> list[int]:
    claimed = []
    for offer in offers:
        row, why = claim(config, run, offer, active_ids)
        if row is None:
            if why and why != "already taken":
                log_step(run.pk, f"Skipped “{offer.task.title}”: {why}.", task_id=offer.task.task_id)
            if why == "auto-mining is off":
                break
            continue
        claimed.append(row.pk)
        log_step(
            run.pk,
            f"Chose “{offer.task.title}” ({offer.task.difficulty_level}): stake {tos_text(offer.stake)} TOS, "
            f"chance of winning {offer.success}%.",
            task_id=offer.task.task_id,
        )
    return claimed


def _finish(run: AutoMiningRun, *, failed: str = "") -> None:
    run.state = AutoMiningRun.State.FAILED if failed else AutoMiningRun.State.DONE
    run.error = failed
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "error", "finished_at"])
    if failed:
        log_step(run.pk, failed, level="error")
    prune_runs(run.user_id)


RUNS_KEPT_PER_USER = 50


def prune_runs(user_id: int) -> None:
    """Keep each miner's latest runs only: every check writes one, 1,000 miners would add 1,000 a minute."""
    older = AutoMiningRun.objects.filter(user_id=user_id).values_list("pk", flat=True)[RUNS_KEPT_PER_USER:]
    AutoMiningRun.objects.filter(pk__in=list(older)).delete()


def match_published(task_ids: Sequence[str]) -> list[int]:
    """Tasks were just published: offer them to every enabled miner they suit, up to their free places.

    One snapshot read for all miners and all the tasks of a batch (a relay catching up after an outage
    stores many at once); miners are taken in random order so the free places are shared fairly.
    Tasks no longer active are left out: the scheduled checks have seen or will see the rest.
    """
    try:
        snapshot = active_snapshot(must_include=task_ids[-1] if task_ids else "")
    except NodeError:
        logger.warning(
            "%d task(s) published but the node does not answer; the scheduled checks will see them",
            len(task_ids),
        )
        return []
    wanted = set(task_ids)
    tasks = [summary for summary in snapshot if summary.task_id in wanted]
    if not tasks:
        return []
    active_ids = {summary.task_id for summary in snapshot}
    free = {task.task_id: task.max_participants - task.participants_count for task in tasks}
    configs = list(AutoMiningConfig.objects.filter(enabled=True).select_related("user__node_account"))
    random.shuffle(configs)
    work: list[int] = []
    for config in configs:
        open_tasks = [task for task in tasks if free[task.task_id] > 0]
        if not open_tasks:
            break
        account = getattr(config.user, "node_account", None)
        if account is None:
            continue
        offers = choose(config, account, [task for task in open_tasks if _fits(config, account, task)])
        if not offers:
            continue
        run = AutoMiningRun.objects.create(user_id=config.user_id, trigger=AutoMiningRun.Trigger.EVENT)
        claimed = _claim_offers(config, run, offers, active_ids)
        if not claimed:
            _finish(run)
            continue
        work += claimed
        for task_id in AutoParticipation.objects.filter(pk__in=claimed).values_list("task_id", flat=True):
            free[task_id] -= 1
    return work


# --- the relay's hook ------------------------------------------------------------------------------


def on_new_events(events: Sequence[NodeEvent]) -> None:
    """Newly stored events: their `task_published` events wake auto-mining once (one Celery task per batch,
    not one per task or per miner).

    Sent after the commit. A broker outage must not stop the relay: the scheduled checks still see the task.
    """
    published = [event.task_id for event in events if event.name == "task_published" and event.task_id]
    if not published or not AutoMiningConfig.objects.filter(enabled=True).exists():
        return
    jobs.send_on_commit(jobs.MATCH_PUBLISHED_TASKS, robust=True, task_ids=published)


# --- what the miner's page shows -----------------------------------------------------------------


@dataclass(frozen=True)
class AutoRow:
    """One of auto-mining's participations as its page lists it: while auto-mining works on it, the
    work's state; once submitted, the participation's state in the same words as the participations page."""

    participation: AutoParticipation
    state: str
    label: str


def auto_rows(address: str | None, participations: Sequence[AutoParticipation]) -> list[AutoRow]:
    done = (AutoParticipation.State.SUBMITTED, AutoParticipation.State.WAITING)
    finished = [row.task_id for row in participations if row.state in done]
    states = states_of(address, finished) if address and finished else {}
    return [
        AutoRow(row, states[row.task_id], states[row.task_id])
        if row.task_id in states and row.state == AutoParticipation.State.SUBMITTED
        else AutoRow(row, row.state, row.get_state_display())
        for row in participations
    ]


@dataclass(frozen=True)
class Status:
    config: AutoMiningConfig
    current: AutoMiningRun | None
    last: AutoMiningRun | None
    next_check: dt.datetime | None
    participations: list[AutoRow]
    steps: list[AutoMiningStep]
    queue_problem: str = ""


def queue_problem() -> str:
    """Words when the task queue (Redis, the Celery broker) is down: nothing runs until it is back.

    The same per-process probe as the pages' Redis banner: the status polls every few seconds per open
    page, so a poll reads the probe's last answer instead of opening a connection of its own."""
    if health.redis_is_up():
        return ""
    return "The task queue (Redis) is unavailable: auto-mining waits and resumes by itself when it is back."


def status_for(user: User | AbstractBaseUser) -> Status:
    """The miner's auto-mining at a glance: the run under way, the last one, the next check, recent work."""
    config = config_for(user)
    runs = AutoMiningRun.objects.filter(user_id=config.user_id)
    current = runs.filter(state=AutoMiningRun.State.RUNNING).first()
    last = runs.exclude(state=AutoMiningRun.State.RUNNING).first()
    shown = current or last
    steps = list(shown.steps.all()[:50]) if shown else []
    return Status(
        config=config,
        current=current,
        last=last,
        next_check=schedules.next_check(config.user_id) if config.enabled else None,
        participations=auto_rows(
            NodeAccount.objects.filter(user_id=config.user_id).values_list("address", flat=True).first(),
            list(AutoParticipation.objects.filter(user_id=config.user_id)[:10]),
        ),
        steps=steps,
        queue_problem=queue_problem() if config.enabled else "",
    )
