"""Create the demo logins (a publisher, a miner and a validator) and print them.

With `--with-activity` (what `make demo` runs) each demo user also gets a funded node account and its
roles, the miner's auto-mining is switched on with the offline drafter, a `demo-reviewer` account (no
login) is made for the demo's automatic reviews, and the publisher has a few tasks out; `demo_activity`
keeps things moving from there, at the pace `DemoPace` describes.

What each login is for: `publisher` publishes a task every 20 s (and can publish by hand), `miner` has
auto-mining on and joins and answers them, `validator` has a review queue nobody else empties before a
task's deadline: the demo reviewer only scores what is still unreviewed once the deadline has passed.
"""

from __future__ import annotations

import json
import math
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard import services
from dashboard.models import NodeAccount, Profile, Task
from dashboard.services.tasks import TaskDraft
from tos_ai import ATOMIC_PER_TOS

DEMO_USERS = ("publisher", "miner", "validator")
#: The account whose reviews keep the demo's tasks completing: a user nobody logs in with.
REVIEWER = "demo-reviewer"
#: The roles of each demo user (publisher, miner, validator).
DEMO_ROLES = {
    "publisher": (True, False, False),
    "miner": (False, True, False),
    "validator": (False, False, True),
    REVIEWER: (False, False, True),
}
DEMO_TASKS = 3
TOS = ATOMIC_PER_TOS
REWARD = 60 * TOS
STAKE_FRACTION = Decimal("0.1")

_TOPICS = (
    ("Summarise a changelog", "Summarise the changes of a release in five bullet points for users."),
    ("Explain a sorting bug", "A merge sort drops duplicates; explain why and how to fix it."),
    ("Name a cache policy", "Pick an eviction policy for a small read-heavy cache and say why."),
    ("Review a retry loop", "A client retries writes on timeout; explain the risk and a safer design."),
    ("Estimate a queue size", "Messages arrive at 50/s and take 30 ms each; estimate the queue length."),
)


