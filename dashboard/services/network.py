"""The network at a glance: rollups of the stored event log, and the public pages that read them.

Each event the relay announces is taken into account once, in the relay's own transaction
(`on_new_events`), so the figures move with the live feed and never count an event twice: per UTC day
(`NetworkDay`), per address all time (`NetworkAddress`) and per address and day (`AddressDay`), plus the
final scores. A page then reads a few small rows, however long the log is (docs/performance.md,
"The network at a glance"). Events stored before the rollups existed are counted by `index_through`
from a beat task, in batches, under the same cursor.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from dashboard.charts import BarChart, LineChart, bar_chart, line_chart
from dashboard.fields import AmountSum, as_amount
from dashboard.livemessages import task_titles
from dashboard.models import (
    AddressDay,
    EventCursor,
    FinalScore,
    NetworkAddress,
    NetworkDay,
    NodeAccount,
    NodeEvent,
    Task,
)
from tos_ai import rules

logger = logging.getLogger(__name__)

CURSOR = "network"
#: Events taken into account in one transaction at most (a first start over a long log takes several).
BATCH_LIMIT = 2000
#: The reward types a miner earns by solving, and the one a validator earns.
MINED_TYPES = ("winner", "participant")
REWARD_TYPES = ("winner", "participant", "validator", "network", "refund", "stake_return")
#: A validation agrees with the final score when it is at most this many points away (the spec's rule).
AGREEMENT_POINTS = rules.VALIDATION_CLOSE_POINTS

_DAY_COUNTS = {
    "task_published": "tasks_published",
    "task_completed": "tasks_completed",
    "task_expired": "tasks_expired",
    "task_cancelled": "tasks_cancelled",
    "participant_joined": "joins",
    "submission_received": "submissions",
    "validation_completed": "validations",
    "miner_registered": "miners_registered",
    "stake_slashed": "slashes",
}
#: Which field of an event names the address it counts for, and the address counter it adds to.
_ADDRESS_COUNTS = {
    "task_published": ("publisher", "published"),
    "participant_joined": ("miner", "joins"),
    "submission_received": ("submitter", "submissions"),
    "validation_completed": ("validator", "validations"),
}


# --- taking events into account --------------------------------------------------------------------


@dataclass
class _Figures:
    counts: Counter[str] = field(default_factory=Counter)
    reputation: int | None = None


@dataclass
class _Batch:
    """What a run of events adds, before it is written: one entry per day, address and address-day."""

    days: dict[dt.date, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    addresses: dict[str, _Figures] = field(default_factory=lambda: defaultdict(_Figures))
    address_days: dict[tuple[str, dt.date], _Figures] = field(default_factory=lambda: defaultdict(_Figures))
    registered: set[str] = field(default_factory=set)
    seen: dict[str, tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)
    scores: list[FinalScore] = field(default_factory=list)

    def add(self, address: Any, day: dt.date, at: dt.datetime, name: str, amount: int = 1) -> None:
        if not isinstance(address, str) or not address:
            return
        self.addresses[address].counts[name] += amount
        self.address_days[(address, day)].counts[name] += amount
        first, last = self.seen.get(address, (at, at))
        self.seen[address] = (min(first, at), max(last, at))

    def reputation(self, address: Any, day: dt.date, at: dt.datetime, value: Any) -> None:
        if not isinstance(address, str) or not address or not _is_int(value):
            return
        self.add(address, day, at, "_seen", 0)
        self.addresses[address].reputation = int(value)
        self.address_days[(address, day)].reputation = int(value)


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True


def _amount(value: Any) -> int:
    """An event's amount as the rollups count it (one no column can hold counts as nothing)."""
    try:
        return as_amount(value)
    except ValueError:
        return 0


def _cursor() -> EventCursor:
    """This consumer's cursor row, locked until the transaction ends (created at 0 the first time)."""
    cursor = EventCursor.objects.select_for_update().filter(name=CURSOR).first()
    if cursor is None:
        cursor, _ = EventCursor.objects.get_or_create(name=CURSOR)
        cursor = EventCursor.objects.select_for_update().get(pk=cursor.pk)
    return cursor


def on_new_events(events: Sequence[NodeEvent]) -> None:
    """The relay's hook, inside its transaction: take the announced events (and any before) into account.

    A failure here must not stop the relay: it is logged and the events are counted later by the beat task
    (`index_through` from the cursor), which is also what counts them when the savepoint rolls back.
    """
    if not events:
        return
    try:
        with transaction.atomic():
            index_through(max(event.seq for event in events))
    except Exception:
        logger.exception("the network figures could not take events up to #%s into account", events[-1].seq)


