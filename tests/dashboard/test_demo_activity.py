"""`make demo` keeps moving: a simulated day on a real devnode whose clock is advanced round by round, and
the pace's limits checked against what the node and the faucet allow at the default pace."""

from __future__ import annotations

import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings as SettingsWrapper

from dashboard import events, services
from dashboard.management.commands.demo_activity import DemoActivity
from dashboard.management.commands.seed_demo import DEMO_TASKS, REVIEWER, REWARD, DemoPace
from dashboard.models import AutoMiningConfig, AutoParticipation, Credit, NodeAccount, NodeEvent, Task
from dashboard.services import automining, autowork
from devnode import rules
from devnode.__main__ import parse_rate_limits
from tests.support.devnode import run_devnode
from tosweb.launcher import DEMO_NODE_ARGS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("use_redis")]

#: A day in 96 rounds: every quantity of the pace (deadlines, caps, top-ups) scales with its interval.
DAY = DemoPace(interval=900)


def address(demo: DemoActivity, username: str) -> str:
    return NodeAccount.objects.get(user=demo.users[username]).address


def test_a_simulated_day_of_demo_keeps_publishing_joining_reviewing_and_paying(
    tmp_path: Path, settings: SettingsWrapper
) -> None:
    settings.RUN_DIR = tmp_path
    # Demo accounts start with less than a day of publishing: the faucet's top-ups must carry it.
    settings.TOS_DEV_FAUCET_AMOUNT = 1_000 * 10**8
    with run_devnode(tmp_path, extra_args=DEMO_NODE_ARGS.split()) as node:
        settings.TOS_NODE_URL = node.url
        call_command("seed_demo", with_activity=True, interval=DAY.interval, stdout=StringIO())
        demo = DemoActivity.load(DAY)
        said: list[str] = []
        started = time.monotonic()
        for _ in range(DAY.tasks_per_day):
            said += demo.round(publish=True)
            published = [line.rsplit(" ", 1)[1] for line in said if line.startswith("published")]
            events.catch_up()  # the relay's part
            for row in automining.match_published(published[-1:]):  # the workers' part: join, then solve
                if autowork.work(row):
                    autowork.work(row, solving=True)
            node.rpc("dev_increase_time", {"seconds": int(DAY.interval)})
            node.rpc("dev_mine", {"blocks": 1})
        events.catch_up()
        took = time.monotonic() - started

        # Publishing never stopped, and the faucet refilled the publisher as it went.
        assert demo.published == DEMO_TASKS + DAY.tasks_per_day, said[-5:]
        assert "topped up publisher from the devnet faucet" in said
        # The miner joined and answered every task of the day, with no cap or error in the way.
        miner = demo.users["miner"]
        rows = AutoParticipation.objects.filter(user=miner)
        assert rows.count() >= DAY.tasks_per_day
        assert set(rows.values_list("state", flat=True)) == {AutoParticipation.State.SUBMITTED}
        assert AutoMiningConfig.objects.get(user=miner).last_error == ""
        # Tasks completed and paid all day: all but the last deadline's worth.
        completed = NodeEvent.objects.filter(name="task_completed").count()
        assert completed >= DAY.tasks_per_day - DAY.tasks_at_once
        wins = Credit.objects.filter(recipient=address(demo, "miner"), reward_type="winner").count()
        assert wins == completed
        assert (
            NodeEvent.objects.filter(
                name="validation_completed", data__validator=address(demo, REVIEWER)
            ).count()
            == completed
        )
        # The `validator` login's queue is the person's: nothing reviewed for it, and work waiting there.
        validator = NodeAccount.objects.get(user=demo.users["validator"])
        assert not NodeEvent.objects.filter(name="validation_completed", data__validator=validator.address)
        assert services.review_queue(validator, "review").counts["review"] >= 1
        assert Task.objects.filter(status=Task.Status.EXPIRED).count() == 0
    topped = sum(line.startswith("topped up") for line in said)
    print(
        f"a simulated demo day of {DAY.tasks_per_day} rounds took {took:.1f} s: {completed} completed, {topped} top-ups"
    )


def limits(args: str) -> dict[str, Any]:
    words = args.split()
    parsed = parse_rate_limits(words[words.index("--rate-limits") + 1])
    assert parsed is not None
    return parsed


def test_the_default_pace_fits_the_nodes_hourly_limits_and_the_faucet_for_weeks() -> None:
    pace = DemoPace()
    allowed = limits(DEMO_NODE_ARGS)
    # One publisher publishes and one miner submits every task; one reviewer scores them all at most.
    for action in ("publish", "submit", "validate"):
        assert pace.tasks_per_hour <= allowed[action] // 2, action
    # The publisher spends about 85 % of each reward: the faucet holds out for weeks of demo.
    assert rules.FAUCET_CAP // (pace.tasks_per_day * REWARD) >= 30
    assert pace.deadline_seconds <= 5 * 60
    config = pace.automining()
    assert config["max_concurrent_tasks"] >= 2 * pace.tasks_at_once
    assert config["max_stake_per_day"] >= pace.tasks_per_day * pace.stake
