"""The notifier on a real Celery worker (the Procfile's: queue `notifications`, threads) against a real local
webhook receiver: a hanging endpoint holds up nobody else's delivery, and a delivery whose worker is killed
mid-call is sent again by the next worker, with the same delivery id, and to nobody twice."""

from __future__ import annotations

import dataclasses
import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from dashboard.services import deliveries
from tests.support.automining import CeleryProcess, in_stack, wait_until
from tests.support.daphne import Stack, make_stack
from tests.support.devnode import DevnodeProcess
from tests.support.overview_stack import run_in
from tests.support.webhooks import Receiver, run_receiver

pytestmark = [pytest.mark.timeout(180)]


def notifier(stack: Stack, name: str) -> CeleryProcess:
    command = [sys.executable, "-m", "celery", "-A", "tosweb", "worker", "--loglevel", "INFO"]
    command += ["-Q", "notifications", "--pool", "threads", "--concurrency", "4"]
    command += [
        "-n",
        f"{name}-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return CeleryProcess(name, command, stack, stack.run_dir / f"{name}.log")


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, devnode: DevnodeProcess) -> Stack:
    own_redis = redis_url.rsplit("/", 1)[0] + "/8"
    redis.Redis.from_url(own_redis).flushdb()
    made = make_stack(tmp_path, own_redis, devnode.url)
    # Short enough for a test: a webhook answers within 2 s, a killed worker's delivery is free after 4 s.
    return dataclasses.replace(
        made, extra_env={"TOS_WEBHOOK_TIMEOUT": "2", "TOS_DELIVERY_LEASE_SECONDS": "4"}
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with run_receiver() as running:
        yield running


def test_a_hanging_endpoint_delays_nobody_else_and_a_killed_workers_delivery_is_sent_by_the_next(
    stack: Stack, receiver: Receiver
) -> None:
    receiver.delays["/hang"] = 60  # answers long after the sender's timeout
    first = notifier(stack, "notifier-1")
    first.start()
    try:
        first.wait_for_log(" ready.", timeout=90)
        hanging = [
            run_in(
                stack, "webhook_notification", username="slow", url=f"{receiver.url}/hang", title=f"Slow {n}"
            )
            for n in range(3)
        ]
        wait_until(lambda: receiver.to("/hang"), 20, "the hanging endpoint's first call", first)
        fast = run_in(stack, "webhook_notification", username="fast", url=f"{receiver.url}/ok", title="Fast")
        wait_until(lambda: receiver.to("/ok"), 20, "the other user's delivery", first)
        # From the commit that queued it (not from before the helper process started: on a slow machine
        # its Django start-up alone took seconds, and make test-postgres failed on it).
        assert receiver.to("/ok")[0].at - fast["queued_at"] < 5
        # One call to the hanging endpoint at a time, and none while it rests after a failure: the other
        # two deliveries wait without holding a worker thread. On a loaded machine this point can come
        # after the rest, when a next call (of any of the three) is due: what matters is the spacing.
        calls = receiver.to("/hang")
        gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(calls)]
        assert all(gap >= deliveries.BACKOFF_SECONDS[0] for gap in gaps), gaps
        assert run_in(stack, "delivery", delivery_id=fast["delivery_id"])["state"] == "delivered"

        first.stop(kill=True)  # SIGKILL, mid-call or between attempts
    finally:
        first.stop(kill=True)

    receiver.delays["/hang"] = 0  # the endpoint is well again
    second = notifier(stack, "notifier-2")
    second.start()
    try:
        second.wait_for_log(" ready.", timeout=90)

        def all_delivered() -> bool:
            in_stack(stack, "enqueue", task="sweep_deliveries", kwargs={})  # what beat does every 15 s
            states = [run_in(stack, "delivery", delivery_id=row["delivery_id"])["state"] for row in hanging]
            return all(state == "delivered" for state in states)

        wait_until(all_delivered, 60, "the slow user's deliveries after the restart", second)
    finally:
        second.stop()

    ids = [item.headers["X-TOS-Delivery"] for item in receiver.to("/hang")]
    assert sorted(set(ids)) == sorted(f"delivery-{row['delivery_id']}" for row in hanging)
    # The call that hung is made again, with the same id (the receiver can tell it is a repeat).
    assert ids.count(ids[0]) >= 2
    assert len(receiver.to("/ok")) == 1