def index_through(top: int, *, limit: int = BATCH_LIMIT) -> int:
    """Take every stored event after the cursor and up to `top` into account (at most `limit`); how many."""
    with transaction.atomic():
        cursor = _cursor()
        if top <= cursor.seq:
            return 0
        # Plain rows, not model instances: a first count of a long log reads every event once.
        events = list(
            NodeEvent.objects.filter(seq__gt=cursor.seq, seq__lte=top)
            .order_by("seq")
            .values_list("seq", "name", "timestamp", "data", "task_id", named=True)[:limit]
        )
        if events:
            _write(_collect(events))
        cursor.seq = events[-1].seq if len(events) == limit else top
        cursor.save(update_fields=["seq", "updated_at"])
        return len(events)


def catch_up(*, batches: int = 50) -> int:
    """Count every stored event not counted yet, a batch per transaction (the beat task); how many."""
    top = NodeEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    total = 0
    for _ in range(batches):
        done = index_through(top)
        total += done
        if done < BATCH_LIMIT:
            break
    return total


def counted_through() -> int:
    """The last seq the figures take into account."""
    return int(EventCursor.objects.filter(name=CURSOR).values_list("seq", flat=True).first() or 0)


def _collect(events: Sequence[Any]) -> _Batch:
    """What the events add, from rows with `seq`, `name`, `timestamp`, `data` and `task_id`."""
    batch = _Batch()
    completed = [event for event in events if event.name == "task_completed" and event.task_id]
    people = _task_people([event.task_id for event in completed])
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        at = event.timestamp
        day = at.astimezone(dt.UTC).date()
        column = _DAY_COUNTS.get(event.name)
        if column:
            batch.days[day][column] += 1
        if event.name in _ADDRESS_COUNTS:
            key, counter = _ADDRESS_COUNTS[event.name]
            batch.add(data.get(key), day, at, counter)
        if event.name == "reward_distributed":
            reward_type = str(data.get("reward_type") or "")
            amount = _amount(data.get("amount"))
            if reward_type in REWARD_TYPES:
                batch.days[day][f"reward_{reward_type}"] += amount
            recipient = data.get("recipient")
            if reward_type in MINED_TYPES:
                batch.add(recipient, day, at, "mined", amount)
            if reward_type == "winner":
                batch.add(recipient, day, at, "wins")
            if reward_type == "validator":
                batch.add(recipient, day, at, "validated", amount)
        elif event.name == "reputation_changed":
            batch.reputation(data.get("address"), day, at, data.get("new"))
        elif event.name == "miner_registered":
            address = data.get("miner_address")
            if isinstance(address, str) and address:
                batch.registered.add(address)
                batch.reputation(address, day, at, data.get("reputation"))
        elif event.name == "task_completed":
            _judge(batch, event, data, people.get(event.task_id, _People()), day, at)
    return batch


@dataclass
class _People:
    submitters: dict[str, str] = field(default_factory=dict)
    #: (validator, submission_id, score) of every validation of the task.
    validations: list[tuple[str, str, int]] = field(default_factory=list)


def _task_people(task_ids: Sequence[str]) -> dict[str, _People]:
    """The submitters and validations of these tasks, from their stored events (one query)."""
    people: dict[str, _People] = defaultdict(_People)
    if not task_ids:
        return people
    rows = NodeEvent.objects.filter(
        task_id__in=set(task_ids), name__in=("submission_received", "validation_completed")
    ).values_list("task_id", "name", "data")
    for task_id, name, data in rows:
        if not isinstance(data, dict):
            continue
        if name == "submission_received":
            people[task_id].submitters[str(data.get("submission_id"))] = str(data.get("submitter") or "")
        elif _is_int(data.get("score")):
            people[task_id].validations.append(
                (str(data.get("validator") or ""), str(data.get("submission_id")), int(data["score"]))
            )
    return people


