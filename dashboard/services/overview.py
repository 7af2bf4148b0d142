"""The overview: the page a person opens every day, answering "how am I doing, and what needs me?".

One section per role the person chose, each built on its own so that a live event refreshes only the
section it concerns (the page asks for `#account`, `#publisher`, `#miner` or `#validator`). Figures come
from the services the role's own pages use, and from the network rollups, so a number here agrees with
the same number there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from dashboard import node
from dashboard.charts import BarChart, bar_chart
from dashboard.models import AddressDay, NetworkAddress, NodeAccount, Task
from dashboard.services import automining, mining, tasks, validation
from dashboard.services.accounts import AccountOverview, account_overview

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

#: Days of the miner's earnings chart.
CHART_DAYS = 30
#: At most this many open and completed tasks, participations and waiting submissions are listed.
LISTED = 5
SECTIONS = ("account", "publisher", "miner", "validator")


def _today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


@dataclass(frozen=True)
class AccountSection:
    """Balance, locked stake and escrow, from the node (None with the node's words when it is down)."""

    figures: AccountOverview | None
    problem: node.NodeProblem | None = None


def account_section(account: NodeAccount) -> AccountSection:
    if not node.node_is_up():
        return AccountSection(None, node.NodeProblem(node.NODE_UNAVAILABLE, unavailable=True))
    reading = account_overview(account)
    return AccountSection(reading.overview, reading.problem)


@dataclass(frozen=True)
class OpenTask:
    task: Task

    @property
    def validations(self) -> int:
        return self.task.validations_count


@dataclass(frozen=True)
class CompletedTask:
    task: Task
    paid: int
    winner: str


@dataclass(frozen=True)
class PublisherSection:
    open_tasks: list[OpenTask]
    open_count: int
    completed: list[CompletedTask]
    problem: node.NodeProblem | None = None


def publisher_section(account: NodeAccount) -> PublisherSection:
    """Open tasks with their progress (soonest deadline first), and the latest completed with payouts."""
    listing = tasks.my_tasks(account)
    mine = Task.objects.published_by(account.address)
    open_tasks = mine.filter(status__in=tasks.ACTIVE_STATUSES).order_by("deadline")
    completed = []
    for task in mine.filter(status=Task.Status.COMPLETED).order_by("-deadline")[:LISTED]:
        rewards = task.details.get("rewards") or []
        paid = sum(
            int(reward.get("amount") or 0) for reward in rewards if reward.get("reward_type") != "refund"
        )
        winner = next(
            (str(reward.get("recipient")) for reward in rewards if reward.get("reward_type") == "winner"), ""
        )
        completed.append(CompletedTask(task, paid, winner))
    return PublisherSection(
        open_tasks=[OpenTask(task) for task in open_tasks[:LISTED]],
        open_count=open_tasks.count(),
        completed=completed,
        problem=listing.problem,
    )


@dataclass(frozen=True)
class NextUnlock:
    """The nearest thing the reputation does not allow yet: an action at a difficulty, and the points missing."""

    action: str
    difficulty: str
    missing: int


def next_unlock(reputation: int | None) -> NextUnlock | None:
    if reputation is None:
        return None
    nearest = [
        NextUnlock(actions.action, level.difficulty, level.missing)
        for actions in mining.unlocks(reputation)
        if (level := actions.next) is not None
    ]
    return min(nearest, key=lambda unlock: unlock.missing, default=None)


@dataclass(frozen=True)
class ActiveParticipation:
    task: Task
    state: str
    words: str


@dataclass(frozen=True)
class MinerSection:
    automining: automining.Status
    participations: list[ActiveParticipation]
    active_count: int
    #: Tasks joined whose solution is still to be submitted (by hand, or auto-mining is still at it).
    to_submit: int
    earned_week: int
    earned_month: int
    chart: BarChart
    reputation: int | None
    unlock: NextUnlock | None
    problem: node.NodeProblem | None = None

    @property
    def failing(self) -> bool:
        return bool(self.automining.config.enabled and self.automining.config.last_error)


def earned_per_day(address: str, field: str, days: int = CHART_DAYS) -> list[tuple[dt.date, int]]:
    """What the address earned each day of the last `days` (UTC), from the rollups: `mined` or `validated`."""
    today = _today()
    start = today - dt.timedelta(days=days - 1)
    stored = dict(AddressDay.objects.filter(address=address, day__gte=start).values_list("day", field))
    return [(day, int(stored.get(day) or 0)) for day in (start + dt.timedelta(days=n) for n in range(days))]


def miner_section(user: AbstractBaseUser, account: NodeAccount) -> MinerSection:
    """Auto-mining's state, active participations by deadline, earnings of 7 and 30 days, reputation."""
    status = automining.status_for(user)
    listing = mining.my_participations(account)
    active = [
        row
        for row in listing.rows
        if row.task.status in tasks.ACTIVE_STATUSES and row.state in ("staked", "submitted", "validated")
    ]
    active.sort(key=lambda row: row.task.deadline)
    days = earned_per_day(account.address, "mined")
    reputation = mining.reputation_of(account.address) if listing.problem is None else None
    if reputation is None:
        reputation = (
            NetworkAddress.objects.filter(address=account.address)
            .values_list("reputation", flat=True)
            .first()
        )
    return MinerSection(
        automining=status,
        participations=[ActiveParticipation(row.task, row.state, row.words) for row in active[:LISTED]],
        active_count=len(active),
        to_submit=sum(1 for row in active if row.state == "staked"),
        earned_week=sum(amount for _, amount in days[-7:]),
        earned_month=sum(amount for _, amount in days),
        chart=bar_chart([day.isoformat() for day, _ in days], {"Earned": [a for _, a in days]}, unit="tos"),
        reputation=reputation,
        unlock=next_unlock(reputation),
        problem=listing.problem,
    )


@dataclass(frozen=True)
class Waiting:
    task: Task
    submission_id: str
    submitted_at: dt.datetime | None


@dataclass(frozen=True)
class ValidatorSection:
    queue_length: int
    oldest: Waiting | None
    waiting: list[Waiting]
    earned_week: int
    earned_month: int
    agreement: int | None
    judged: int
    problem: node.NodeProblem | None = None


def _submitted_at(submission: dict[str, Any]) -> dt.datetime | None:
    when = submission.get("submitted_at")
    if isinstance(when, int | float) and not isinstance(when, bool):
        return dt.datetime.fromtimestamp(int(when), tz=dt.UTC)
    return None


def validator_section(account: NodeAccount) -> ValidatorSection:
    """The review queue's length and its oldest submission, validation earnings, agreement with final scores."""
    queue = validation.review_queue(account, "review")
    waiting = [Waiting(item.task, item.submission_id, _submitted_at(item.submission)) for item in queue.items]
    dated = [item for item in waiting if item.submitted_at is not None]
    oldest = min(dated, key=lambda item: item.submitted_at or timezone.now(), default=None)
    if oldest is None and waiting:
        oldest = waiting[0]
    days = earned_per_day(account.address, "validated")
    figures = NetworkAddress.objects.filter(address=account.address).first()
    return ValidatorSection(
        queue_length=len(waiting),
        oldest=oldest,
        waiting=waiting[:LISTED],
        earned_week=sum(amount for _, amount in days[-7:]),
        earned_month=sum(amount for _, amount in days),
        agreement=figures.agreement if figures else None,
        judged=figures.judged if figures else 0,
        problem=queue.problem,
    )
