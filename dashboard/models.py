"""What the dashboard stores: who people are, which node account they act with, and what the node told us.

Amounts are integers in atomic units (1 TOS = 10^8) everywhere, stored whatever their size (`fields`);
templates format them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

from dashboard.fields import AmountField

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Profile(models.Model):
    """The roles a user chose; one user may be publisher, miner and validator at once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    is_publisher = models.BooleanField("publisher", default=True)
    is_miner = models.BooleanField("miner", default=False)
    is_validator = models.BooleanField("validator", default=False)
    # The miner's preferences for "suitable tasks": task type names and difficulty levels; empty means any.
    mining_task_types = models.JSONField("task types", default=list, blank=True)
    mining_difficulties = models.JSONField("difficulties", default=list, blank=True)
    #: An IANA time zone name ("Europe/Berlin"); empty: the browser's own zone, else UTC.
    time_zone = models.CharField("time zone", max_length=64, blank=True)

    def __str__(self) -> str:
        return f"profile of {self.user}"

    @property
    def roles(self) -> list[str]:
        flags = (("publisher", self.is_publisher), ("miner", self.is_miner), ("validator", self.is_validator))
        return [name for name, on in flags if on]


class NodeAccountQuerySet(models.QuerySet["NodeAccount"]):
    def for_user(self, user: User) -> NodeAccountQuerySet:
        return self.filter(user=user)


class NodeAccount(models.Model):
    """The node account a user acts with. The private key is encrypted at rest and never rendered."""

    class Origin(models.TextChoices):
        GENERATED = "generated", "generated here"
        IMPORTED = "imported", "imported"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="node_account"
    )
    address = models.CharField(max_length=100, unique=True)
    encrypted_private_key = models.TextField(editable=False)
    origin = models.CharField(max_length=16, choices=Origin.choices)
    registered_miner = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    #: When its owner downloaded the passphrase-encrypted key file: it is offered once, never again.
    key_downloaded_at = models.DateTimeField(null=True, blank=True)

    objects = NodeAccountQuerySet.as_manager()

    def __str__(self) -> str:
        return self.address


class TaskQuerySet(models.QuerySet["Task"]):
    def published_by(self, address: str) -> TaskQuerySet:
        return self.filter(publisher=address)


class Task(models.Model):
    """The dashboard's copy of a node task, so pages render while the node is down."""

    class Status(models.TextChoices):
        PUBLISHED = "Published"
        IN_PROGRESS = "InProgress"
        UNDER_VALIDATION = "UnderValidation"
        COMPLETED = "Completed"
        EXPIRED = "Expired"
        CANCELLED = "Cancelled"

    class Difficulty(models.TextChoices):
        BEGINNER = "Beginner"
        INTERMEDIATE = "Intermediate"
        ADVANCED = "Advanced"
        EXPERT = "Expert"

    task_id = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    task_kind = models.CharField(max_length=40, db_index=True)
    task_type = models.JSONField(default=dict)
    difficulty = models.CharField(max_length=16, choices=Difficulty.choices, db_index=True)
    reward_amount = AmountField(db_index=True)
    stake_required = AmountField()
    deadline = models.DateTimeField()
    created_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    publisher = models.CharField(max_length=100, db_index=True)
    participants_count = models.PositiveIntegerField(default=0)
    max_participants = models.PositiveIntegerField(default=10)
    submissions_count = models.PositiveIntegerField(default=0)
    # The node's full answer to ai_get_task_details (participants, submissions, rewards), when fetched.
    details = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.title} ({self.task_id[:10]})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.IN_PROGRESS, self.Status.UNDER_VALIDATION)

    @property
    def can_cancel(self) -> bool:
        """The node cancels a task only while it is published and nobody has joined."""
        return self.status == self.Status.PUBLISHED and self.participants_count == 0

    @property
    def type_detail(self) -> str:
        """The task type's detail ("rust" of CodeAnalysis), or ""."""
        body = self.task_type.get(self.task_kind) if isinstance(self.task_type, dict) else None
        return ", ".join(str(value) for value in body.values()) if isinstance(body, dict) else ""

    @property
    def escrow(self) -> int:
        """Atomic units held for the reward: the node's figure when fetched, else the reward while active."""
        if "escrow" in self.details:
            return int(self.details["escrow"])
        return self.reward_amount if self.is_active else 0

    @property
    def validations_count(self) -> int:
        return sum(len(item.get("validations") or []) for item in self.details.get("submissions") or [])

    @property
    def duration_seconds(self) -> int:
        """From publication to deadline: the length of the deadline progress bar."""
        return max(1, int((self.deadline - self.created_at).total_seconds()))

    @property
    def elapsed_seconds(self) -> int:
        """How much of the time to the deadline has passed, for the progress bar."""
        elapsed = int((timezone.now() - self.created_at).total_seconds())
        return min(max(0, elapsed), self.duration_seconds)


