"""Notifications: what happened that a person should know about, in the app, by e-mail and to a webhook.

Made from the events the relay announces, inside its transaction (`on_new_events`): a notification exists
when the page hears of its event, once per person and event (a unique key, so a duplicate event or a
second pass adds nothing). Conditions that are no event (auto-mining failing for minutes, a balance too
low for auto-mining) are checked by beat (`check_conditions`), once per episode. E-mail and webhook
deliveries are rows sent by Celery after the commit (`services.deliveries`).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dashboard import broadcast, jobs, node
from dashboard.amounts import tos_text
from dashboard.crypto import decrypt_secret, encrypt_secret
from dashboard.livemessages import task_people, task_titles
from dashboard.models import (
    AutoMiningConfig,
    AutoMiningRun,
    Delivery,
    NodeAccount,
    NodeEvent,
    Notification,
    NotificationSettings,
    Task,
)
from dashboard.services.autoconfig import stake_within
from tos_ai import NodeError, rules

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

Kind = Notification.Kind
CHANNELS = ("app", "email", "webhook")
CHANNEL_WORDS = {"app": "In the app", "email": "By e-mail", "webhook": "To my webhook"}
#: Every kind is shown in the app unless the person says otherwise; e-mail and webhooks are chosen.
DEFAULT_CHANNELS: dict[str, list[str]] = {kind: ["app"] for kind in Kind.values}
#: Rewards worth telling about (stake returns and refunds give back the person's own funds).
REWARD_WORDS = {
    "winner": "winner's share",
    "participant": "participant's share",
    "validator": "validator's reward",
}
#: Auto-mining is said to be failing once its last error is this old and not cleared by a success.
FAILING_AFTER = dt.timedelta(minutes=5)
#: ... and stopped when no check started for this long (and three of its intervals) while it is on.
STOPPED_AFTER = dt.timedelta(minutes=5)
#: At most this many notifications are listed on one page of the list.
PAGE_SIZE = 50


# --- what each person chose --------------------------------------------------------------------------


def settings_for(user: AbstractBaseUser) -> NotificationSettings:
    """The person's notification settings, created with the defaults on first use."""
    found, _ = NotificationSettings.objects.get_or_create(user_id=user.pk)
    return found


def channels_of(choices: dict[str, Any], kind: str) -> list[str]:
    """The channels a person wants `kind` on; the defaults for a kind never chosen."""
    chosen = choices.get(kind) if isinstance(choices, dict) else None
    if not isinstance(chosen, list):
        return list(DEFAULT_CHANNELS.get(kind, ["app"]))
    return [channel for channel in CHANNELS if channel in chosen]


def save_settings(
    user: AbstractBaseUser, *, choices: dict[str, list[str]], email: str, webhook_url: str
) -> NotificationSettings:
    """Store the person's channels per kind, e-mail address and webhook URL (a secret is made for a new URL)."""
    current = settings_for(user)
    current.choices = {kind: [c for c in CHANNELS if c in choices.get(kind, [])] for kind in Kind.values}
    current.email = email
    if webhook_url and (webhook_url != current.webhook_url or not current.encrypted_webhook_secret):
        current.encrypted_webhook_secret = encrypt_secret(new_webhook_secret())
    current.webhook_url = webhook_url
    current.save()
    return current


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def rotate_webhook_secret(user: AbstractBaseUser) -> str:
    """A new signing secret for the person's webhook (the old one stops working at once)."""
    current = settings_for(user)
    secret = new_webhook_secret()
    current.encrypted_webhook_secret = encrypt_secret(secret)
    current.save(update_fields=["encrypted_webhook_secret", "updated_at"])
    return secret


def webhook_secret(found: NotificationSettings) -> str:
    """The webhook's signing secret in clear, for its owner's page and the signature ("" when none)."""
    return decrypt_secret(found.encrypted_webhook_secret) if found.encrypted_webhook_secret else ""


# --- making notifications --------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A notification before it is stored: for whom, what, and about which event."""

    user_id: int
    kind: str
    key: str
    title: str
    body: str = ""
    url: str = ""
    event_seq: int | None = None


