"""What the overview, the network pages and notifications store (re-exported by `dashboard.models`).

The network's figures are rollups of the stored event log, kept up to date as the relay announces events
(`services.network`): a page reads a handful of small rows whatever the size of the log. Notifications
are made from the same events (`services.notifications`), once per person and event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from dashboard.fields import AmountField


class EventCursor(models.Model):
    """How far one consumer of the event log got: every stored event up to `seq` was taken into account."""

    name = models.CharField(max_length=40, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} up to #{self.seq}"


class NetworkDay(models.Model):
    """The network's activity on one UTC day: counts of events and the rewards paid, by type."""

    day = models.DateField(unique=True)
    tasks_published = models.PositiveIntegerField(default=0)
    tasks_completed = models.PositiveIntegerField(default=0)
    tasks_expired = models.PositiveIntegerField(default=0)
    tasks_cancelled = models.PositiveIntegerField(default=0)
    joins = models.PositiveIntegerField(default=0)
    submissions = models.PositiveIntegerField(default=0)
    validations = models.PositiveIntegerField(default=0)
    miners_registered = models.PositiveIntegerField(default=0)
    slashes = models.PositiveIntegerField(default=0)
    # Atomic units paid that day, by reward type (the node's names), of any size (`dashboard.fields`).
    reward_winner = AmountField(default=0)
    reward_participant = AmountField(default=0)
    reward_validator = AmountField(default=0)
    reward_network = AmountField(default=0)
    reward_refund = AmountField(default=0)
    reward_stake_return = AmountField(default=0)

    class Meta:
        ordering = ("day",)

    def __str__(self) -> str:
        return f"network on {self.day}"

    @property
    def rewards(self) -> int:
        """What was earned that day: winners', participants' and validators' rewards (not refunds or stakes)."""
        return self.reward_winner + self.reward_participant + self.reward_validator


class AddressFigures(models.Model):
    """Counters every address row shares, all time (`NetworkAddress`) or for one day (`AddressDay`)."""

    published = models.PositiveIntegerField(default=0)
    joins = models.PositiveIntegerField(default=0)
    submissions = models.PositiveIntegerField(default=0)
    wins = models.PositiveIntegerField(default=0)
    #: Winner's and participant's rewards: what the address earned by mining.
    mined = AmountField(default=0)
    validations = models.PositiveIntegerField(default=0)
    #: Validations of submissions that got a final score, and those within 15 points of it.
    judged = models.PositiveIntegerField(default=0)
    agreed = models.PositiveIntegerField(default=0)
    #: Validator's rewards.
    validated = AmountField(default=0)
    #: The reputation after the last change (None when none was seen).
    reputation = models.IntegerField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def agreement(self) -> int | None:
        return round(100 * self.agreed / self.judged) if self.judged else None


class NetworkAddress(AddressFigures):
    """One address as the network knows it, all time: the public profile's figures and the leaderboards'."""

    address = models.CharField(max_length=100, unique=True)
    registered_miner = models.BooleanField(default=False)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["-mined"], name="netaddr_by_mined"),
            models.Index(fields=["-wins"], name="netaddr_by_wins"),
            models.Index(fields=["-validations"], name="netaddr_by_validations"),
            models.Index(fields=["-reputation"], name="netaddr_by_reputation"),
        ]

    def __str__(self) -> str:
        return self.address


class AddressDay(AddressFigures):
    """One address on one UTC day: the leaderboards over 7 and 30 days and the profile's charts."""

    address = models.CharField(max_length=100)
    day = models.DateField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["address", "day"], name="one_address_day")]
        ordering = ("day",)

    def __str__(self) -> str:
        return f"{self.address} on {self.day}"


class FinalScore(models.Model):
    """A submission's final score when its task completed: the public profile's recent scores."""

    address = models.CharField(max_length=100)
    task_id = models.CharField(max_length=64)
    submission_id = models.CharField(max_length=64, unique=True)
    score = models.IntegerField()
    won = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["address", "-at"], name="finalscore_by_address")]
        ordering = ("-at",)

    def __str__(self) -> str:
        return f"{self.score} for {self.address} on {self.task_id[:10]}"


# --- notifications ---------------------------------------------------------------------------------


class Notification(models.Model):
    """Something that happened that a person should know about, in words, with where to look."""

    class Kind(models.TextChoices):
        REWARD = "reward", "A reward received"
        TASK_FINISHED = "task_finished", "One of my tasks completed or expired"
        REVIEW_WAITING = "review_waiting", "A submission waiting for my review"
        AUTOMINING = "automining", "Auto-mining stopped or failing for a few minutes"
        BALANCE_LOW = "balance_low", "A balance too low for my auto-mining caps"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    #: What it is about, unique per person: an event's seq, or an episode of a condition.
    key = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    event_seq = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_key")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.title}"


class NotificationSettings(models.Model):
    """Where a person wants each kind of notification: in the app, by e-mail, to a webhook."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    #: {kind: ["app", "email", "webhook"]}; a kind not listed gets the defaults (`services.notifications`).
    choices = models.JSONField(default=dict, blank=True)
    email = models.EmailField(blank=True)
    webhook_url = models.URLField(max_length=500, blank=True)
    #: The HMAC key the webhook's body is signed with, encrypted at rest; shown to its owner.
    encrypted_webhook_secret = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"


class Delivery(models.Model):
    """One notification sent by e-mail or to a webhook: at most one per notification, channel and target."""

    class Channel(models.TextChoices):
        EMAIL = "email", "e-mail"
        WEBHOOK = "webhook", "webhook"

    class State(models.TextChoices):
        PENDING = "pending", "waiting to be sent"
        SENDING = "sending", "being sent"
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "given up"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    target = models.CharField(max_length=500)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    #: A worker holds the delivery until then; a killed worker's lease runs out and another takes it.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel", "target"], name="one_delivery_per_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.target} ({self.state})"
