"""Who each event concerns, and sending it only after the commit, counted on the real Redis layer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from django.contrib.auth.models import User
from django.db import transaction

from dashboard import livemessages, visibility
from dashboard.events import record_events
from dashboard.models import NodeAccount, NodeEvent
from dashboard.relay import store_and_announce
from tests.support.devnode import free_port
from tests.support.tasks import cached_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("use_redis")]

PUBLISHER, MINER, VALIDATOR, OUTSIDER = "tst1publisher", "tst1miner", "tst1validator", "tst1outsider"
TASK = "e" * 64


@pytest.fixture(autouse=True)
def core_layer(use_redis: str, settings: Any) -> None:
    """The core layer here: a Listener lives across several event loops (one per async_to_sync call), which
    pub/sub channels do not survive. What is sent does not depend on the layer; the consumer tests and the
    browser tests run on the default pub/sub layer."""
    hosts = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]  # the settings' host, on the test Redis
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": hosts}}
    }


def event(seq: int, name: str, **data: object) -> dict[str, object]:
    return {"event": name, "seq": seq, "topoheight": 1, "timestamp": 1_800_000_000 + seq, "data": data}


def linked(username: str, address: str) -> User:
    user = User.objects.create_user(username, password="a-long-passphrase")
    NodeAccount.objects.create(user=user, address=address, encrypted_private_key="-", origin="imported")
    return user


def stored(*raw: dict[str, object]) -> list[NodeEvent]:
    return record_events(raw)


class Listener:
    """A channel on the real layer, added to some groups, that counts what it receives."""

    def __init__(self, *groups: str) -> None:
        self.layer: Any = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        for group in groups:
            async_to_sync(self.layer.group_add)(group, self.channel)

    def received(self, timeout: float = 0.5) -> list[dict[str, Any]]:
        async def drain() -> list[dict[str, Any]]:
            messages = []
            while True:
                try:
                    messages.append(await asyncio.wait_for(self.layer.receive(self.channel), timeout))
                except TimeoutError:
                    return messages

        return async_to_sync(drain)()


def test_a_validation_concerns_the_validator_the_submitter_and_the_publisher() -> None:
    stored(
        event(1, "task_published", task_id=TASK, publisher=PUBLISHER, title="Sort"),
        event(2, "participant_joined", task_id=TASK, miner=MINER, participation_id="p"),
        event(3, "submission_received", task_id=TASK, submission_id="s1", submitter=MINER),
    )
    (validation,) = stored(
        event(4, "validation_completed", task_id=TASK, submission_id="s1", validator=VALIDATOR, score=80)
    )
    assert visibility.addresses_concerned(validation, livemessages.task_people) == {
        VALIDATOR,
        MINER,
        PUBLISHER,
    }


def test_a_status_change_concerns_the_participants_known_only_to_the_task_cache() -> None:
    cached_task(publisher=PUBLISHER, task_id=TASK, details={"participants": [{"miner": MINER}]})
    (change,) = stored(
        event(1, "task_status_changed", task_id=TASK, old_status="Published", new_status="InProgress")
    )
    assert visibility.addresses_concerned(change, livemessages.task_people) == {PUBLISHER, MINER}


def test_a_reward_concerns_only_its_recipient_and_only_they_may_see_it() -> None:
    stored(event(1, "task_published", task_id=TASK, publisher=PUBLISHER, title="Sort"))
    (credit,) = stored(
        event(2, "reward_distributed", task_id=TASK, recipient=MINER, amount="5", reward_type="winner")
    )
    assert visibility.addresses_concerned(credit, livemessages.task_people) == {MINER}
    assert list(NodeEvent.objects.filter(visibility.visible_to(MINER)).values_list("seq", flat=True)) == [
        1,
        2,
    ]
    assert list(NodeEvent.objects.filter(visibility.visible_to(OUTSIDER)).values_list("seq", flat=True)) == [
        1
    ]
    assert list(NodeEvent.objects.filter(visibility.visible_to(None)).values_list("seq", flat=True)) == [1]


def test_each_new_event_is_sent_once_to_each_of_its_groups_after_the_commit() -> None:
    publisher, miner = linked("publisher", PUBLISHER), linked("miner", MINER)
    feed = Listener(visibility.FEED_GROUP)
    task = Listener(visibility.task_group(TASK))
    publisher_page = Listener(visibility.user_group(publisher.pk))
    miner_page = Listener(visibility.user_group(miner.pk))

    store_and_announce(
        [
            event(1, "task_published", task_id=TASK, publisher=PUBLISHER, title="Sort"),
            event(2, "reward_distributed", task_id=TASK, recipient=MINER, amount="5", reward_type="winner"),
        ]
    )
    store_and_announce([event(1, "task_published", task_id=TASK, publisher=PUBLISHER, title="Sort")])

    assert [(m["type"], m["seq"]) for m in feed.received()] == [("feed.event", 1)]
    assert [(m["type"], m["seq"]) for m in task.received()] == [("task.event", 1)]
    assert [(m["type"], m["seq"]) for m in publisher_page.received()] == [("user.event", 1)]
    to_miner = miner_page.received()
    [reward] = [message for message in to_miner if message["type"] == "user.event"]
    assert (reward["type"], reward["seq"], reward["user_ids"]) == ("user.event", 2, [miner.pk])
    # The reward's notification changed the miner's unread count: their pages get the header's new count.
    [unread] = [message for message in to_miner if message["type"] == "user.unread"]
    assert 'id="unread-count"' in unread["html"]
    assert ">1<" in unread["html"]
    assert 'data-seq="2"' in reward["row"]
    assert "0.00000005 TOS" in reward["row"]


def test_a_receive_may_wait_longer_than_the_core_layers_blocking_pop() -> None:
    """channels_redis's core layer blocks 5 s in BZPOPMIN, redis-py 8's default read timeout is 5 s too: a
    host given as a bare URL raised "Timeout reading from" at the first quiet 5 s (CI failed on it here)."""
    feed = Listener(visibility.FEED_GROUP)
    assert feed.received(timeout=6) == []


def test_nothing_is_sent_when_the_transaction_rolls_back() -> None:
    feed = Listener(visibility.FEED_GROUP)

    with transaction.atomic():
        store_and_announce([event(1, "task_published", task_id=TASK, publisher=PUBLISHER, title="Sort")])
        transaction.set_rollback(True)

    assert feed.received() == []
    assert not NodeEvent.objects.exists()


def test_events_are_stored_when_the_channel_layer_is_down(settings: Any, caplog: Any) -> None:
    """Redis down must not cost the relay its events: pages replay what they missed from the database."""
    closed = f"redis://127.0.0.1:{free_port()}/0"
    settings.CHANNEL_LAYERS = {
        "default": {**settings.CHANNEL_LAYERS["default"], "CONFIG": {"hosts": [closed]}}
    }
    channel_layers.backends.clear()  # pick up the unreachable layer
    try:
        assert (
            store_and_announce([event(1, "task_published", task_id=TASK, publisher=PUBLISHER, title="Sort")])
            == 1
        )
    finally:
        channel_layers.backends.clear()
    assert list(NodeEvent.objects.values_list("seq", flat=True)) == [1]
    assert "send_deliveries" in caplog.text  # the failed send is logged by name, not lost in a crash


def test_a_page_that_missed_too_much_is_told_to_reload() -> None:
    user = linked("publisher", PUBLISHER)
    stored(*(event(seq, "task_published", task_id=f"{seq:064x}", publisher=PUBLISHER) for seq in range(1, 6)))
    replay = livemessages.replay_for(user.pk, since_seq=0, limit=3)
    assert (replay.truncated, replay.head_seq, replay.messages) == (True, 5, [])
    replay = livemessages.replay_for(user.pk, since_seq=2, limit=3)
    assert [message["seq"] for message in replay.messages] == [3, 4, 5]
    assert all(message["user_ids"] == [user.pk] for message in replay.messages)