def on_new_events(events: Sequence[NodeEvent]) -> None:
    """The relay's hook, inside its transaction: the notifications these events make, sent after the commit.

    A failure must not stop the relay: the savepoint is undone, the error logged, and the relay goes on.
    """
    if not events:
        return
    try:
        with transaction.atomic():
            drafts = drafts_for(events)
            if drafts:
                store(drafts)
    except Exception:
        logger.exception("notifications for events up to #%s could not be made", events[-1].seq)


def drafts_for(events: Sequence[NodeEvent]) -> list[Draft]:
    """The notifications a run of events makes, for the people whose accounts they concern."""
    rewards = [
        event
        for event in events
        if event.name == "reward_distributed" and event.data.get("reward_type") in REWARD_WORDS
    ]
    finished = [
        event for event in events if event.name in ("task_completed", "task_expired") and event.task_id
    ]
    submitted = [event for event in events if event.name == "submission_received" and event.task_id]
    if not (rewards or finished or submitted):
        return []
    titles = task_titles(event.task_id for event in [*rewards, *finished, *submitted])
    publishers = _publishers([event.task_id for event in finished])
    addresses = {str(event.data.get("recipient") or "") for event in rewards} | set(publishers.values())
    users = dict(NodeAccount.objects.filter(address__in=addresses - {""}).values_list("address", "user_id"))
    drafts = []
    for event in rewards:
        user_id = users.get(str(event.data.get("recipient") or ""))
        if user_id is None:
            continue
        amount = int(event.data.get("amount") or 0)
        title = titles.get(event.task_id, "")
        drafts.append(
            Draft(
                user_id,
                Kind.REWARD,
                f"event:{event.seq}",
                f"You received {tos_text(amount)} TOS ({REWARD_WORDS[event.data['reward_type']]})",
                f"For “{title}”." if title else "",
                _task_url(event.task_id),
                event.seq,
            )
        )
    for event in finished:
        user_id = users.get(publishers.get(event.task_id, ""))
        if user_id is None:
            continue
        title = titles.get(event.task_id, "") or "your task"
        if event.name == "task_completed":
            words = (
                "It has a winner; the payouts are on its page."
                if event.data.get("winner")
                else "No submission passed; the reward was refunded to you."
            )
            headline = f"Your task “{title}” completed"
        else:
            words = "Its deadline passed; what was left of the reward came back to you."
            headline = f"Your task “{title}” expired"
        drafts.append(
            Draft(
                user_id,
                Kind.TASK_FINISHED,
                f"event:{event.seq}",
                headline,
                words,
                _task_url(event.task_id),
                event.seq,
            )
        )
    drafts += _review_drafts(submitted, titles)
    return drafts


def _task_url(task_id: str) -> str:
    return reverse("task_detail", args=[task_id]) if task_id else ""


def _publishers(task_ids: Sequence[str]) -> dict[str, str]:
    """The publisher of each task: from the task cache, else its stored `task_published` event."""
    found = dict(Task.objects.filter(task_id__in=task_ids).values_list("task_id", "publisher"))
    missing = set(task_ids) - found.keys()
    if missing:
        for task_id, data in NodeEvent.objects.filter(task_id__in=missing, name="task_published").values_list(
            "task_id", "data"
        ):
            found[task_id] = str(data.get("publisher") or "")
    return found


def _review_drafts(submitted: Sequence[NodeEvent], titles: dict[str, str]) -> list[Draft]:
    """A submission waits for review: every validator who may review it (not its publisher, its
    participants or its author) and wants to hear of it."""
    if not submitted:
        return []
    validators = list(
        NodeAccount.objects.filter(user__profile__is_validator=True).values_list("address", "user_id")
    )
    if not validators:
        return []
    wanting = _wanting(Kind.REVIEW_WAITING, [user_id for _, user_id in validators])
    drafts = []
    for event in submitted:
        people = task_people(event.task_id)
        busy = people.publishers | people.participants | {str(event.data.get("submitter") or "")}
        submission_id = str(event.data.get("submission_id") or "")
        title = titles.get(event.task_id, "") or "a task"
        url = (
            reverse("review_submission", args=[event.task_id, submission_id])
            if submission_id
            else reverse("review_queue")
        )
        for address, user_id in validators:
            if address in busy or user_id not in wanting:
                continue
            drafts.append(
                Draft(
                    user_id,
                    Kind.REVIEW_WAITING,
                    f"event:{event.seq}",
                    f"A submission to “{title}” is waiting for review",
                    "Score it from your review queue.",
                    url,
                    event.seq,
                )
            )
    return drafts


