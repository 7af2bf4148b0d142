"""Publishing, cancelling and caching tasks."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dashboard import events, node
from dashboard.fields import as_amount
from dashboard.models import NodeAccount, PublishRequest, Task
from tos_ai import Client, NodeError, NodeResponseError, TaskDetails, TaskSummary, UnknownObject, rules

logger = logging.getLogger(__name__)

#: The task types of the node API and the one detail each carries.
TASK_TYPE_DETAILS = rules.TASK_TYPE_DETAILS
ACTIVE_STATUSES = rules.ACTIVE_STATUSES
#: The most tasks one `ai_list_active_tasks` call may return (the node's own limit).
NODE_LIST_LIMIT = rules.MAX_PAGE_LIMIT
#: A search uses at most this many of its words (each one a condition on title and description).
MAX_SEARCH_WORDS = 8
#: At most this many task details are fetched to refresh one "My tasks" page.
MAX_DETAIL_REFRESHES = 10


@dataclass(frozen=True)
class TaskDraft:
    """A task as the publisher filled it in, amounts in atomic units; `task_data()` is what the node gets."""

    title: str
    description: str
    task_type: str
    type_detail: str | int | None
    difficulty: str
    reward: int
    stake_required: int | None
    deadline: datetime | None
    deadline_hours: float | None
    max_participants: int
    verification: str
    required_reviewers: int | None
    consensus_threshold: Decimal | None
    expert_count: int | None
    quality_threshold: int

    def task_data(self) -> dict[str, Any]:
        """The `task_data` of `ai_publish_task`: amounts as integer atomic strings, deadline in Unix seconds."""
        detail_key = TASK_TYPE_DETAILS[self.task_type]
        data: dict[str, Any] = {
            "title": self.title,
            "description": self.description,
            "task_type": {
                self.task_type: {} if self.type_detail in (None, "") else {detail_key: self.type_detail}
            },
            "difficulty_level": self.difficulty,
            "reward_amount": str(self.reward),
            "max_participants": self.max_participants,
            "verification_type": self._verification_type(),
            "quality_threshold": self.quality_threshold,
        }
        if self.stake_required is not None:
            data["stake_required"] = str(self.stake_required)
        if self.deadline is not None:
            data["deadline"] = int(self.deadline.timestamp())
        elif self.deadline_hours is not None:
            data["deadline_hours"] = self.deadline_hours
        return data

    def _verification_type(self) -> str | dict[str, Any]:
        if self.verification == "PeerReview":
            review: dict[str, Any] = {"required_reviewers": self.required_reviewers or 1}
            if self.consensus_threshold is not None:
                review["consensus_threshold"] = float(self.consensus_threshold)  # a ratio, not an amount
            return {"PeerReview": review}
        if self.verification == "ExpertReview":
            return {"ExpertReview": {"expert_count": self.expert_count or 1}}
        return "Automatic"


@dataclass(frozen=True)
class PublishOutcome:
    """What became of one press of "Publish": the task, a press still in flight, or a problem."""

    task_id: str | None = None
    in_progress: bool = False
    problem: node.NodeProblem | None = None


def publish_task(account: NodeAccount, token: uuid.UUID, draft: TaskDraft) -> PublishOutcome:
    """Publish a task once per form token: claim the token, ask the node, cache the task.

    A repeat of a token that published answers with that task; one still in flight says so. A token whose
    attempt failed may be tried again; if that attempt lost the node mid-call, the node is asked first
    whether the task was published after all, so a retry never publishes twice.
    """
    claim, previous_error = _claim_publish(account.user_id, token)
    if claim is None:
        existing = PublishRequest.objects.get(user_id=account.user_id, token=token)
        if existing.state == PublishRequest.State.PUBLISHED:
            return PublishOutcome(task_id=existing.task_id)
        return PublishOutcome(in_progress=True)
    try:
        published = _published_meanwhile(account, draft) if previous_error == node.NODE_UNAVAILABLE else None
        if published is None:
            with node.account_lock(account.address), node.client(account) as signed:
                result = signed.publisher.publish_task(task_data=draft.task_data())
            published = (result.task_id, result.deadline)
    except NodeError as exc:
        problem = node.problem_of(exc)
        # An unavailable node may still have published: the stored words tell the retry to ask it first.
        error = node.NODE_UNAVAILABLE if problem.unavailable else problem.message
        PublishRequest.objects.filter(pk=claim.pk, state=PublishRequest.State.PENDING).update(
            state=PublishRequest.State.FAILED, error=error
        )
        return PublishOutcome(problem=problem)
    task_id, deadline = published
    PublishRequest.objects.filter(pk=claim.pk, state=PublishRequest.State.PENDING).update(
        state=PublishRequest.State.PUBLISHED, task_id=task_id
    )
    if refresh_task(task_id).task is None:
        _cache_draft(account, task_id, deadline, draft)
    return PublishOutcome(task_id=task_id)


def _claim_publish(user_id: int, token: uuid.UUID) -> tuple[PublishRequest | None, str]:
    """Claim the token for this attempt: a new row, or a failed one set back to pending (compare-and-set)."""
    try:
        with transaction.atomic():
            return PublishRequest.objects.create(user_id=user_id, token=token), ""
    except IntegrityError:
        pass
    failed = PublishRequest.objects.filter(user_id=user_id, token=token, state=PublishRequest.State.FAILED)
    previous = failed.values_list("error", flat=True).first()
    if previous is not None and failed.update(state=PublishRequest.State.PENDING, error="") == 1:
        return PublishRequest.objects.get(user_id=user_id, token=token), previous
    return None, ""


def _cache_draft(account: NodeAccount, task_id: str, deadline: int, draft: TaskDraft) -> None:
    """Cache a just-published task from the draft when the node's details could not be read."""
    detail = (
        {} if draft.type_detail in (None, "") else {TASK_TYPE_DETAILS[draft.task_type]: draft.type_detail}
    )
    Task.objects.get_or_create(
        task_id=task_id,
        defaults={
            "title": draft.title,
            "description": draft.description,
            "task_kind": draft.task_type,
            "task_type": {draft.task_type: detail},
            "difficulty": draft.difficulty,
            "reward_amount": draft.reward,
            "stake_required": draft.reward // rules.STAKE_MIN_DIVISOR
            if draft.stake_required is None
            else draft.stake_required,
            "deadline": _moment(deadline),
            "created_at": timezone.now(),
            "status": Task.Status.PUBLISHED,
            "publisher": account.address,
            "max_participants": draft.max_participants,
        },
    )


