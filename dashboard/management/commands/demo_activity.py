"""`make demo`'s extra process: the demo publisher publishes a task every so often and the demo validator
approves what the miners submit, so that the live feed keeps moving for a visitor."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from dashboard.management.commands.seed_demo import DemoError, publish_demo_task
from dashboard.models import NodeAccount, Task
from dashboard.services.validation import Verdict, review, review_queue
from tos_ai import NodeError

logger = logging.getLogger(__name__)


def approve_waiting(validator: User) -> int:
    """Approve every submission the demo validator may review; how many were approved."""
    account = NodeAccount.objects.get(user=validator)
    approved = 0
    for item in review_queue(account, "review").items:
        verdict = Verdict(True, 80, "Clear and complete; approved by the demo validator.")
        if review(account, item.task.task_id, item.submission_id, verdict).done:
            approved += 1
    return approved


class Command(BaseCommand):
    help = "Keep the demo alive: publish a task every --interval seconds and approve submissions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=20.0, help="seconds between published tasks")
        parser.add_argument(
            "--poll", type=float, default=3.0, help="seconds between looks at the review queue"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        # The node and Redis start beside this process: seed the demo once they answer.
        while not stop.is_set():
            try:
                call_command("seed_demo", with_activity=True, stdout=self.stdout)
                break
            except Exception as exc:  # anything from a node or broker still starting
                logger.warning("demo activity: waiting for the node and Redis (%s)", exc)
                close_old_connections()
                stop.wait(2)
        publisher = User.objects.get(username="publisher")
        validator = User.objects.get(username="validator")
        number = Task.objects.filter(publisher=NodeAccount.objects.get(user=publisher).address).count()
        waited = options["interval"]
        self.stdout.write(f"Demo activity: a task every {options['interval']:g} s, submissions approved.")
        while not stop.is_set():
            close_old_connections()
            try:
                if waited >= options["interval"]:
                    number += 1
                    task_id = publish_demo_task(publisher, number)
                    self.stdout.write(f"published demo task {task_id}")
                    waited = 0.0
                approved = approve_waiting(validator)
                if approved:
                    self.stdout.write(f"approved {approved} submission(s)")
            except (
                NodeError,
                DemoError,
            ) as exc:  # the node restarting is part of a demo's life; try again next round
                logger.warning("demo activity: %s", exc)
            stop.wait(options["poll"])
            waited += options["poll"]