def _judge(
    batch: _Batch, event: NodeEvent, data: dict[str, Any], people: _People, day: dt.date, at: Any
) -> None:
    """A completed task: its final scores, and how each validation compares with them."""
    given = data.get("final_scores")
    scores: dict[str, Any] = given if isinstance(given, dict) else {}
    winning = str(data.get("winning_submission_id") or "")
    for submission_id, score in scores.items():
        submitter = people.submitters.get(str(submission_id), "")
        if submitter and _is_int(score):
            batch.scores.append(
                FinalScore(
                    address=submitter[:100],
                    task_id=event.task_id,
                    submission_id=str(submission_id)[:64],
                    score=int(score),
                    won=str(submission_id) == winning,
                    at=at,
                )
            )
    for validator, submission_id, score in people.validations:
        final = scores.get(submission_id)
        if final is not None and _is_int(final):
            batch.add(validator, day, at, "judged")
            if abs(score - int(final)) <= AGREEMENT_POINTS:
                batch.add(validator, day, at, "agreed")


_ADDRESS_FIELDS = (
    "published",
    "joins",
    "submissions",
    "wins",
    "mined",
    "validations",
    "judged",
    "agreed",
    "validated",
)
_NETWORK_DAY_FIELDS = (*_DAY_COUNTS.values(), *(f"reward_{kind}" for kind in REWARD_TYPES))


def _write(batch: _Batch) -> None:
    """Add the batch to the stored rows: read the rows it touches, add in Python, and write them back with
    one upsert a table (the cursor's lock keeps any other writer out meanwhile)."""
    days = {row.day: row for row in NetworkDay.objects.filter(day__in=list(batch.days))}
    day_rows = []
    for day, counts in batch.days.items():
        row = days.get(day) or NetworkDay(day=day)
        for column, amount in counts.items():
            setattr(row, column, getattr(row, column) + amount)
        day_rows.append(row)
    _upsert(NetworkDay, day_rows, ["day"], list(_NETWORK_DAY_FIELDS))

    stored = {row.address: row for row in NetworkAddress.objects.filter(address__in=list(batch.addresses))}
    address_rows = []
    for address, figures in batch.addresses.items():
        known = stored.get(address) or NetworkAddress(address=address[:100])
        _add(known, figures)
        first, last = batch.seen[address]
        known.first_seen = min(known.first_seen or first, first)
        known.last_seen = max(known.last_seen or last, last)
        known.registered_miner = known.registered_miner or address in batch.registered
        address_rows.append(known)
    _upsert(
        NetworkAddress,
        address_rows,
        ["address"],
        [*_ADDRESS_FIELDS, "reputation", "first_seen", "last_seen", "registered_miner"],
    )

    # The rows of the batch's addresses on the batch's days (a superset of the pairs it touches).
    pairs = batch.address_days
    stored_days = {
        (row.address, row.day): row
        for row in AddressDay.objects.filter(
            address__in={address for address, _ in pairs}, day__in={day for _, day in pairs}
        )
        if (row.address, row.day) in pairs
    }
    address_day_rows = []
    for (address, day), figures in pairs.items():
        address_day = stored_days.get((address, day)) or AddressDay(address=address[:100], day=day)
        _add(address_day, figures)
        address_day_rows.append(address_day)
    _upsert(AddressDay, address_day_rows, ["address", "day"], [*_ADDRESS_FIELDS, "reputation"])
    FinalScore.objects.bulk_create(batch.scores, ignore_conflicts=True)