def _published_meanwhile(account: NodeAccount, draft: TaskDraft) -> tuple[str, int] | None:
    """A task of this publisher matching the draft that no publish request has recorded yet, if any."""
    with node.client() as reader:
        summaries = reader.list_active_tasks({"publisher": account.address}, limit=NODE_LIST_LIMIT)
    recorded = set(
        PublishRequest.objects.filter(user_id=account.user_id)
        .exclude(task_id="")
        .values_list("task_id", flat=True)
    )
    for summary in summaries:
        if (
            summary.title == draft.title
            and summary.reward_amount == draft.reward
            and summary.task_id not in recorded
        ):
            return summary.task_id, summary.deadline
    return None


def refresh_event_log() -> node.NodeProblem | None:
    """Store the node's events not stored yet (credits included); words when the node does not answer."""
    if not node.node_is_up():
        return node.NodeProblem(node.NODE_UNAVAILABLE, unavailable=True)
    try:
        events.catch_up()
    except NodeError as exc:
        return node.problem_of(exc)
    return None


def _moment(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


def _kind(task_type: Any) -> str:
    """The task type's variant name, from `{"CodeAnalysis": {...}}` or a bare `"CodeAnalysis"`."""
    if isinstance(task_type, dict) and task_type:
        return str(next(iter(task_type)))
    return str(task_type)


_SUMMARY_FIELDS = (
    "title",
    "task_kind",
    "task_type",
    "difficulty",
    "reward_amount",
    "stake_required",
    "deadline",
    "status",
    "publisher",
    "participants_count",
    "max_participants",
    "submissions_count",
)


#: The counts' columns hold 32-bit integers.
_COUNT_MAX = 2**31 - 1
#: What building a row raises for values the node sent that no column holds (a year past 9999, an amount of
#: more than 39 digits, a count past 2^31-1).
UNSTORABLE = (ValueError, OverflowError, OSError)


def _count(value: int, name: str) -> int:
    if not 0 <= value <= _COUNT_MAX:
        raise ValueError(f"{name} {value} is outside 0 to {_COUNT_MAX}")
    return value


def _summary_values(summary: TaskSummary) -> dict[str, Any]:
    """The cache's columns from a summary; ValueError (or OverflowError) for a value no column holds."""
    return {
        "title": summary.title[: Task._meta.get_field("title").max_length or 200],
        "task_kind": _kind(summary.task_type)[:40],
        "task_type": summary.task_type if isinstance(summary.task_type, dict) else {summary.task_type: {}},
        "difficulty": summary.difficulty_level[:16],
        "reward_amount": as_amount(summary.reward_amount),
        "stake_required": as_amount(summary.stake_required),
        "deadline": _moment(summary.deadline),
        "status": summary.status[:20],
        "publisher": summary.publisher[:100],
        "participants_count": _count(summary.participants_count, "participants_count"),
        "max_participants": _count(summary.max_participants, "max_participants"),
        "submissions_count": _count(summary.submissions_count, "submissions_count"),
    }


def sync_tasks(summaries: Sequence[TaskSummary]) -> None:
    """Upsert task summaries into the cache in one query; a task first seen here is dated now.

    What a summary does not carry (description, created_at, details) is kept as stored. A summary with a
    value no column holds is left out (and logged): the pages show the others.
    """
    if not summaries:
        return
    now = timezone.now()
    rows = []
    for summary in summaries:
        try:
            rows.append(Task(task_id=summary.task_id[:64], created_at=now, **_summary_values(summary)))
        except UNSTORABLE as exc:
            logger.warning(
                "task %.64s from the node cannot be cached and is left out: %s", summary.task_id, exc
            )
    Task.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["task_id"],
        update_fields=[*_SUMMARY_FIELDS, "synced_at"],
    )