class PublishRequest(models.Model):
    """One press of "Publish": claimed before the node is called, so a double click publishes once."""

    class State(models.TextChoices):
        PENDING = "pending"
        PUBLISHED = "published"
        FAILED = "failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="publish_requests"
    )
    token = models.UUIDField(default=uuid.uuid4)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    task_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="one_publish_per_form")]

    def __str__(self) -> str:
        return f"publish {self.token} ({self.state})"


class NodeEvent(models.Model):
    """One event of the node's log, stored once (unique seq) by the relay or a catch-up."""

    seq = models.PositiveBigIntegerField(unique=True)
    name = models.CharField(max_length=40, db_index=True)
    topoheight = models.PositiveBigIntegerField()
    timestamp = models.DateTimeField(db_index=True)
    data = models.JSONField(default=dict)
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("seq",)

    def __str__(self) -> str:
        return f"#{self.seq} {self.name}"


class UnstoredEvent(models.Model):
    """An event of the node's log that could not be stored (an amount of more than 39 digits, a field of the
    wrong kind): kept as received, so that the relay moves past it, and counted by /healthz."""

    seq = AmountField(unique=True)
    #: The event as the node sent it (JSON), cut to a readable length.
    raw = models.TextField()
    error = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("seq",)

    def __str__(self) -> str:
        return f"#{self.seq} not stored: {self.error}"


class RelayCursor(models.Model):
    """The last seq the relay sent to the pages (one row): every event recorded after it is still to send,
    whoever stored it (the relay, or a page view catching up while the relay was behind)."""

    seq = AmountField(default=0)

    def __str__(self) -> str:
        return f"sent up to #{self.seq}"


class CreditQuerySet(models.QuerySet["Credit"]):
    def to_address(self, address: str) -> CreditQuerySet:
        return self.filter(recipient=address)


class Credit(models.Model):
    """One credit the node paid (a `reward_distributed` event), kept for earnings, charts and CSV."""

    class RewardType(models.TextChoices):
        WINNER = "winner"
        PARTICIPANT = "participant"
        VALIDATOR = "validator"
        NETWORK = "network"
        REFUND = "refund"
        STAKE_RETURN = "stake_return"

    event = models.OneToOneField(NodeEvent, on_delete=models.CASCADE, related_name="credit")
    recipient = models.CharField(max_length=100, db_index=True)
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    amount = AmountField()
    reward_type = models.CharField(max_length=20, choices=RewardType.choices, db_index=True)
    reason = models.CharField(max_length=40, blank=True)
    paid_at = models.DateTimeField(db_index=True)

    objects = CreditQuerySet.as_manager()

    class Meta:
        ordering = ("paid_at", "event_id")

    def __str__(self) -> str:
        return f"{self.amount} to {self.recipient} ({self.reward_type})"


# --- auto-mining ------------------------------------------------------------------------------------