@dataclass(frozen=True)
class DemoPace:
    """How fast the demo moves, and the deadlines, caps and top-ups that let it move at that pace for days.

    A task is published every `interval` seconds with a deadline nine intervals away (3 minutes at the
    default 20 s); the miner joins and answers it within seconds, the `validator` login may review it
    until the deadline, then the demo reviewer scores what is left and the next block completes and pays
    it. So about `tasks_at_once` of the miner's tasks are unfinished at any moment, and the auto-mining
    caps leave three times that room. The publisher spends about 85 % of each reward (the rest comes
    back as refunds), so every demo account is topped up from the devnet faucet when its balance falls
    below two hours of publishing.
    """

    interval: float = 20.0

    @property
    def deadline_seconds(self) -> int:
        return max(30, round(9 * self.interval))

    @property
    def tasks_per_hour(self) -> int:
        return math.ceil(3600 / self.interval)

    @property
    def tasks_per_day(self) -> int:
        return math.ceil(86400 / self.interval)

    @property
    def tasks_at_once(self) -> int:
        """The miner's unfinished tasks at a time: those before their deadline, and one being completed."""
        return math.ceil(self.deadline_seconds / self.interval) + 2

    @property
    def stake(self) -> int:
        return int(REWARD * STAKE_FRACTION)

    def automining(self) -> dict[str, Any]:
        """The demo miner's auto-mining settings: any task, caps with room for three times the pace."""
        room = 3 * self.tasks_at_once
        return {
            "task_types": [],
            "target_difficulties": [],
            "max_concurrent_tasks": room,
            "min_time_left": min(60, self.deadline_seconds // 3),
            "stake_fraction": STAKE_FRACTION,
            "max_locked_stake": room * self.stake,
            "max_stake_per_day": 2 * self.tasks_per_day * self.stake,
        }

    @property
    def low_balance(self) -> int:
        """Below this a demo account is topped up: what two hours of publishing cost."""
        return 2 * self.tasks_per_hour * REWARD

    @property
    def top_up(self) -> int:
        """What one top-up adds: four hours of publishing."""
        return 4 * self.tasks_per_hour * REWARD


def demo_draft(number: int, pace: DemoPace | None = None) -> TaskDraft:
    """The `number`th demo task: a Beginner general task for 60 TOS, due nine intervals from now."""
    pace = pace or DemoPace()
    title, description = _TOPICS[number % len(_TOPICS)]
    return TaskDraft(
        title=f"{title} #{number}",
        description=description,
        task_type="GeneralTask",
        type_detail="demo",
        difficulty=Task.Difficulty.BEGINNER,
        reward=REWARD,
        stake_required=None,
        deadline=None,
        deadline_hours=pace.deadline_seconds / 3600,
        max_participants=3,
        verification="PeerReview",
        required_reviewers=1,
        consensus_threshold=None,
        expert_count=None,
        quality_threshold=60,
    )


class DemoError(Exception):
    """The node refused a demo step (in its words)."""


def publish_demo_task(publisher: User, number: int, pace: DemoPace | None = None) -> str:
    """Publish one demo task from the publisher's account; its id, or the node's refusal as an exception."""
    account = NodeAccount.objects.get(user=publisher)
    outcome = services.publish_task(account, uuid.uuid4(), demo_draft(number, pace))
    if outcome.task_id is None:
        raise DemoError(outcome.problem.message if outcome.problem else "publishing is already under way")
    return outcome.task_id


class Command(BaseCommand):
    help = "Create the demo users (publisher, miner, validator) once and print their logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--with-activity",
            action="store_true",
            help="also give them funded node accounts, turn auto-mining on for the miner, publish a few tasks",
        )
        parser.add_argument(
            "--interval", type=float, default=DemoPace.interval, help="seconds between published demo tasks"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logins_file = settings.RUN_DIR / "demo-logins.json"
        logins: dict[str, str] = json.loads(logins_file.read_text()) if logins_file.exists() else {}
        user_model = get_user_model()
        users = {}
        for username in DEMO_USERS:
            password = logins.setdefault(username, f"{username}-{secrets.token_hex(4)}")
            user, _ = user_model.objects.get_or_create(username=username)
            if not user.check_password(password):
                user.set_password(password)
                user.save()
            users[username] = user
        logins_file.parent.mkdir(parents=True, exist_ok=True)
        logins_file.write_text(json.dumps(logins, indent=2))
        logins_file.chmod(0o600)
        if options["with_activity"]:
            set_up_activity(users, DemoPace(options["interval"]))
            self.stdout.write("Demo activity: auto-mining is on for `miner`; `publisher` has tasks out.")
        self.stdout.write("Demo logins (username / password):")
        for username in DEMO_USERS:
            self.stdout.write(f"  {username:<10} / {logins[username]}")


def set_up_activity(users: dict[str, User], pace: DemoPace) -> dict[str, User]:
    """Roles, funded node accounts, the miner's auto-mining and a few tasks; the users, the reviewer added."""
    reviewer, _ = get_user_model().objects.get_or_create(username=REVIEWER)
    if reviewer.has_usable_password():
        reviewer.set_unusable_password()
        reviewer.save()
    users = {**users, REVIEWER: reviewer}
    for username, user in users.items():
        is_publisher, is_miner, is_validator = DEMO_ROLES[username]
        Profile.objects.update_or_create(
            user=user,
            defaults={"is_publisher": is_publisher, "is_miner": is_miner, "is_validator": is_validator},
        )
        if not NodeAccount.objects.filter(user=user).exists():
            linked = services.link_generated_account(user)
            if linked.problem:
                raise CommandError(f"{username}'s account was not funded: {linked.problem.message}")
    miner = users["miner"]
    services.save_config(miner, pace.automining())
    services.set_enabled(miner, True)
    account = NodeAccount.objects.get(user=users["publisher"])
    published = Task.objects.filter(publisher=account.address).count()
    for number in range(published + 1, DEMO_TASKS + 1):
        publish_demo_task(users["publisher"], number, pace)
    return users
