"""The miner's side: preferences, suitable tasks, joining and submitting, participations, reputation, and the
miners' leaderboard (earnings are in `earnings`).

Participations and earnings come from the stored event log (`events.catch_up()` brings it up to date) and the
task cache; the node is asked only for what changes unseen (task details of active tasks, reputation).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from dashboard import node
from dashboard.fields import AmountSum
from dashboard.models import Credit, NodeAccount, NodeEvent, Profile, Task
from dashboard.services.accounts import register_miner
from dashboard.services.earnings import period_start
from dashboard.services.tasks import (
    ACTIVE_STATUSES,
    MAX_DETAIL_REFRESHES,
    TaskFilters,
    browse_tasks,
    refresh_event_log,
    sync_details,
)
from tos_ai import DIFFICULTY_LEVELS, MinerStats, NodeError, TaskSolution, difficulty_rank, rules

#: The reputation each action the reputation page shows needs, per difficulty, lowest level first.
REPUTATION_MINIMUMS: dict[str, tuple[int, ...]] = {
    action: tuple(rules.MIN_REPUTATION[action][level] for level in DIFFICULTY_LEVELS)
    for action in ("publish", "submit", "validate")
}
#: Rewards a miner earns by solving (the chart and total of the miner's earnings page).
MINER_REWARD_TYPES = (Credit.RewardType.WINNER, Credit.RewardType.PARTICIPANT)
#: Statuses in which a task still takes participants.
JOINABLE_STATUSES = rules.OPEN_STATUSES
#: Reputation read from the node is reused this long (seconds), so leaderboards make few node calls.
STATS_CACHE_SECONDS = 60
#: The leaderboard asks the node for at most this many miners' reputations, in one batch.
MAX_REPUTATION_LOOKUPS = 50


def refresh_details(task_ids: Sequence[str]) -> node.NodeProblem | None:
    """Fetch the node's details of these tasks into the cache, with one client."""
    if not task_ids:
        return None
    if not node.node_is_up():
        return node.NodeProblem(node.NODE_UNAVAILABLE, unavailable=True)
    try:
        with node.client(quick=True) as reader:
            sync_details(reader, task_ids)
    except NodeError as exc:
        return node.problem_of(exc)
    return None


def miner_stats(addresses: Sequence[str], *, fresh: bool = False) -> dict[str, MinerStats]:
    """The node's miner stats of these addresses: from the cache when read within a minute, else one call each
    (at most MAX_REPUTATION_LOOKUPS per page, on one connection)."""
    keys = {address: f"tosweb:miner-stats:{address}" for address in dict.fromkeys(addresses)}
    try:
        cached: dict[str, Any] = {} if fresh else cache.get_many(list(keys.values()))
    except Exception:  # the cache (Redis) being down costs node calls, not the page
        cached = {}
    # The node's raw answers are cached (plain JSON), and parsed again on the way out.
    found = {address: MinerStats.parse(cached[key]) for address, key in keys.items() if key in cached}
    missing = [address for address in keys if address not in found][:MAX_REPUTATION_LOOKUPS]
    if missing and node.node_is_up():
        answers: dict[str, MinerStats] = {}
        try:
            with node.client(quick=True) as reader:
                for address in missing:
                    answers[address] = reader.get_miner_stats(address)
        except NodeError as exc:
            node.problem_of(exc)
        found.update(answers)
        # A cache outage only costs node calls next time.
        with contextlib.suppress(Exception):
            cache.set_many(
                {keys[address]: dict(value.raw) for address, value in answers.items()}, STATS_CACHE_SECONDS
            )
    return found


def reputation_of(address: str, *, fresh: bool = False) -> int | None:
    """The account's reputation from the node (read within a minute unless `fresh`), None when it is down."""
    stats = miner_stats([address], fresh=fresh).get(address)
    return stats.reputation if stats else None


# --- preferences and suitable tasks ----------------------------------------------------------------