def _wanting(kind: str, user_ids: Sequence[int]) -> set[int]:
    """Which of these people want `kind` on at least one channel."""
    chosen = dict(NotificationSettings.objects.filter(user_id__in=user_ids).values_list("user_id", "choices"))
    return {user_id for user_id in user_ids if channels_of(chosen.get(user_id) or {}, kind)}


def store(drafts: Sequence[Draft]) -> list[int]:
    """Store the notifications not stored yet and their deliveries; after the commit, send the deliveries
    and tell the people's open pages. Returns the ids of the new notifications."""
    user_ids = sorted({draft.user_id for draft in drafts})
    found = {row.user_id: row for row in NotificationSettings.objects.filter(user_id__in=user_ids)}
    now = timezone.now()
    rows = []
    for draft in drafts:
        chosen = channels_of(found[draft.user_id].choices if draft.user_id in found else {}, draft.kind)
        if not chosen:
            continue
        rows.append(
            Notification(
                user_id=draft.user_id,
                kind=draft.kind,
                key=draft.key[:120],
                title=draft.title[:200],
                body=draft.body,
                url=draft.url[:300],
                event_seq=draft.event_seq,
                created_at=now,
                # Wanted by e-mail or webhook only: kept for the delivery log, never counted as unread.
                read_at=None if "app" in chosen else now,
            )
        )
    if not rows:
        return []
    keys = Q()
    for row in rows:
        keys |= Q(user_id=row.user_id, key=row.key)
    known = set(Notification.objects.filter(keys).values_list("user_id", "key"))
    fresh = [row for row in rows if (row.user_id, row.key) not in known]
    created = []
    for row in fresh:
        try:
            with transaction.atomic():  # another writer may store the same key meanwhile
                row.save(force_insert=True)
        except IntegrityError:
            continue
        created.append(row)
    deliveries = []
    for row in created:
        person = found.get(row.user_id)
        if person is None:
            continue
        chosen = channels_of(person.choices, row.kind)
        if "email" in chosen and person.email:
            deliveries.append(Delivery(notification=row, channel=Delivery.Channel.EMAIL, target=person.email))
        if "webhook" in chosen and person.webhook_url:
            deliveries.append(
                Delivery(notification=row, channel=Delivery.Channel.WEBHOOK, target=person.webhook_url)
            )
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    delivery_ids = list(
        Delivery.objects.filter(notification__in=created, state=Delivery.State.PENDING).values_list(
            "pk", flat=True
        )
    )
    told = sorted({row.user_id for row in created if row.read_at is None})

    def after_commit() -> None:
        for delivery_id in delivery_ids:
            jobs.send(jobs.DELIVER_NOTIFICATION, delivery_id=delivery_id)
        broadcast.announce_unread({user_id: unread_count(user_id) for user_id in told})

    transaction.on_commit(after_commit, robust=True)
    return [row.pk for row in created]


def notify(draft: Draft) -> bool:
    """Store one notification (a condition beat found); False when it was already made."""
    with transaction.atomic():
        return bool(store([draft]))


# --- conditions that are no event ---------------------------------------------------------------


