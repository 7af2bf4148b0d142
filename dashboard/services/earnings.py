"""Earnings: the credits the node paid to an account, as totals by type, a chart over a period, and a CSV.

One definition of each figure, on every page: what an account *earned* is the sum of its reward credits of
the page's kinds (a miner's winner's shares and shares for passing submissions; a validator's shares);
a stake coming back is the account's own money, listed as "stake returned" and never counted as earned.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from dashboard import node
from dashboard.amounts import tos_exact
from dashboard.fields import AmountSum
from dashboard.models import Credit, NodeAccount, Task
from dashboard.services.tasks import refresh_event_log

#: Periods of the earnings pages and leaderboards, in days (None: since the first credit).
PERIODS: dict[str, int | None] = {"7d": 7, "30d": 30, "all": None}

#: Each reward type in words, as pages show it (CSV files keep the node's codes beside these words).
REWARD_WORDS: dict[str, str] = {
    Credit.RewardType.WINNER: "winner's share",
    Credit.RewardType.PARTICIPANT: "share for a passing submission",
    Credit.RewardType.VALIDATOR: "validator's share",
    Credit.RewardType.STAKE_RETURN: "stake returned",
    Credit.RewardType.REFUND: "refund of escrow",
    Credit.RewardType.NETWORK: "network's share",
}


def reward_words(reward_type: str) -> str:
    """A reward type in words; an unknown code as the node sent it."""
    return REWARD_WORDS.get(reward_type, reward_type.replace("_", " "))


@dataclass(frozen=True)
class EarningsKind:
    """What one earnings page counts as earned, and which of the account's own funds coming back it lists."""

    name: str
    earned: tuple[str, ...]
    earned_words: str
    returned: tuple[str, ...] = ()


MINING = EarningsKind(
    "mining",
    (Credit.RewardType.WINNER, Credit.RewardType.PARTICIPANT),
    "winner's shares and shares for passing submissions",
    (Credit.RewardType.STAKE_RETURN,),
)
VALIDATING = EarningsKind("validating", (Credit.RewardType.VALIDATOR,), "validator's shares")


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
    """The earnings chart as SVG geometry (the template draws it; no script).

    The bars stand on the baseline (y = `baseline`) and the value axis runs from 0 to `top`, a round
    figure at or above the peak: the template labels `ticks` (top, half of it, 0) beside the plot."""

    bars: list[Bar]
    bucket: str  # "day", "week" or "month"
    peak: int
    top: int = 0
    width: int = 640
    height: int = 200
    baseline: int = 200

    @property
    def ticks(self) -> list[int]:
        """The labelled values of the value axis, top first (their lines are at `gridlines`)."""
        return [self.top, self.top // 2, 0] if self.top else [0]

    @property
    def gridlines(self) -> list[int]:
        return [0, self.baseline // 2] if self.top else []

    @property
    def middle_label(self) -> str:
        return self.bars[len(self.bars) // 2].label if len(self.bars) > 2 else ""

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

    @property
    def words(self) -> str:
        return reward_words(self.reward_type)


@dataclass(frozen=True)
class PaidCredit:
    """One credit as a page lists it: when, for which task (by title), what for, how much."""

    paid_at: dt.datetime
    task_id: str
    title: str
    reward_type: str
    amount: int

    @property
    def words(self) -> str:
        return reward_words(self.reward_type)


@dataclass(frozen=True)
class Earnings:
    """What the account earned in a period (the sum of `by_type`), a chart of it, and its stake returned."""

    period: str
    kind: EarningsKind
    total: int
    chart: Chart
    by_type: list[TypeTotal]
    returned: list[TypeTotal]
    recent: list[PaidCredit]
    problem: node.NodeProblem | None = None

    @property
    def days(self) -> int | None:
        return PERIODS.get(self.period)


def period_start(period: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """The start of a period (midnight UTC of its first day), None for "all"."""
    days = PERIODS.get(period, PERIODS["30d"])
    if days is None:
        return None
    today = (now or timezone.now()).astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=days - 1)


def titles_of(task_ids: Iterable[str]) -> dict[str, str]:
    """The stored titles of these tasks (a task the dashboard never stored has none)."""
    return dict(Task.objects.filter(task_id__in=set(task_ids)).values_list("task_id", "title"))


def earnings(account: NodeAccount, period: str, kind: EarningsKind = MINING) -> Earnings:
    """What the account earned of `kind` over the period (7d, 30d, all), after catching up on events."""
    problem = refresh_event_log()
    start = period_start(period)
    credits = Credit.objects.to_address(account.address)
    if start is not None:
        credits = credits.filter(paid_at__gte=start)
    sums = {
        row["reward_type"]: TypeTotal(row["reward_type"], int(row["amount"]), int(row["count"]))
        for row in credits.filter(reward_type__in=kind.earned + kind.returned)
        .values("reward_type")
        .annotate(amount=AmountSum("amount"), count=Count("id"))
    }
    by_type = [sums.get(code, TypeTotal(code, 0, 0)) for code in kind.earned]
    earned = credits.filter(reward_type__in=kind.earned)
    points = list(earned.values_list("paid_at", "amount"))
    latest = list(earned.order_by("-paid_at", "-event_id")[:20])
    titles = titles_of(credit.task_id for credit in latest)
    return Earnings(
        period=period,
        kind=kind,
        total=sum(total.amount for total in by_type),
        chart=chart(points, start),
        by_type=by_type,
        returned=[sums[code] for code in kind.returned if code in sums],
        recent=[
            PaidCredit(c.paid_at, c.task_id, titles.get(c.task_id, ""), c.reward_type, c.amount)
            for c in latest
        ],
        problem=problem,
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
    top = round_top(peak)
    base = Chart([], bucket, peak, top)
    step = base.width / max(1, len(slots))
    bars = []
    for index, slot in enumerate(slots):
        amount = totals[slot]
        # Integer amounts scaled to pixels: a float here is geometry, never money.
        height = max(1.0, amount / top * base.baseline) if amount else 0.0
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
    return Chart(bars, bucket, peak, top)


def round_top(peak: int) -> int:
    """The value axis's top: the smallest 1, 2 or 5 x 10^n atomic units at or above the peak (0 for none)."""
    if peak <= 0:
        return 0
    magnitude = 10 ** (len(str(peak)) - 1)
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= peak)


CSV_HEADER = [
    "paid_at_utc",
    "task_id",
    "reward_type",
    "amount_atomic",
    "amount_tos",
    "reason",
    "event_seq",
    "what",
    "task_title",
]


def credit_rows(account: NodeAccount, kind: EarningsKind = MINING) -> Iterator[list[str]]:
    """The account's credits of `kind` (earned and returned), oldest first, as CSV rows (UTC ISO times;
    atomic and exact TOS; the type's code and its words; the task's title)."""
    yield CSV_HEADER
    credits = (
        Credit.objects.to_address(account.address)
        .filter(reward_type__in=kind.earned + kind.returned)
        .select_related("event")
        .order_by("paid_at", "event_id")
    )
    titles = titles_of(credits.values_list("task_id", flat=True))
    for credit in credits.iterator():
        yield [
            credit.paid_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            credit.task_id,
            credit.reward_type,
            str(credit.amount),
            tos_exact(credit.amount),
            credit.reason,
            str(credit.event.seq),
            reward_words(credit.reward_type),
            titles.get(credit.task_id, ""),
        ]
