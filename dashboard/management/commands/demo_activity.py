"""`make demo`'s extra process: the demo publisher publishes a task every so often, the demo reviewer
scores what nobody reviewed by the deadline, and demo accounts running low are topped up from the devnet
faucet, so that the live feed keeps moving for a visitor, for days (`DemoPace`)."""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from dashboard import node
from dashboard.management.commands.seed_demo import (
    DEMO_USERS,
    REVIEWER,
    DemoError,
    DemoPace,
    publish_demo_task,
)
from dashboard.models import NodeAccount, Task
from dashboard.services.validation import Verdict, review, review_queue
from tos_ai import NodeError

logger = logging.getLogger(__name__)

#: The demo reviewer's scores go round these (all above the demo tasks' passing score of 60).
SCORES = (92, 78, 85, 70, 88, 95, 81)


def review_due(reviewer: User, number: int = 0) -> int:
    """Score every submission still unreviewed once its task's deadline passed; how many were scored.

    Before the deadline a task's submissions are left to the people: the `validator` login's queue."""
    account = NodeAccount.objects.get(user=reviewer)
    scored = 0
    for item in review_queue(account, "review").items:
        if item.task.status != Task.Status.UNDER_VALIDATION:
            continue
        score = SCORES[(number + scored) % len(SCORES)]
        verdict = Verdict(True, score, "Scored by the demo reviewer: nobody reviewed it before the deadline.")
        if review(account, item.task.task_id, item.submission_id, verdict).done:
            scored += 1
    return scored


def top_up(users: dict[str, User], pace: DemoPace) -> list[str]:
    """Fund from the devnet faucet every demo account whose balance is below `pace.low_balance`."""
    topped = []
    with node.client() as dev:
        for username, user in users.items():
            account = NodeAccount.objects.get(user=user)
            if dev.get_balance(account.address) < pace.low_balance:
                dev.dev.faucet(account.address, pace.top_up)
                topped.append(username)
    return topped


@dataclass
class DemoActivity:
    """The demo's users and pace, and how far it got: call `round()` every few seconds."""

    pace: DemoPace
    users: dict[str, User]
    published: int
    reviewed: int = 0

    @classmethod
    def load(cls, pace: DemoPace) -> DemoActivity:
        users = {user.username: user for user in User.objects.filter(username__in=[*DEMO_USERS, REVIEWER])}
        account = NodeAccount.objects.get(user=users["publisher"])
        return cls(pace, users, Task.objects.filter(publisher=account.address).count())

    def round(self, *, publish: bool) -> list[str]:
        """Top up, publish one task when asked, score what is due; what happened, in words."""
        said = [f"topped up {name} from the devnet faucet" for name in top_up(self.users, self.pace)]
        if publish:
            task_id = publish_demo_task(self.users["publisher"], self.published + 1, self.pace)
            self.published += 1
            said.append(f"published demo task {task_id}")
        scored = review_due(self.users[REVIEWER], self.reviewed)
        self.reviewed += scored
        if scored:
            said.append(f"the demo reviewer scored {scored} submission(s)")
        return said


class Command(BaseCommand):
    help = "Keep the demo alive: publish a task every --interval seconds, review what is due, top up."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=float(settings.TOS_DEMO_INTERVAL),
            help="seconds between published tasks (TOS_DEMO_INTERVAL, 20 by default)",
        )
        parser.add_argument(
            "--poll", type=float, default=3.0, help="seconds between looks at the review queue"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        pace = DemoPace(options["interval"])
        # The node and Redis start beside this process: seed the demo once they answer.
        while not stop.is_set():
            try:
                call_command("seed_demo", with_activity=True, interval=pace.interval, stdout=self.stdout)
                break
            except Exception as exc:  # anything from a node or broker still starting
                logger.warning("demo activity: waiting for the node and Redis (%s)", exc)
                close_old_connections()
                stop.wait(2)
        demo = DemoActivity.load(pace)
        self.stdout.write(
            f"Demo activity: a task every {pace.interval:g} s, due {pace.deadline_seconds} s later; "
            "the `validator` login's queue is left to you until a task's deadline."
        )
        waited = pace.interval
        while not stop.is_set():
            close_old_connections()
            try:
                for line in demo.round(publish=waited >= pace.interval):
                    self.stdout.write(line)
                if waited >= pace.interval:
                    waited = 0.0
            except (NodeError, DemoError) as exc:
                # The node restarting is part of a demo's life; try again next round.
                logger.warning("demo activity: %s", exc)
            stop.wait(options["poll"])
            waited += options["poll"]