def save_preferences(profile: Profile, task_types: Sequence[str], difficulties: Sequence[str]) -> None:
    """Store which task types and difficulties the miner wants offered (empty: any)."""
    profile.mining_task_types = list(task_types)
    profile.mining_difficulties = list(difficulties)
    profile.save(update_fields=["mining_task_types", "mining_difficulties"])


def stake_bounds(task: Task) -> tuple[int, int]:
    """The stakes the node accepts for this task, atomic: max(stake_required, reward/10) to reward/2."""
    return rules.stake_bounds(task.reward_amount, task.stake_required)


#: How many scored submissions of its own weigh as much as the base estimate.
_HISTORY_WEIGHT = 4


@dataclass(frozen=True)
class WinRecord:
    """The account's own results at one difficulty: submissions that got a final score, and wins."""

    scored: int = 0
    won: int = 0


def success_estimate(difficulty: str, participants: int, reputation: int | None, record: WinRecord) -> int:
    """A percent chance of winning: the difficulty's base, scaled by reputation and rivals, blended with own wins.

    base = tos_ai's estimate (`tos_ai.rules.estimate_success`, the auto-miner's), with the starting
    reputation when it is unknown; the own win rate at this difficulty weighs scored / (scored + 4), so
    history takes over as it grows.
    """
    rep = rules.REPUTATION_START if reputation is None else reputation
    base = rules.estimate_success(difficulty, participants, rep)
    weight = record.scored / (record.scored + _HISTORY_WEIGHT)
    own = record.won / record.scored if record.scored else 0.0
    return round(100 * max(0.0, min(1.0, (1 - weight) * base + weight * own)))


