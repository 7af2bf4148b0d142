"""Earnings: the credits the node paid to an account, as totals by type, a chart over a period, and a CSV."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from dashboard import node
from dashboard.amounts import tos_exact
from dashboard.fields import AmountSum
from dashboard.models import Credit, NodeAccount
from dashboard.services.tasks import refresh_event_log

#: Periods of the earnings pages and leaderboards, in days (None: since the first credit).
PERIODS: dict[str, int | None] = {"7d": 7, "30d": 30, "all": None}


@dataclass(frozen=True)
class Bar:
    """One bar of the earnings chart: a day, week or month, its amount and its place in the SVG."""

    label: str
    amount: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    """The earnings chart as SVG geometry (the template draws it; no script)."""

    bars: list[Bar]
    bucket: str  # "day", "week" or "month"
    peak: int
    width: int = 640
    height: int = 200
    baseline: int = 180

    @property
    def first_label(self) -> str:
        return self.bars[0].label if self.bars else ""

    @property
    def last_label(self) -> str:
        return self.bars[-1].label if self.bars else ""


@dataclass(frozen=True)
class TypeTotal:
    reward_type: str
    amount: int
    count: int


@dataclass(frozen=True)
class Earnings:
    """What the account was paid in a period: total of the chosen reward types, a chart, totals by type."""

    period: str
    total: int
    chart: Chart
    by_type: list[TypeTotal]
    recent: list[Credit]
    problem: node.NodeProblem | None = None
    reward_types: Sequence[str] = field(default_factory=tuple)


def period_start(period: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """The start of a period (midnight UTC of its first day), None for "all"."""
    days = PERIODS.get(period, PERIODS["30d"])
    if days is None:
        return None
    today = (now or timezone.now()).astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=days - 1)


def earnings(account: NodeAccount, period: str, reward_types: Sequence[str]) -> Earnings:
    """The account's credits of `reward_types` over the period (7d, 30d, all), after catching up on events."""
    problem = refresh_event_log()
    start = period_start(period)
    credits = Credit.objects.to_address(account.address)
    if start is not None:
        credits = credits.filter(paid_at__gte=start)
    earned = credits.filter(reward_type__in=reward_types)
    by_type = [
        TypeTotal(row["reward_type"], int(row["amount"]), int(row["count"]))
        for row in credits.values("reward_type").annotate(amount=AmountSum("amount"), count=Count("id"))
    ]
    by_type.sort(key=lambda total: (total.reward_type not in reward_types, -total.amount))
    points = list(earned.values_list("paid_at", "amount"))
    return Earnings(
        period=period,
        total=sum(amount for _, amount in points),
        chart=chart(points, start),
        by_type=by_type,
        recent=list(earned.order_by("-paid_at", "-event_id")[:20]),
        problem=problem,
        reward_types=tuple(reward_types),
    )


def _bucket_start(moment: dt.date, bucket: str) -> dt.date:
    if bucket == "week":
        return moment - dt.timedelta(days=moment.weekday())
    if bucket == "month":
        return moment.replace(day=1)
    return moment


def _next_bucket(moment: dt.date, bucket: str) -> dt.date:
    if bucket == "week":
        return moment + dt.timedelta(days=7)
    if bucket == "month":
        return (moment.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return moment + dt.timedelta(days=1)


def chart(
    points: Sequence[tuple[dt.datetime, int]], start: dt.datetime | None, today: dt.date | None = None
) -> Chart:
    """Bars of the amounts per day (a period up to 31 days), week (up to 26 weeks) or month, UTC."""
    days = [moment.astimezone(dt.UTC).date() for moment, _ in points]
    # The node's clock may run ahead of ours (a devnet's dev_increase_time): its latest credit still shows.
    end = max([today or timezone.now().astimezone(dt.UTC).date(), *days])
    first = start.date() if start is not None else min(days, default=end)
    span = (end - first).days + 1
    bucket = "day" if span <= 31 else "week" if span <= 26 * 7 else "month"
    totals: dict[dt.date, int] = defaultdict(int)
    for day, (_, amount) in zip(days, points, strict=True):
        totals[_bucket_start(day, bucket)] += amount
    slots = []
    slot = _bucket_start(first, bucket)
    while slot <= end:
        slots.append(slot)
        slot = _next_bucket(slot, bucket)
    peak = max((totals[slot] for slot in slots), default=0)
    base = Chart([], bucket, peak)
    step = base.width / max(1, len(slots))
    bars = []
    for index, slot in enumerate(slots):
        amount = totals[slot]
        # Integer amounts scaled to pixels: a float here is geometry, never money.
        height = 0.0 if not peak else max(1.0, amount / peak * (base.baseline - 10)) if amount else 0.0
        label = slot.strftime("%Y-%m") if bucket == "month" else slot.isoformat()
        bars.append(
            Bar(
                label=label,
                amount=amount,
                x=round(index * step + step * 0.1, 2),
                y=round(base.baseline - height, 2),
                width=round(step * 0.8, 2),
                height=round(height, 2),
            )
        )
    return Chart(bars, bucket, peak)


CSV_HEADER = ["paid_at_utc", "task_id", "reward_type", "amount_atomic", "amount_tos", "reason", "event_seq"]


def credit_rows(account: NodeAccount) -> Iterator[list[str]]:
    """Every credit to the account, oldest first, as CSV rows (UTC ISO times; atomic and exact TOS)."""
    yield CSV_HEADER
    credits = (
        Credit.objects.to_address(account.address).select_related("event").order_by("paid_at", "event_id")
    )
    for credit in credits.iterator():
        yield [
            credit.paid_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            credit.task_id,
            credit.reward_type,
            str(credit.amount),
            tos_exact(credit.amount),
            credit.reason,
            str(credit.event.seq),
        ]
