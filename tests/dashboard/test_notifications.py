"""Notifications: made from the relay's events once per person, e-mailed through Django's mail backend, posted
signed to webhooks (a real local receiver), retried with backoff, isolated from slow and dead endpoints."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from dashboard import relay, services
from dashboard.models import AutoMiningConfig, AutoMiningRun, Delivery, NodeAccount, Notification, Profile
from dashboard.services import deliveries, notifications
from tests.support.devnode import DevnodeProcess
from tests.support.tasks import TOS, cached_task
from tests.support.webhooks import Receiver, run_receiver, signed_correctly

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "node_down")]

NOW = int(time.time())
TASK = "cd" * 32
_seq = [1000]


def event(name: str, **data: Any) -> dict[str, Any]:
    _seq[0] += 1
    return {"event": name, "seq": _seq[0], "topoheight": 1, "timestamp": NOW, "data": data}


def person(username: str, key: str, *roles: str) -> tuple[User, str]:
    user = User.objects.create_user(username)
    Profile.objects.create(
        user=user,
        is_publisher="publisher" in roles,
        is_miner="miner" in roles,
        is_validator="validator" in roles,
    )
    return user, services.link_imported_account(user, key * 32).address


@pytest.fixture
def miner() -> tuple[User, str]:
    return person("miner", "21", "miner")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with run_receiver() as running:
        yield running


@pytest.fixture(autouse=True)
def mails(settings: SettingsWrapper) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def reward(recipient: str, amount: int = 12 * TOS, reward_type: str = "winner") -> dict[str, Any]:
    return event(
        "reward_distributed", task_id=TASK, recipient=recipient, amount=str(amount), reward_type=reward_type
    )


def test_a_reward_makes_one_notification_in_words_however_often_its_event_is_stored(
    miner: tuple[User, str],
) -> None:
    user, address = miner
    cached_task(task_id=TASK, title="Parse the logs")
    paid = reward(address)

    relay.store_and_announce([paid])
    relay.store_and_announce([paid])  # the relay again after a restart
    notifications.store(notifications.drafts_for(list(services_events([paid]))))  # and a second pass

    made = Notification.objects.get(user=user)
    assert made.title == "You received 12 TOS (winner's share)"
    assert made.body == "For “Parse the logs”."
    assert made.url == f"/tasks/{TASK}/"
    assert notifications.unread_count(user.pk) == 1


def services_events(raws: list[dict[str, Any]]) -> list[Any]:
    from dashboard.models import NodeEvent

    return list(NodeEvent.objects.filter(seq__in=[raw["seq"] for raw in raws]))


def test_stake_returns_and_refunds_are_not_called_rewards(miner: tuple[User, str]) -> None:
    user, address = miner
    relay.store_and_announce(
        [reward(address, reward_type="stake_return"), reward(address, reward_type="refund")]
    )
    assert not Notification.objects.filter(user=user).exists()


def test_the_publisher_hears_that_a_task_completed_or_expired() -> None:
    publisher, address = person("publisher", "22", "publisher")
    cached_task(task_id=TASK, title="Audit this", publisher=address)
    expired = "ef" * 32
    cached_task(task_id=expired, title="Nobody came", publisher=address)

    relay.store_and_announce(
        [event("task_completed", task_id=TASK, winner="tst1someone"), event("task_expired", task_id=expired)]
    )

    titles = sorted(Notification.objects.filter(user=publisher).values_list("title", flat=True))
    assert titles == ["Your task “Audit this” completed", "Your task “Nobody came” expired"]


def test_validators_hear_of_a_waiting_submission_except_those_who_may_not_review_it() -> None:
    person("validator", "23", "validator")
    _, submitter_address = person("submitter", "24", "validator", "miner")
    _, publisher_address = person("task-owner", "25", "publisher", "validator")
    quiet, _ = person("quiet", "26", "validator")
    notifications.save_settings(quiet, choices={"reward": ["app"]}, email="", webhook_url="")
    person("just-a-miner", "27", "miner")
    cached_task(task_id=TASK, title="Review me", publisher=publisher_address)

    relay.store_and_announce(
        [event("submission_received", task_id=TASK, submission_id="s1", submitter=submitter_address)]
    )

    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"validator"}  # not the author, not the publisher, not one who chose not to hear
    made = Notification.objects.get()
    assert made.url == f"/validation/{TASK}/s1/"


def test_a_kind_sent_only_by_e_mail_is_mailed_and_never_counted_unread(miner: tuple[User, str]) -> None:
    user, address = miner
    notifications.save_settings(
        user, choices={"reward": ["email"]}, email="miner@example.org", webhook_url=""
    )

    relay.store_and_announce([reward(address)])

    made = Notification.objects.get(user=user)
    assert made.read_at is not None
    assert notifications.unread_count(user.pk) == 0
    delivery = Delivery.objects.get(notification=made)
    assert (delivery.channel, delivery.target) == ("email", "miner@example.org")

    assert deliveries.deliver(delivery.pk).state == "delivered"
    assert deliveries.deliver(delivery.pk).state == "delivered"  # a second run sends nothing more
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "You received 12 TOS (winner's share)"
    assert mail.outbox[0].to == ["miner@example.org"]
    assert "/tasks/" in mail.outbox[0].body


def webhook_for(user: User, url: str, *kinds: str) -> str:
    notifications.save_settings(
        user, choices={kind: ["app", "webhook"] for kind in kinds}, email="", webhook_url=url
    )
    return notifications.webhook_secret(notifications.settings_for(user))


def test_a_webhook_gets_a_signed_json_body_once(miner: tuple[User, str], receiver: Receiver) -> None:
    user, address = miner
    secret = webhook_for(user, f"{receiver.url}/ok", "reward")
    relay.store_and_announce([reward(address)])
    delivery = Delivery.objects.get()

    assert deliveries.deliver(delivery.pk).state == "delivered"
    assert deliveries.deliver(delivery.pk).state == "delivered"

    [got] = receiver.to("/ok")
    assert signed_correctly(got, secret)
    assert not signed_correctly(got, "whsec_another")
    body = json.loads(got.body)
    assert body["kind"] == "reward"
    assert body["title"] == "You received 12 TOS (winner's share)"
    assert body["url"].endswith(f"/tasks/{TASK}/")
    assert got.headers["X-TOS-Delivery"] == f"delivery-{delivery.pk}"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)


def test_a_failing_webhook_is_retried_with_growing_waits_then_delivered_with_the_same_id(
    miner: tuple[User, str], receiver: Receiver
) -> None:
    user, address = miner
    webhook_for(user, f"{receiver.url}/flaky", "reward")
    receiver.statuses["/flaky"] = [503, 500]
    relay.store_and_announce([reward(address)])
    delivery = Delivery.objects.get()

    waits = []
    for _ in range(3):
        outcome = deliveries.deliver(delivery.pk)
        if outcome.retry_in is not None:
            waits.append(outcome.retry_in)
        # Time passes: the row is due again, and the endpoint's rest is over.
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        from django.core.cache import cache

        cache.clear()

    assert outcome.state == "delivered"
    assert waits == [deliveries.backoff(1), deliveries.backoff(2)]
    assert waits[0] < waits[1]
    ids = {item.headers["X-TOS-Delivery"] for item in receiver.to("/flaky")}
    assert len(receiver.to("/flaky")) == 3
    assert ids == {f"delivery-{delivery.pk}"}


def test_a_webhook_that_refuses_is_given_up_at_once_and_the_log_says_why(
    miner: tuple[User, str], receiver: Receiver, client: Client
) -> None:
    user, address = miner
    webhook_for(user, f"{receiver.url}/gone", "reward")
    receiver.statuses["/gone"] = [410]
    relay.store_and_announce([reward(address)])

    assert deliveries.deliver(Delivery.objects.get().pk).state == "failed"

    client.force_login(user)
    html = client.get("/notifications/settings/").content.decode()
    assert "given up" in html
    assert "HTTP 410 from the endpoint: it refused the delivery" in html


@pytest.mark.django_db(transaction=True)
def test_a_hanging_endpoint_delays_only_its_own_deliveries(
    receiver: Receiver, settings: SettingsWrapper
) -> None:
    settings.TOS_WEBHOOK_TIMEOUT = 1.5
    receiver.delays["/hang"] = 30
    slow, slow_address = person("slow", "31", "miner")
    fast, fast_address = person("fast", "32", "miner")
    webhook_for(slow, f"{receiver.url}/hang", "reward")
    webhook_for(fast, f"{receiver.url}/fast", "reward")
    relay.store_and_announce([reward(slow_address), reward(slow_address, 5 * TOS), reward(fast_address)])
    slow_ids = list(Delivery.objects.filter(notification__user=slow).values_list("pk", flat=True))
    fast_id = Delivery.objects.get(notification__user=fast).pk

    def deliver_then_close(delivery_id: int) -> None:
        try:
            deliveries.deliver(delivery_id)
        finally:
            connection.close()  # this thread's own connection

    hanging = threading.Thread(target=deliver_then_close, args=(slow_ids[0],))
    hanging.start()
    time.sleep(0.3)
    started = time.monotonic()
    # The slow endpoint's other delivery waits for its slot without calling it; the other user's goes now.
    assert deliveries.deliver(slow_ids[1]).retry_in == deliveries.BUSY_DELAY
    assert deliveries.deliver(fast_id).state == "delivered"
    assert time.monotonic() - started < 1.0
    hanging.join()

    first = Delivery.objects.get(pk=slow_ids[0])
    assert (first.state, first.attempts) == ("pending", 1)
    assert "no answer in time" in first.last_error
    # The endpoint rests for its backoff: its next delivery is put off without a call.
    later = deliveries.deliver(slow_ids[1])
    assert later.retry_in is not None
    assert later.retry_in > 5
    assert len(receiver.to("/hang")) == 1


def test_a_killed_workers_delivery_is_taken_over_once_its_lease_runs_out(
    miner: tuple[User, str], receiver: Receiver
) -> None:
    user, address = miner
    webhook_for(user, f"{receiver.url}/ok", "reward")
    relay.store_and_announce([reward(address)])
    delivery = Delivery.objects.get()
    assert deliveries.claim(delivery.pk, timezone.now()) is not None  # a worker took it, then died

    assert deliveries.deliver(delivery.pk).state == "sending"  # still held: nobody else sends it
    assert deliveries.due() == []
    later = timezone.now() + dt.timedelta(seconds=deliveries.lease_seconds() + 1)
    assert deliveries.due(later) == [delivery.pk]  # the sweep hands it on once the lease ran out
    Delivery.objects.filter(pk=delivery.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    assert deliveries.deliver(delivery.pk).state == "delivered"
    assert len(receiver.to("/ok")) == 1


def test_two_workers_claiming_one_delivery_send_it_once(miner: tuple[User, str]) -> None:
    user, address = miner
    notifications.save_settings(user, choices={"reward": ["email"]}, email="m@example.org", webhook_url="")
    relay.store_and_announce([reward(address)])
    delivery = Delivery.objects.get()
    now = timezone.now()
    assert deliveries.claim(delivery.pk, now) is not None
    assert deliveries.claim(delivery.pk, now) is None


def test_production_sends_webhooks_over_https_only(
    miner: tuple[User, str], settings: SettingsWrapper, client: Client
) -> None:
    user, address = miner
    webhook_for(user, "http://hooks.example.org/tos", "reward")
    relay.store_and_announce([reward(address)])
    settings.PRODUCTION = True

    assert deliveries.deliver(Delivery.objects.get().pk).state == "failed"
    client.force_login(user)
    form = {"kind_reward": ["webhook"], "webhook_url": "http://hooks.example.org/tos", "email": ""}
    reply = client.post("/notifications/settings/", form)
    assert reply.status_code == 400
    assert "Webhooks are sent over HTTPS only" in reply.content.decode()


def test_settings_are_saved_per_kind_and_the_secret_is_shown_to_its_owner(client: Client) -> None:
    user, _ = person("chooser", "41", "miner")
    client.force_login(user)
    form = {
        "kind_reward": ["app", "email"],
        "kind_balance_low": ["webhook"],
        "email": "me@example.org",
        "webhook_url": "https://hooks.example.org/tos",
    }
    assert client.post("/notifications/settings/", form).status_code == 302

    saved = notifications.settings_for(user)
    assert notifications.channels_of(saved.choices, "reward") == ["app", "email"]
    assert notifications.channels_of(saved.choices, "balance_low") == ["webhook"]
    assert notifications.channels_of(saved.choices, "task_finished") == []
    secret = notifications.webhook_secret(saved)
    assert secret.startswith("whsec_")
    assert secret in client.get("/notifications/settings/").content.decode()
    other, _ = person("other", "42", "miner")
    client.force_login(other)
    assert secret not in client.get("/notifications/settings/").content.decode()


def test_an_e_mail_kind_needs_an_address(client: Client) -> None:
    user, _ = person("forgetful", "43", "miner")
    client.force_login(user)
    reply = client.post(
        "/notifications/settings/", {"kind_reward": ["email"], "email": "", "webhook_url": ""}
    )
    assert reply.status_code == 400
    assert "Enter an e-mail address" in reply.content.decode()


def test_the_list_is_the_owners_and_marking_read_touches_only_theirs(client: Client) -> None:
    owner, owner_address = person("owner", "51", "miner")
    other, other_address = person("someone", "52", "miner")
    relay.store_and_announce([reward(owner_address), reward(other_address)])
    theirs = Notification.objects.get(user=other)
    client.force_login(owner)

    html = client.get("/notifications/").content.decode()
    assert html.count('class="unread"') == 1
    assert client.post("/notifications/read/", {"notification": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None  # another person's stays unread
    assert client.get("/notifications/count/").content.decode().count(">1<") == 1

    assert client.post("/notifications/read/", {}).status_code == 302  # mark all of mine
    assert notifications.unread_count(owner.pk) == 0
    assert notifications.unread_count(other.pk) == 1


def test_logged_out_the_notification_pages_ask_for_a_login(client: Client) -> None:
    for url in ("/notifications/", "/notifications/settings/", "/notifications/count/"):
        assert client.get(url).status_code == 302


def test_auto_mining_failing_for_minutes_is_told_once_per_episode(miner: tuple[User, str]) -> None:
    user, _ = miner
    started = timezone.now() - dt.timedelta(minutes=7)
    AutoMiningConfig.objects.create(
        user=user,
        enabled=True,
        last_error="the AI service answered 401: check the API key",
        last_error_at=started,
    )
    AutoMiningConfig.objects.filter(user=user).update(updated_at=started)
    AutoMiningRun.objects.create(user=user, trigger="schedule")  # checks still run: it is not stopped

    notifications.check_conditions()
    notifications.check_conditions()

    made = Notification.objects.filter(user=user, kind="automining")
    assert [n.title for n in made] == ["Auto-mining has been failing for 7 minutes"]
    assert made.get().body == "the AI service answered 401: check the API key"
    count = made.count()

    # A success clears the error; a new failure later is a new episode.
    AutoMiningConfig.objects.filter(user=user).update(
        last_error="node unreachable", last_error_at=timezone.now() - dt.timedelta(minutes=6)
    )
    notifications.check_conditions()
    assert Notification.objects.filter(user=user, kind="automining").count() == count + 1


def test_auto_mining_that_stopped_checking_is_told(miner: tuple[User, str]) -> None:
    user, _ = miner
    AutoMiningConfig.objects.create(user=user, enabled=True)
    AutoMiningConfig.objects.filter(user=user).update(updated_at=timezone.now() - dt.timedelta(minutes=20))
    run = AutoMiningRun.objects.create(user=user, trigger="schedule")
    AutoMiningRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - dt.timedelta(minutes=15))

    notifications.check_conditions()

    [made] = Notification.objects.filter(user=user, kind="automining")
    assert made.title == "Auto-mining has stopped checking for tasks"
    assert "no check has run for 15 minutes" in made.body


def test_a_recent_error_is_not_told_yet(miner: tuple[User, str]) -> None:
    user, _ = miner
    AutoMiningConfig.objects.create(user=user, enabled=True, last_error="busy", last_error_at=timezone.now())
    notifications.check_conditions()
    assert not Notification.objects.filter(user=user).exists()


def test_a_balance_below_the_stake_auto_mining_would_put_is_told_once_a_day(
    devnode: DevnodeProcess, settings: SettingsWrapper
) -> None:
    settings.TOS_NODE_URL = devnode.url  # this module's other tests run with the node down
    user, address = person("poor", "61", "miner")  # an imported account: no faucet, balance 0
    AutoMiningConfig.objects.create(user=user, enabled=True)
    cached_task(task_id="12" * 32, reward_amount=100 * TOS, stake_required=10 * TOS)

    notifications.check_conditions()
    notifications.check_conditions()

    [made] = Notification.objects.filter(user=user, kind="balance_low")
    assert made.title == "Your balance, 0 TOS, is too low for auto-mining"
    assert "10 TOS" in made.body
    assert NodeAccount.objects.get(user=user).address == address


def test_a_webhook_may_not_point_into_the_dashboards_own_networks(
    miner: tuple[User, str], settings: SettingsWrapper, client: Client
) -> None:
    user, address = miner
    webhook_for(user, "https://10.1.2.3/hook", "reward")  # saved before the rule applied
    relay.store_and_announce([reward(address)])
    settings.PRODUCTION = True
    settings.SOLVER_ALLOW_LOOPBACK = False

    delivery = Delivery.objects.get()
    assert deliveries.deliver(delivery.pk).state == "failed"
    delivery.refresh_from_db()
    assert "private network address" in delivery.last_error
    client.force_login(user)
    for url in ("https://127.0.0.1/hook", "https://169.254.169.254/latest"):
        reply = client.post("/notifications/settings/", {"kind_reward": ["webhook"], "webhook_url": url})
        assert reply.status_code == 400, url
        assert "which notifications may not call" in reply.content.decode()