def _upsert(model: Any, rows: Sequence[Any], keys: list[str], fields: list[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE the fields: new rows and changed ones in one statement."""
    if not rows:
        return
    for row in rows:
        row.pk = None  # the conflict is on the keys; an id would conflict first
    model.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=keys, update_fields=fields, batch_size=500
    )


def _add(row: NetworkAddress | AddressDay, figures: _Figures) -> None:
    for name, amount in figures.counts.items():
        if name in _ADDRESS_FIELDS:
            setattr(row, name, getattr(row, name) + amount)
    if figures.reputation is not None:
        row.reputation = figures.reputation


def rebuild() -> int:
    """Count the whole stored log again from nothing (after a restore, or to check the rollups)."""
    with transaction.atomic():
        _cursor()  # holds the cursor: the relay's hook waits until the rebuild is in
        NetworkDay.objects.all().delete()
        NetworkAddress.objects.all().delete()
        AddressDay.objects.all().delete()
        FinalScore.objects.all().delete()
        EventCursor.objects.filter(name=CURSOR).update(seq=0)
    return catch_up(batches=10_000)


# --- what the public pages show --------------------------------------------------------------------

#: Days of activity the network page charts.
CHART_DAYS = 30
BOARD_SIZE = 5
PERIOD_DAYS: dict[str, int | None] = {"7d": 7, "30d": 30, "all": None}


@dataclass(frozen=True)
class Standing:
    """One leaderboard row: an address, its dashboard username (if any), and the figure it is ranked by."""

    address: str
    name: str
    figure: int
    judged: int = 0

    @property
    def agreement(self) -> int | None:
        return round(100 * self.figure / self.judged) if self.judged else None


@dataclass(frozen=True)
class Boards:
    period: str
    by_earnings: list[Standing]
    by_wins: list[Standing]
    by_reputation: list[Standing]
    by_validations: list[Standing]
    by_agreement: list[Standing]


@dataclass(frozen=True)
class TypeShare:
    reward_type: str
    amount: int


@dataclass(frozen=True)
class Glance:
    """The network page: the counts, a month of activity as charts, rewards by type and the boards."""

    active_tasks: int
    miners: int
    active_miners: int
    active_validators: int
    rewards_distributed: int
    rewards_week: int
    tasks_chart: BarChart
    rewards_chart: BarChart
    by_type: list[TypeShare]
    boards: Boards
    counted_through: int
    stored_through: int


def _today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def _month(end: dt.date) -> list[dt.date]:
    return [end - dt.timedelta(days=offset) for offset in range(CHART_DAYS - 1, -1, -1)]


def glance(period: str = "7d") -> Glance:
    """What the network looks like now, from the rollups (a fixed number of queries on small tables)."""
    today = _today()
    days = _month(today)
    recent = {row.day: row for row in NetworkDay.objects.filter(day__gte=days[0])}
    totals = NetworkDay.objects.aggregate(
        miners=Sum("miners_registered"), **{kind: AmountSum(f"reward_{kind}") for kind in REWARD_TYPES}
    )
    week = today - dt.timedelta(days=6)
    activity = AddressDay.objects.filter(day__gte=week)
    tasks_chart = bar_chart(
        [day.isoformat() for day in days],
        {
            Task.Status.PUBLISHED.label: [
                recent[day].tasks_published if day in recent else 0 for day in days
            ],
            Task.Status.COMPLETED.label: [
                recent[day].tasks_completed if day in recent else 0 for day in days
            ],
        },
        unit="tasks",
    )
    rewards_chart = bar_chart(
        [day.isoformat() for day in days],
        {"Rewards": [recent[day].rewards if day in recent else 0 for day in days]},
        unit="tos",
    )
    by_type = sorted(
        (TypeShare(kind, int(totals[kind] or 0)) for kind in REWARD_TYPES if totals[kind]),
        key=lambda share: -share.amount,
    )
    stored = NodeEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    return Glance(
        active_tasks=Task.objects.filter(status__in=rules.ACTIVE_STATUSES).count(),
        miners=int(totals["miners"] or 0),
        active_miners=activity.filter(joins__gt=0).values("address").distinct().count(),
        active_validators=activity.filter(validations__gt=0).values("address").distinct().count(),
        rewards_distributed=sum(int(totals[kind] or 0) for kind in ("winner", "participant", "validator")),
        rewards_week=sum(recent[day].rewards for day in days[-7:] if day in recent),
        tasks_chart=tasks_chart,
        rewards_chart=rewards_chart,
        by_type=by_type,
        boards=boards(period, size=BOARD_SIZE),
        counted_through=counted_through(),
        stored_through=int(stored),
    )


def boards(period: str, *, size: int = 20) -> Boards:
    """The leaderboards over 7 days, 30 days or all time, from the rollups."""
    days = PERIOD_DAYS.get(period, 7)
    if days is None:
        rows = NetworkAddress.objects.all()
        standings = {
            "by_earnings": _ranked(rows.filter(mined__gt=0).order_by("-mined", "address"), "mined", size),
            "by_wins": _ranked(rows.filter(wins__gt=0).order_by("-wins", "-mined", "address"), "wins", size),
            "by_validations": _ranked(
                rows.filter(validations__gt=0).order_by("-validations", "address"), "validations", size
            ),
        }
        agreement = list(rows.filter(judged__gt=0).values_list("address", "agreed", "judged"))
    else:
        since = _today() - dt.timedelta(days=days - 1)
        sums = (
            AddressDay.objects.filter(day__gte=since)
            .values("address")
            .annotate(
                mined=AmountSum("mined"),
                wins=Sum("wins"),
                validations=Sum("validations"),
                agreed=Sum("agreed"),
                judged=Sum("judged"),
            )
        )
        totals = list(sums)
        standings = {
            "by_earnings": _top(totals, "mined", size),
            "by_wins": _top(totals, "wins", size),
            "by_validations": _top(totals, "validations", size),
        }
        agreement = [
            (row["address"], int(row["agreed"]), int(row["judged"])) for row in totals if row["judged"]
        ]
    # Reputation is the current one whatever the period; only miners that registered or took part count.
    reputation = _ranked(
        NetworkAddress.objects.filter(reputation__isnull=False)
        .filter(Q(registered_miner=True) | Q(joins__gt=0) | Q(validations__gt=0))
        .order_by("-reputation", "address"),
        "reputation",
        size,
    )
    by_agreement = [
        Standing(address, "", agreed, judged)
        for address, agreed, judged in sorted(agreement, key=lambda row: (-row[1] / row[2], -row[2], row[0]))[
            :size
        ]
    ]
    named = _named(
        [
            *standings["by_earnings"],
            *standings["by_wins"],
            *standings["by_validations"],
            *reputation,
            *by_agreement,
        ]
    )
    return Boards(
        period if period in PERIOD_DAYS else "7d",
        by_earnings=[named(row) for row in standings["by_earnings"]],
        by_wins=[named(row) for row in standings["by_wins"]],
        by_reputation=[named(row) for row in reputation],
        by_validations=[named(row) for row in standings["by_validations"]],
        by_agreement=[named(row) for row in by_agreement],
    )


def _ranked(rows: QuerySet[NetworkAddress], figure: str, size: int) -> list[Standing]:
    return [Standing(row.address, "", int(getattr(row, figure) or 0)) for row in rows[:size]]


def _top(totals: Sequence[Mapping[str, Any]], figure: str, size: int) -> list[Standing]:
    ranked = sorted(
        (row for row in totals if row[figure]), key=lambda row: (-int(row[figure]), row["address"])
    )
    return [Standing(row["address"], "", int(row[figure])) for row in ranked[:size]]


def _named(rows: Sequence[Standing]) -> Callable[[Standing], Standing]:
    names = dict(
        NodeAccount.objects.filter(address__in={row.address for row in rows}).values_list(
            "address", "user__username"
        )
    )

    def named(row: Standing) -> Standing:
        return Standing(row.address, names.get(row.address, ""), row.figure, row.judged)

    return named


# --- a public profile ------------------------------------------------------------------------------

PROFILE_DAYS = 90


@dataclass(frozen=True)
class ScoreRow:
    score: FinalScore
    title: str


@dataclass(frozen=True)
class PublicProfile:
    """One address as anyone may see it: reputation over time, wins, earnings and recent final scores."""

    address: str
    name: str
    figures: NetworkAddress
    reputation_chart: LineChart
    earnings_chart: BarChart
    earned_month: int
    recent_scores: list[ScoreRow]
    open_tasks: int


def public_profile(address: str) -> PublicProfile | None:
    """The address's public figures, or None when the network never saw it."""
    figures = NetworkAddress.objects.filter(address=address).first()
    if figures is None:
        return None
    today = _today()
    start = today - dt.timedelta(days=PROFILE_DAYS - 1)
    days = list(AddressDay.objects.filter(address=address, day__gte=start).order_by("day"))
    before = (
        AddressDay.objects.filter(address=address, day__lt=start, reputation__isnull=False)
        .order_by("-day")
        .values_list("reputation", flat=True)
        .first()
    )
    points: list[tuple[str, int]] = []
    if before is not None:
        points.append((start.isoformat(), int(before)))
    points += [(row.day.isoformat(), int(row.reputation)) for row in days if row.reputation is not None]
    if points and figures.reputation is not None and points[-1][0] != today.isoformat():
        points.append((today.isoformat(), int(figures.reputation)))
    month = [today - dt.timedelta(days=offset) for offset in range(CHART_DAYS - 1, -1, -1)]
    earned = {row.day: row.mined + row.validated for row in days}
    name = NodeAccount.objects.filter(address=address).values_list("user__username", flat=True).first() or ""
    scores = list(FinalScore.objects.filter(address=address).order_by("-at")[:10])
    titles = task_titles(score.task_id for score in scores)
    return PublicProfile(
        address=address,
        name=name,
        figures=figures,
        reputation_chart=line_chart(points, unit="points"),
        earnings_chart=bar_chart(
            [day.isoformat() for day in month], {"Earned": [earned.get(day, 0) for day in month]}, unit="tos"
        ),
        earned_month=sum(earned.get(day, 0) for day in month),
        recent_scores=[ScoreRow(score, titles.get(score.task_id, "")) for score in scores],
        open_tasks=Task.objects.filter(publisher=address, status__in=rules.ACTIVE_STATUSES).count(),
    )