def sync_details(reader: Client, task_ids: Iterable[str]) -> None:
    """Fetch each task's details into the cache with one client; tasks the node does not know, or whose
    details cannot be cached, are skipped."""
    for task_id in task_ids:
        try:
            sync_task(reader.get_task_details(task_id))
        except (UnknownObject, NodeResponseError):
            continue


def sync_task(details: TaskDetails) -> Task:
    """Upsert one task from the node's full answer (participants, submissions, rewards included).

    NodeResponseError when the answer holds a value no column holds: callers treat it as a malformed reply.
    """
    try:
        defaults = {
            **_summary_values(details),
            "description": details.description,
            "created_at": _moment(details.created_at),
            "details": json.loads(json.dumps(details.raw)),
        }
    except UNSTORABLE as exc:
        raise NodeResponseError("ai_get_task_details", "task", f"cannot be cached: {exc}") from exc
    task, _ = Task.objects.update_or_create(task_id=details.task_id, defaults=defaults)
    return task


@dataclass(frozen=True)
class TaskFilters:
    """What the task browser shows: `status` is a status, "active" (the default) or "" for any; `search`
    holds words that must each appear in the title or the description."""

    search: str = ""
    task_type: str = ""
    difficulty: str = ""
    status: str = "active"
    min_reward: int | None = None
    max_reward: int | None = None
    sort: str = "newest"


_SORTS = {
    "newest": ("-created_at", "-id"),
    "reward": ("-reward_amount", "-created_at"),
    "deadline": ("deadline", "-created_at"),
}


@dataclass(frozen=True)
class TaskListing:
    """Tasks from the cache, and why the node could not refresh them, if it could not."""

    tasks: QuerySet[Task]
    problem: node.NodeProblem | None = None


def browse_tasks(filters: TaskFilters) -> TaskListing:
    """Tasks matching the filters, from the cache after one refresh of the active ones from the node."""
    problem = None
    finished_only = filters.status not in ("", "active", *ACTIVE_STATUSES)
    if not finished_only:  # finished tasks are not in the node's active list: they come from the cache
        problem = _refresh_active(filters)
    tasks = Task.objects.all()
    for word in filters.search.split()[:MAX_SEARCH_WORDS]:
        tasks = tasks.filter(Q(title__icontains=word) | Q(description__icontains=word))
    if filters.task_type:
        tasks = tasks.filter(task_kind=filters.task_type)
    if filters.difficulty:
        tasks = tasks.filter(difficulty=filters.difficulty)
    if filters.status == "active":
        tasks = tasks.filter(status__in=ACTIVE_STATUSES)
    elif filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.min_reward is not None:
        tasks = tasks.filter(reward_amount__gte=filters.min_reward)
    if filters.max_reward is not None:
        tasks = tasks.filter(reward_amount__lte=filters.max_reward)
    return TaskListing(tasks.order_by(*_SORTS.get(filters.sort, _SORTS["newest"])), problem)


