"""The validator's side: the review queue, approving and rejecting submissions, the validators' leaderboard.

What a validator may review is decided here (and again by the node): not their own submission, not a task they
published, not twice, not a submission that has all its validations, not a closed task, not above their
reputation. The queue offers only what passes; a forced POST is refused with the reason in words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from dashboard import node
from dashboard.models import NodeAccount, NodeEvent, Task
from dashboard.services.accounts import register_miner
from dashboard.services.earnings import period_start
from dashboard.services.mining import (
    LEADERBOARD_SIZE,
    REPUTATION_MINIMUMS,
    Standing,
    may,
    names_of,
    refresh_details,
    refresh_event_log,
    reputation_of,
)
from dashboard.services.tasks import TaskFilters, browse_tasks
from tos_ai import NodeError, NodeRPCError, difficulty_rank, required_validations

#: Statuses in which the node still takes validations.
VALIDATABLE_STATUSES = (Task.Status.IN_PROGRESS, Task.Status.UNDER_VALIDATION)
#: At most this many task details are refreshed for one view of the queue (least recently fetched first).
MAX_QUEUE_REFRESHES = 20
#: A validation agrees with the final score when it is at most this many points away (the spec's rule).
AGREEMENT_POINTS = 15
TABS = ("review", "reviewed", "all")


def required_of(task: Task) -> int:
    """How many validations each submission of the task needs."""
    needed = task.details.get("required_reviewers")
    if isinstance(needed, int) and needed > 0:
        return needed
    return required_validations(task.details.get("verification_type"))


def score_words(submission: dict[str, Any] | None, task: Task) -> str:
    """A submission's score in words: the final score once the task completed; before, the mean of the
    validations so far (the node's rule: the integer mean, a rejection counting 0), and whether more
    are needed."""
    if not submission:
        return "no submission"
    if submission.get("final_score") is not None:
        return f"{submission['final_score']} (final)"
    scores = [int(v.get("quality_score") or 0) for v in submission.get("validations") or []]
    if not scores:
        return "not reviewed yet"
    mean, required = sum(scores) // len(scores), required_of(task)
    if len(scores) >= required:
        return f"{mean}, every review in: final when the task completes"
    return f"{mean} so far ({len(scores)} of {required} review{'s' * (required > 1)})"


def my_validation(submission: dict[str, Any], address: str) -> dict[str, Any] | None:
    for validation in submission.get("validations") or []:
        if validation.get("validator") == address:
            return dict(validation)
    return None


OWN_SUBMISSION = "This is your own submission: another validator must score it."
OWN_TASK = "You published this task: its submissions are scored by other validators."
PARTICIPANT = (
    "You take part in this task, so you may not score its submissions: they are scored by validators "
    "who do not compete on it."
)
#: The node's rules for a refused validation (-32004, data.rule), in the words the queue uses.
NODE_RULE_WORDS = {"own_submission": OWN_SUBMISSION, "own_task": OWN_TASK, "participant": PARTICIPANT}


def participates(task: Task, address: str) -> bool:
    """Whether the account joined the task (as the node's details or the stored events say)."""
    listed = any(
        address in (entry.get("miner"), entry.get("address"))
        for entry in task.details.get("participants") or []
    )
    submitted = any(entry.get("submitter") == address for entry in task.details.get("submissions") or [])
    return listed or submitted


def refusal(address: str, reputation: int | None, task: Task, submission: dict[str, Any]) -> str:
    """Why this account may not review this submission now, in words; "" when it may."""
    if submission.get("submitter") == address:
        return OWN_SUBMISSION
    if task.publisher == address:
        return OWN_TASK
    if participates(task, address):
        return PARTICIPANT
    if my_validation(submission, address) is not None:
        return "You have already reviewed this submission."
    if submission.get("final_score") is not None or len(submission.get("validations") or []) >= required_of(
        task
    ):
        return "This submission already has all the validations it needs."
    if task.status not in VALIDATABLE_STATUSES:
        return f"This task no longer takes validations (it is {task.get_status_display()})."
    if reputation is not None and not may(reputation, "validate", task.difficulty):
        minimum = REPUTATION_MINIMUMS["validate"][difficulty_rank(task.difficulty)]
        return f"Validating {task.difficulty} tasks needs a reputation of {minimum}; yours is {reputation}."
    return ""


@dataclass(frozen=True)
class ReviewItem:
    """One submission beside its task, and whether (or why not) the validator may review it."""

    task: Task
    submission: dict[str, Any]
    refusal: str
    mine: dict[str, Any] | None

    @property
    def submission_id(self) -> str:
        return str(self.submission.get("submission_id", ""))

    @property
    def ref(self) -> str:
        """ "task_id:submission_id", the value of a bulk-action checkbox."""
        return f"{self.task.task_id}:{self.submission_id}"

    @property
    def reviewable(self) -> bool:
        return not self.refusal

    @property
    def required(self) -> int:
        return required_of(self.task)

    @property
    def solution(self) -> dict[str, Any]:
        return dict(self.submission.get("solution_data") or self.submission.get("solution") or {})


@dataclass(frozen=True)
class ReviewQueue:
    tab: str
    items: list[ReviewItem]
    counts: dict[str, int]
    reputation: int | None
    problem: node.NodeProblem | None = None


def review_queue(account: NodeAccount, tab: str) -> ReviewQueue:
    """Submissions to review, reviewed by this account, or all of both, from freshly refreshed task details."""
    listing = browse_tasks(TaskFilters())
    problem = listing.problem or refresh_event_log()
    open_tasks = listing.tasks.filter(status__in=VALIDATABLE_STATUSES, submissions_count__gt=0).exclude(
        publisher=account.address
    )
    reviewed_ids = list(
        NodeEvent.objects.filter(name="validation_completed", data__validator=account.address)
        .values_list("task_id", flat=True)
        .distinct()
    )
    if problem is None:
        # Validations arrive unseen (other validators), so open tasks are refreshed, least recently first.
        stale = list(open_tasks.order_by("synced_at").values_list("task_id", flat=True)[:MAX_QUEUE_REFRESHES])
        problem = refresh_details(stale)
    reputation = reputation_of(account.address) if problem is None else None
    tasks = Task.objects.filter(Q(pk__in=open_tasks.values("pk")) | Q(task_id__in=reviewed_ids)).order_by(
        "deadline"
    )
    items = [
        ReviewItem(task, dict(submission), refusal(account.address, reputation, task, submission), mine)
        for task in tasks
        for submission in task.details.get("submissions") or []
        for mine in [my_validation(submission, account.address)]
    ]
    to_review = [item for item in items if item.reviewable]
    reviewed = [item for item in items if item.mine is not None]
    chosen = {"review": to_review, "reviewed": reviewed, "all": items}[tab if tab in TABS else "review"]
    counts = {"review": len(to_review), "reviewed": len(reviewed), "all": len(items)}
    return ReviewQueue(tab, chosen, counts, reputation, problem)


@dataclass(frozen=True)
class ReviewLookup:
    item: ReviewItem | None
    problem: node.NodeProblem | None = None


def review_item(account: NodeAccount, task_id: str, submission_id: str) -> ReviewLookup:
    """One submission with its task, refreshed from the node; None when neither the node nor the cache knows it."""
    problem = refresh_details([task_id])
    task = Task.objects.filter(task_id=task_id).first()
    submission = next(
        (
            dict(s)
            for s in (task.details.get("submissions") or [] if task else [])
            if s.get("submission_id") == submission_id
        ),
        None,
    )
    if task is None or submission is None:
        return ReviewLookup(None, problem)
    reputation = reputation_of(account.address, fresh=True) if problem is None else None
    reason = refusal(account.address, reputation, task, submission)
    return ReviewLookup(
        ReviewItem(task, submission, reason, my_validation(submission, account.address)), problem
    )


@dataclass(frozen=True)
class Verdict:
    """An approval with a score and reasoning, or a rejection with a reason (the node scores it 0)."""

    approve: bool
    score: int = 0
    text: str = ""


@dataclass(frozen=True)
class ReviewOutcome:
    """What became of one review: done, refused by the dashboard, or refused by the node (with words)."""

    ref: str
    done: bool
    message: str
    field: str | None = None
    unavailable: bool = False


def review(account: NodeAccount, task_id: str, submission_id: str, verdict: Verdict) -> ReviewOutcome:
    """Approve or reject one submission, after checking again (from the node's details) that the account may."""
    ref = f"{task_id}:{submission_id}"
    lookup = review_item(account, task_id, submission_id)
    if lookup.item is None:
        message = lookup.problem.message if lookup.problem else "There is no such submission."
        return ReviewOutcome(
            ref, False, message, unavailable=bool(lookup.problem and lookup.problem.unavailable)
        )
    if lookup.item.refusal:
        return ReviewOutcome(ref, False, lookup.item.refusal)
    if lookup.problem is not None:
        return ReviewOutcome(ref, False, lookup.problem.message, unavailable=lookup.problem.unavailable)
    try:
        # Validating needs a registered miner on the node; an imported account may not be one yet.
        register_miner(account)
        with node.account_lock(account.address), node.client(account) as signed:
            if verdict.approve:
                signed.validator.validate(task_id, submission_id, verdict.score, verdict.text)
            else:
                signed.validator.reject(task_id, submission_id, verdict.text)
    except NodeRPCError as exc:
        if exc.rule in NODE_RULE_WORDS:  # the dashboard's copy of the task was behind the node's
            refresh_details([task_id])
            return ReviewOutcome(ref, False, NODE_RULE_WORDS[exc.rule])
        problem = node.describe(exc)
        return ReviewOutcome(ref, False, problem.message, problem.field, problem.unavailable)
    except NodeError as exc:
        problem = node.problem_of(exc)
        return ReviewOutcome(ref, False, problem.message, problem.field, problem.unavailable)
    refresh_details([task_id])
    return ReviewOutcome(ref, True, "Approved." if verdict.approve else "Rejected.")


@dataclass(frozen=True)
class BulkOutcome:
    """A bulk review's result, in words per submission: each named by its task's title and its own id."""

    done: list[str]
    refused: list[str]


def submission_name(task_id: str, submission_id: str, titles: dict[str, str]) -> str:
    """“Task title”, submission 1a2b3c4d: distinct for two submissions of one task."""
    title = titles.get(task_id) or f"task {task_id[:8]}"
    return f"“{title}”, submission {submission_id[:8]}"


def review_many(account: NodeAccount, refs: Sequence[tuple[str, str]], verdict: Verdict) -> BulkOutcome:
    """Approve or reject several submissions with one verdict; each is checked and sent on its own, and
    one refusal stops none of the others."""
    outcomes = [review(account, task_id, submission_id, verdict) for task_id, submission_id in refs]
    titles = dict(Task.objects.filter(task_id__in={t for t, _ in refs}).values_list("task_id", "title"))
    done, refused = [], []
    for (task_id, submission_id), outcome in zip(refs, outcomes, strict=True):
        name = submission_name(task_id, submission_id, titles)
        if outcome.done:
            done.append(name)
        else:
            verb = "approved" if verdict.approve else "rejected"
            refused.append(f"{name} was not {verb}: {outcome.message}")
    return BulkOutcome(done, refused)


# --- validator leaderboard -------------------------------------------------------------------------


def final_scores() -> dict[str, int]:
    """Final score per submission id, from stored `task_completed` events and completed tasks' details."""
    scores: dict[str, int] = {}
    for task in Task.objects.filter(status=Task.Status.COMPLETED).exclude(details={}):
        for submission in task.details.get("submissions") or []:
            if submission.get("final_score") is not None:
                scores[str(submission["submission_id"])] = int(submission["final_score"])
    for data in NodeEvent.objects.filter(name="task_completed").values_list("data", flat=True):
        for submission_id, score in (data.get("final_scores") or {}).items():
            if score is not None:
                scores[str(submission_id)] = int(score)
    return scores


def validator_leaderboards(period: str) -> tuple[list[Standing], list[Standing]]:
    """Validators by validations in the period, and by agreement with the final scores (stored events only)."""
    start = period_start(period)
    validations = NodeEvent.objects.filter(name="validation_completed")
    if start is not None:
        validations = validations.filter(timestamp__gte=start)
    scores = final_scores()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # validations, judged, agreed
    for data in validations.values_list("data", flat=True):
        figures = counts[str(data.get("validator", ""))]
        figures[0] += 1
        final = scores.get(str(data.get("submission_id", "")))
        if final is not None:
            figures[1] += 1
            figures[2] += abs(int(data.get("score", 0)) - final) <= AGREEMENT_POINTS
    names = names_of(counts)
    rows = [
        Standing(address, names.get(address, ""), validations=v, judged=j, agreed=a)
        for address, (v, j, a) in counts.items()
    ]
    by_count = sorted(rows, key=lambda row: (-row.validations, row.address))[:LEADERBOARD_SIZE]
    by_agreement = sorted(
        (row for row in rows if row.judged),
        key=lambda row: (-(row.agreed / row.judged), -row.judged, row.address),
    )[:LEADERBOARD_SIZE]
    return by_count, by_agreement