def check_conditions(now: dt.datetime | None = None) -> int:
    """Auto-mining failing or stopped for minutes, balances too low for it: notify once per episode."""
    now = now or timezone.now()
    made = 0
    configs = list(AutoMiningConfig.objects.filter(enabled=True).select_related("user"))
    for config in configs:
        if config.last_error and config.last_error_at and config.last_error_at <= now - FAILING_AFTER:
            minutes = int((now - config.last_error_at).total_seconds() // 60)
            made += notify(
                Draft(
                    config.user_id,
                    Kind.AUTOMINING,
                    f"automining-failing:{int(config.last_error_at.timestamp())}",
                    f"Auto-mining has been failing for {minutes} minutes",
                    config.last_error,
                    reverse("automining"),
                )
            )
        made += _check_stopped(config, now)
    made += _check_balances(configs, now)
    return made


def _check_stopped(config: AutoMiningConfig, now: dt.datetime) -> bool:
    last = AutoMiningRun.objects.filter(user_id=config.user_id).order_by("-started_at").first()
    quiet_since = max(last.started_at if last else config.updated_at, config.updated_at)
    allowed = max(STOPPED_AFTER, dt.timedelta(seconds=3 * config.check_interval))
    if quiet_since > now - allowed:
        return False
    minutes = int((now - quiet_since).total_seconds() // 60)
    return notify(
        Draft(
            config.user_id,
            Kind.AUTOMINING,
            f"automining-stopped:{last.pk if last else 0}:{int(config.updated_at.timestamp())}",
            "Auto-mining has stopped checking for tasks",
            f"It is on, but no check has run for {minutes} minutes: the dashboard's workers may be down.",
            reverse("automining"),
        )
    )


def smallest_stake(config: AutoMiningConfig, address: str) -> int | None:
    """The stake auto-mining would put on the cheapest active task it may join (None when there is none)."""
    tasks = Task.objects.filter(status__in=rules.OPEN_STATUSES, deadline__gt=timezone.now()).exclude(
        publisher=address
    )
    if config.task_types:
        tasks = tasks.filter(task_kind__in=config.task_types)
    if config.target_difficulties:
        tasks = tasks.filter(difficulty__in=config.target_difficulties)
    cheapest = tasks.order_by("reward_amount").first()
    if cheapest is None:
        return None
    return stake_within(config, cheapest.reward_amount, cheapest.stake_required)


def _check_balances(configs: Iterable[AutoMiningConfig], now: dt.datetime) -> int:
    accounts = dict(
        NodeAccount.objects.filter(user_id__in=[config.user_id for config in configs]).values_list(
            "user_id", "address"
        )
    )
    made = 0
    wanted = [(config, accounts[config.user_id]) for config in configs if config.user_id in accounts]
    if not wanted or not node.node_is_up():
        return 0
    try:
        with node.client(quick=True) as reader:
            for config, address in wanted:
                needed = smallest_stake(config, address)
                if needed is None:
                    continue
                balance = reader.get_balance(address)
                if balance >= needed:
                    continue
                made += notify(
                    Draft(
                        config.user_id,
                        Kind.BALANCE_LOW,
                        f"balance-low:{now.date().isoformat()}",
                        f"Your balance, {tos_text(balance)} TOS, is too low for auto-mining",
                        f"It would stake {tos_text(needed)} TOS on the cheapest task it may join, so it joins "
                        "nothing until you add funds or lower its stake.",
                        reverse("wallet"),
                    )
                )
    except NodeError as exc:
        logger.warning("balances for auto-mining could not be checked: %s", exc)
    return made


# --- the list and the count ------------------------------------------------------------------------


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


@dataclass(frozen=True)
class Inbox:
    notifications: list[Notification]
    unread: int
    deliveries: list[Delivery]


def inbox(user: AbstractBaseUser, *, unread_only: bool = False) -> Inbox:
    """The person's latest notifications, how many are unread, and the latest deliveries of them."""
    mine = Notification.objects.filter(user_id=user.pk)
    listed = mine.filter(read_at__isnull=True) if unread_only else mine
    deliveries = Delivery.objects.filter(notification__user_id=user.pk).select_related("notification")[:20]
    return Inbox(list(listed[:PAGE_SIZE]), unread_count(int(user.pk)), list(deliveries))


def owns(user: AbstractBaseUser, notification_id: int) -> bool:
    """Whether this notification is the person's (another person's is answered as if it did not exist)."""
    return Notification.objects.filter(user_id=user.pk, pk=notification_id).exists()


def mark_read(user: AbstractBaseUser, notification_ids: Sequence[int] | None = None) -> int:
    """Mark the person's notifications read (all when no ids are given); how many changed."""
    unread = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    changed = unread.update(read_at=timezone.now())
    if changed:
        user_id = int(user.pk)

        def tell() -> None:
            broadcast.announce_unread({user_id: unread_count(user_id)})

        transaction.on_commit(tell, robust=True)
    return changed