def _refresh_active(filters: TaskFilters) -> node.NodeProblem | None:
    if not node.node_is_up():
        return node.NodeProblem(node.NODE_UNAVAILABLE, unavailable=True)
    wanted: dict[str, Any] = {
        "task_type": filters.task_type or None,
        "difficulty_level": filters.difficulty or None,
    }
    if filters.status in ACTIVE_STATUSES:
        wanted["status"] = filters.status
    if filters.min_reward is not None:
        wanted["min_reward"] = filters.min_reward
    try:
        with node.client(quick=True) as reader:
            summaries = reader.list_active_tasks(
                wanted, sort_by="created_at", sort_order="desc", limit=NODE_LIST_LIMIT
            )
    except NodeError as exc:
        return node.problem_of(exc)
    sync_tasks(summaries)
    return None


def my_tasks(account: NodeAccount) -> TaskListing:
    """The account's published tasks from the cache, refreshed from the node when it answers."""
    problem = _refresh_published(account)
    return TaskListing(Task.objects.published_by(account.address), problem)


def _refresh_published(account: NodeAccount) -> node.NodeProblem | None:
    if not node.node_is_up():
        return node.NodeProblem(node.NODE_UNAVAILABLE, unavailable=True)
    try:
        with node.client(quick=True) as reader:
            summaries = reader.list_active_tasks({"publisher": account.address}, limit=NODE_LIST_LIMIT)
            sync_tasks(summaries)
            # Details are fetched only where they may have changed unseen: a task that left the active
            # list (completed, expired, cancelled), one never fetched, or one whose submissions get validated.
            active_ids = {summary.task_id for summary in summaries}
            stale = [
                task.task_id
                for task in Task.objects.published_by(account.address).filter(status__in=ACTIVE_STATUSES)
                if task.task_id not in active_ids or not task.details or task.submissions_count
            ][:MAX_DETAIL_REFRESHES]
            sync_details(reader, stale)
    except NodeError as exc:
        return node.problem_of(exc)
    return None


@dataclass(frozen=True)
class TaskLookup:
    """One task, from the node when it answers, else from the cache; None when it is unknown."""

    task: Task | None
    problem: node.NodeProblem | None = None


def refresh_task(task_id: str) -> TaskLookup:
    """The task, refreshed from the node's details; the cached copy when the node does not answer."""
    cached = Task.objects.filter(task_id=task_id).first()
    if not node.node_is_up():
        return TaskLookup(cached, node.NodeProblem(node.NODE_UNAVAILABLE, unavailable=True))
    try:
        with node.client(quick=True) as reader:
            details = reader.get_task_details(task_id)
        return TaskLookup(sync_task(details))
    except UnknownObject:
        return TaskLookup(None)
    except NodeError as exc:
        return TaskLookup(cached, node.problem_of(exc))


def cancel_task(account: NodeAccount, task: Task) -> node.NodeProblem | None:
    """Cancel the account's task on the node (only before anyone joins; the escrow is refunded)."""
    try:
        with node.account_lock(account.address), node.client(account) as signed:
            signed.publisher.cancel_task(task.task_id)
    except NodeError as exc:
        problem = node.problem_of(exc)
        if not problem.unavailable:
            refresh_task(task.task_id)  # show why: someone joined, or the task has ended
        task.refresh_from_db()
        return problem
    Task.objects.filter(pk=task.pk).update(status=Task.Status.CANCELLED)
    refresh_task(task.task_id)
    task.refresh_from_db()
    return None


def people_of(task: Task) -> set[str]:
    """Every address a task's page names: its publisher, participants, submitters, validators, recipients."""
    details = task.details or {}
    people = {task.publisher}
    people |= {str(p.get("miner") or p.get("address") or "") for p in details.get("participants") or []}
    for submission in details.get("submissions") or []:
        people.add(str(submission.get("submitter") or ""))
        people |= {str(v.get("validator") or "") for v in submission.get("validations") or []}
    people |= {str(r.get("recipient") or "") for r in details.get("rewards") or []}
    return people - {""}
