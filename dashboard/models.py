"""What the dashboard stores: who people are, which node account they act with, and what the node told us.

Amounts are integers in atomic units (1 TOS = 10^8) everywhere; templates format them.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

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
    reward_amount = models.PositiveBigIntegerField(db_index=True)
    stake_required = models.PositiveBigIntegerField()
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
    amount = models.PositiveBigIntegerField()
    reward_type = models.CharField(max_length=20, choices=RewardType.choices, db_index=True)
    reason = models.CharField(max_length=40, blank=True)
    paid_at = models.DateTimeField(db_index=True)

    objects = CreditQuerySet.as_manager()

    class Meta:
        ordering = ("paid_at", "event_id")

    def __str__(self) -> str:
        return f"{self.amount} to {self.recipient} ({self.reward_type})"