def history_by_difficulty(address: str) -> dict[str, WinRecord]:
    """The account's scored submissions and wins per difficulty, from the cached details of its tasks."""
    task_ids = joined_task_ids(address)
    won = set(
        Credit.objects.to_address(address)
        .filter(reward_type=Credit.RewardType.WINNER)
        .values_list("task_id", flat=True)
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for task in Task.objects.filter(task_id__in=task_ids, status=Task.Status.COMPLETED):
        mine = [s for s in task.details.get("submissions") or [] if s.get("submitter") == address]
        if mine and mine[0].get("final_score") is not None:
            counts[task.difficulty][0] += 1
            counts[task.difficulty][1] += task.task_id in won
    return {level: WinRecord(scored, wins) for level, (scored, wins) in counts.items()}


@dataclass(frozen=True)
class SuitableTask:
    """An active task the miner may join, with the stake range and a chance of winning."""

    task: Task
    min_stake: int
    max_stake: int
    success: int


@dataclass(frozen=True)
class SuitableTasks:
    """The tasks offered, and why the other active tasks matching the preferences are not."""

    tasks: list[SuitableTask]
    reputation: int | None
    locked: int = 0  # tasks matching the preferences that the reputation does not unlock yet
    problem: node.NodeProblem | None = None
    joined: int = 0  # active tasks matching the preferences that the miner already joined
    full: int = 0  # ... that have every place taken

    @property
    def matching(self) -> int:
        """Active tasks of other publishers that match the preferences, offered or not."""
        return len(self.tasks) + self.locked + self.joined + self.full


def suitable_tasks(account: NodeAccount, profile: Profile) -> SuitableTasks:
    """Active tasks of the miner's types and difficulties, with time left, not theirs and not joined yet."""
    listing = browse_tasks(TaskFilters())
    now = timezone.now()
    tasks = listing.tasks.filter(status__in=JOINABLE_STATUSES, deadline__gt=now).exclude(
        publisher=account.address
    )
    if profile.mining_task_types:
        tasks = tasks.filter(task_kind__in=profile.mining_task_types)
    if profile.mining_difficulties:
        tasks = tasks.filter(difficulty__in=profile.mining_difficulties)
    joined = set(joined_task_ids(account.address))
    reputation = reputation_of(account.address) if listing.problem is None else None
    history = history_by_difficulty(account.address)
    offered, locked, already, full = [], 0, 0, 0
    for task in tasks.order_by("deadline"):
        if task.task_id in joined:
            already += 1
            continue
        if task.participants_count >= task.max_participants:
            full += 1
            continue
        if reputation is not None and not may(reputation, "submit", task.difficulty):
            locked += 1
            continue
        low, high = stake_bounds(task)
        chance = success_estimate(
            task.difficulty, task.participants_count, reputation, history.get(task.difficulty, WinRecord())
        )
        offered.append(SuitableTask(task, low, high, chance))
    return SuitableTasks(offered, reputation, locked, listing.problem, already, full)


# --- joining and submitting ------------------------------------------------------------------------


def participate(account: NodeAccount, task: Task, stake: int) -> node.NodeProblem | None:
    """Join the task with `stake` atomic units (locked by the node until completion)."""
    try:
        # An imported account may never have registered; joining needs a registered miner.
        register_miner(account)
        with node.account_lock(account.address), node.client(account) as signed:
            signed.miner.participate_task(task.task_id, stake)
    except NodeError as exc:
        return node.problem_of(exc)
    refresh_details([task.task_id])
    return None


def submit_solution(account: NodeAccount, task: Task, solution: TaskSolution) -> node.NodeProblem | None:
    """Submit the miner's solution to a task it joined."""
    try:
        with node.account_lock(account.address), node.client(account) as signed:
            signed.miner.submit_solution(task.task_id, solution)
    except NodeError as exc:
        return node.problem_of(exc)
    refresh_details([task.task_id])
    return None


def participant_entry(task: Task, address: str) -> dict[str, Any] | None:
    """The account's entry in the task's participants, from the cached details."""
    for participant in task.details.get("participants") or []:
        if address in (participant.get("miner"), participant.get("address")):
            return dict(participant)
    return None


def submission_of(task: Task, address: str) -> dict[str, Any] | None:
    """The account's submission to the task, from the cached details."""
    for submission in task.details.get("submissions") or []:
        if submission.get("submitter") == address:
            return dict(submission)
    return None


def joined_task_ids(address: str) -> list[str]:
    """Every task the account joined, by the stored `participant_joined` events, newest first."""
    return list(
        NodeEvent.objects.filter(name="participant_joined", data__miner=address)
        .order_by("-seq")
        .values_list("task_id", flat=True)
    )


# --- participations --------------------------------------------------------------------------------

STATE_WORDS = {
    "staked": "Staked: your stake is locked; submit a solution before the deadline.",
    "submitted": "Submitted: waiting for validators.",
    "validated": "Validated: scored; the reward is paid when the task completes.",
    "won": "Won: your submission was the best passing one.",
    "paid": "Paid: the task completed and your stake came back.",
    "slashed": "Slashed: part of your stake went to the network.",
}


@dataclass(frozen=True)
class ParticipationRow:
    """One task the miner joined, and where it stands."""

    task: Task
    state: str
    stake: int
    submission: dict[str, Any] | None
    earned: int  # the miner's rewards for this task (winner's share, share for a passing submission)
    stake_returned: int  # the part of the stake that came back (all of it, or 70 % after a slash)

    @property
    def words(self) -> str:
        return STATE_WORDS[self.state]

    @property
    def can_submit(self) -> bool:
        return self.state == "staked" and self.task.status in JOINABLE_STATUSES


def participation_state(task: Task, address: str, credits: Iterable[Credit]) -> str:
    """staked → submitted → validated → won / paid / slashed, from the task's details and the credits paid."""
    participant = participant_entry(task, address) or {}
    submission = submission_of(task, address)
    types = {credit.reward_type for credit in credits}
    if participant.get("stake_outcome") == "slashed" or (
        task.status == Task.Status.EXPIRED and submission is None
    ):
        return "slashed"
    if Credit.RewardType.WINNER in types:
        return "won"
    if task.status == Task.Status.COMPLETED:
        return "paid"
    if submission is None:
        return "staked"
    return "validated" if submission.get("validations") else "submitted"


@dataclass(frozen=True)
class Participations:
    rows: list[ParticipationRow]
    problem: node.NodeProblem | None = None


def my_participations(account: NodeAccount) -> Participations:
    """Every task the account joined with its state, refreshing the details of those still moving."""
    problem = refresh_event_log()
    task_ids = joined_task_ids(account.address)
    tasks = {task.task_id: task for task in Task.objects.filter(task_id__in=task_ids)}
    moving = sorted(
        (
            task
            for task in tasks.values()
            if not task.details or task.status in ACTIVE_STATUSES or task.details.get("status") != task.status
        ),
        key=lambda task: task.synced_at,
    )
    unseen = [task_id for task_id in task_ids if task_id not in tasks]
    stale = (unseen + [task.task_id for task in moving])[:MAX_DETAIL_REFRESHES]
    if problem is None:
        problem = refresh_details(stale)
        tasks = {task.task_id: task for task in Task.objects.filter(task_id__in=task_ids)}
    credits: dict[str, list[Credit]] = defaultdict(list)
    for credit in Credit.objects.to_address(account.address).filter(task_id__in=task_ids):
        credits[credit.task_id].append(credit)
    stakes = _stakes_from_events(account.address)
    rows = []
    for task_id in dict.fromkeys(task_ids):
        task = tasks.get(task_id)
        if task is None:
            continue
        participant = participant_entry(task, account.address) or {}
        rows.append(
            ParticipationRow(
                task=task,
                state=participation_state(task, account.address, credits[task_id]),
                stake=int(participant.get("stake_amount") or stakes.get(task_id, 0)),
                submission=submission_of(task, account.address),
                earned=sum(c.amount for c in credits[task_id] if c.reward_type in MINER_REWARD_TYPES),
                stake_returned=sum(
                    c.amount for c in credits[task_id] if c.reward_type == Credit.RewardType.STAKE_RETURN
                ),
            )
        )
    return Participations(rows, problem)


def states_of(address: str, task_ids: Sequence[str]) -> dict[str, str]:
    """The participation state (as the participations page says it) of the account in each stored task."""
    tasks = Task.objects.filter(task_id__in=list(task_ids))
    credits: dict[str, list[Credit]] = defaultdict(list)
    for credit in Credit.objects.to_address(address).filter(task_id__in=list(task_ids)):
        credits[credit.task_id].append(credit)
    return {task.task_id: participation_state(task, address, credits[task.task_id]) for task in tasks}


def _stakes_from_events(address: str) -> dict[str, int]:
    joins = NodeEvent.objects.filter(name="participant_joined", data__miner=address)
    return {event.task_id: int(event.data.get("stake_amount") or 0) for event in joins}


# --- reputation ------------------------------------------------------------------------------------


def may(reputation: int, action: str, difficulty: str) -> bool:
    """Whether this reputation allows `action` (publish, submit, validate) at `difficulty`."""
    rank = difficulty_rank(difficulty)
    minimums = REPUTATION_MINIMUMS[action]
    return rank < len(minimums) and reputation >= minimums[rank]


@dataclass(frozen=True)
class Unlock:
    """One action at one difficulty: its minimum, whether it is unlocked, and how far away it is."""

    difficulty: str
    minimum: int
    unlocked: bool
    missing: int


@dataclass(frozen=True)
class ActionUnlocks:
    action: str
    levels: list[Unlock]

    @property
    def next(self) -> Unlock | None:
        """The lowest difficulty still locked for this action."""
        return next((level for level in self.levels if not level.unlocked), None)


@dataclass(frozen=True)
class Reputation:
    reputation: int | None
    actions: list[ActionUnlocks]
    problem: node.NodeProblem | None = None


def unlocks(reputation: int) -> list[ActionUnlocks]:
    """What the reputation unlocks, per action and difficulty, and the points missing for the rest."""
    return [
        ActionUnlocks(
            action,
            [
                Unlock(level, minimum, reputation >= minimum, max(0, minimum - reputation))
                for level, minimum in zip(DIFFICULTY_LEVELS, minimums, strict=True)
            ],
        )
        for action, minimums in REPUTATION_MINIMUMS.items()
    ]


def reputation_overview(account: NodeAccount) -> Reputation:
    """The account's reputation from the node (else the last `reputation_changed` event stored)."""
    reputation = reputation_of(account.address, fresh=True)
    problem = None
    if reputation is None:
        problem = node.NodeProblem(node.NODE_UNAVAILABLE, unavailable=True)
        last = (
            NodeEvent.objects.filter(name="reputation_changed", data__address=account.address)
            .order_by("-seq")
            .first()
        )
        reputation = int(last.data["new"]) if last and "new" in last.data else None
    return Reputation(reputation, unlocks(reputation) if reputation is not None else [], problem)


# --- miner leaderboard -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """One row of a leaderboard: an address, the dashboard user who acts with it, and the figures."""

    address: str
    name: str
    earnings: int = 0
    wins: int = 0
    reputation: int | None = None
    validations: int = 0
    judged: int = 0
    agreed: int = 0

    @property
    def agreement(self) -> int | None:
        """Percent of judged validations within 15 points of the final score."""
        return round(100 * self.agreed / self.judged) if self.judged else None


def names_of(addresses: Iterable[str]) -> dict[str, str]:
    """The usernames of dashboard users acting with these addresses."""
    return dict(
        NodeAccount.objects.filter(address__in=list(addresses)).values_list("address", "user__username")
    )


LEADERBOARD_SIZE = 20


@dataclass(frozen=True)
class MinerBoards:
    by_earnings: list[Standing]
    by_wins: list[Standing]
    by_reputation: list[Standing]


def miner_leaderboards(period: str) -> MinerBoards:
    """Miners by earnings and wins in the period (stored credits), and by current reputation (node, cached)."""
    start = period_start(period)
    credits = Credit.objects.filter(reward_type__in=MINER_REWARD_TYPES)
    if start is not None:
        credits = credits.filter(paid_at__gte=start)
    totals = list(
        credits.values("recipient").annotate(
            earned=AmountSum("amount"), wins=Count("id", filter=Q(reward_type=Credit.RewardType.WINNER))
        )
    )
    # Miners are the accounts that mined: earned a miner's reward or joined a task (registering, which
    # every generated account does, is not mining; a publisher or a validator is not listed for it).
    candidates = list(
        dict.fromkeys(
            [row["recipient"] for row in sorted(totals, key=lambda row: -int(row["earned"]))]
            + list(
                NodeEvent.objects.filter(name="participant_joined")
                .order_by("-seq")
                .values_list("data__miner", flat=True)[: 20 * MAX_REPUTATION_LOOKUPS]
            )
        )
    )[:MAX_REPUTATION_LOOKUPS]
    stats = miner_stats(candidates)
    names = names_of([row["recipient"] for row in totals] + list(stats))

    def standing(address: str, earned: int = 0, wins: int = 0) -> Standing:
        reputation = stats[address].reputation if address in stats else None
        return Standing(address, names.get(address, ""), earned, wins, reputation)

    rows = [standing(row["recipient"], int(row["earned"]), int(row["wins"])) for row in totals]
    by_address = {row.address: row for row in rows}
    ranked = [by_address.get(address) or standing(address) for address in stats]
    return MinerBoards(
        by_earnings=sorted(rows, key=lambda row: (-row.earnings, row.address))[:LEADERBOARD_SIZE],
        by_wins=sorted((row for row in rows if row.wins), key=lambda row: (-row.wins, -row.earnings))[
            :LEADERBOARD_SIZE
        ],
        by_reputation=sorted(ranked, key=lambda row: (-(row.reputation or 0), row.address))[
            :LEADERBOARD_SIZE
        ],
    )