class AutoMiningConfig(models.Model):
    """A miner's stored auto-mining settings (the seed's AutoMiningConfig plus stake policy, caps, solver).

    Amounts are atomic; a cap left empty means no cap. The API key is encrypted and never rendered.
    """

    class Solver(models.TextChoices):
        OFFLINE = "offline", "Built-in offline drafter (devnet)"
        OPENAI = "openai", "OpenAI-compatible chat completions"
        ANTHROPIC = "anthropic", "Anthropic Messages API"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="automining")
    enabled = models.BooleanField(default=False)
    target_difficulties = models.JSONField(default=list, blank=True)  # empty: any
    task_types = models.JSONField(default=list, blank=True)  # empty: any
    max_concurrent_tasks = models.PositiveIntegerField(default=1)
    min_success_probability = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    min_time_left = models.PositiveIntegerField(default=600)  # seconds
    check_interval = models.PositiveIntegerField(default=60)  # seconds
    auto_submit = models.BooleanField(default=True)
    stake_fraction = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.1"))
    max_locked_stake = models.PositiveBigIntegerField(null=True, blank=True)
    max_stake_per_day = models.PositiveBigIntegerField(null=True, blank=True)
    solver_kind = models.CharField(max_length=16, choices=Solver.choices, default=Solver.OFFLINE)
    solver_base_url = models.URLField(blank=True)
    solver_model = models.CharField(max_length=200, blank=True)
    encrypted_api_key = models.TextField(blank=True, editable=False)
    #: The last failure of a cycle or a participation, in words, until a later step succeeds.
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"auto-mining of {self.user} ({'on' if self.enabled else 'off'})"

    @property
    def has_api_key(self) -> bool:
        return bool(self.encrypted_api_key)


class AutoMiningRunQuerySet(models.QuerySet["AutoMiningRun"]):
    def for_user(self, user: User) -> AutoMiningRunQuerySet:
        return self.filter(user=user)


class AutoMiningRun(models.Model):
    """One look at the active tasks for one miner (scheduled, or woken by a published task) and what followed."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "scheduled check"
        EVENT = "event", "new task published"
        MANUAL = "manual", "run now"

    class State(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="automining_runs"
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)

    objects = AutoMiningRunQuerySet.as_manager()

    class Meta:
        ordering = ("-started_at", "-id")

    def __str__(self) -> str:
        return f"run {self.pk} of {self.user} ({self.state})"


class AutoMiningStep(models.Model):
    """One line of a run's log: a choice, a join, a solution, a submission, an error in words."""

    class Level(models.TextChoices):
        INFO = "info"
        OK = "ok"
        ERROR = "error"

    run = models.ForeignKey(AutoMiningRun, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(default=timezone.now)
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.INFO)
    task_id = models.CharField(max_length=64, blank=True)
    message = models.TextField()

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return self.message


class AutoParticipationQuerySet(models.QuerySet["AutoParticipation"]):
    def for_user(self, user: User) -> AutoParticipationQuerySet:
        return self.filter(user=user)


class AutoParticipation(models.Model):
    """Auto-mining's claim on one task for one miner: one row per (user, task), however often it is offered.

    The state says how far the work got, so a worker killed at any point leaves a row the next one
    finishes: `joining` and `submitting` are resolved by asking the node whether the write happened.
    """

    class State(models.TextChoices):
        CLAIMED = "claimed", "chosen"
        JOINING = "joining", "joining"
        JOINED = "joined", "joined, solving"
        SOLVED = "solved", "solved, submitting"
        SUBMITTING = "submitting", "submitting"
        SUBMITTED = "submitted", "submitted"
        WAITING = "waiting", "joined; submit by hand (auto-submit is off)"
        FAILED = "failed", "failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auto_participations"
    )
    run = models.ForeignKey(
        AutoMiningRun, on_delete=models.SET_NULL, null=True, related_name="participations"
    )
    task_id = models.CharField(max_length=64)
    title = models.CharField(max_length=200, blank=True)
    stake = AmountField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.CLAIMED, db_index=True)
    #: The generated solution, kept so a crash between solving and submitting does not pay the AI twice.
    solution = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    #: A worker holds the row until then (renewed while it works); a dead worker's lease runs out.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AutoParticipationQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["user", "task_id"], name="one_auto_participation_per_task")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.task_id[:10]} ({self.state})"


# The overview's, the network pages' and notifications' models live in their own module.
from dashboard.models_overview import (  # noqa: E402, F401 (re-exported)
    AddressDay,
    Delivery,
    EventCursor,
    FinalScore,
    NetworkAddress,
    NetworkDay,
    Notification,
    NotificationSettings,
)
