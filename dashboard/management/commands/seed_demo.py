"""Create the demo logins (a publisher, a miner and a validator) and print them.

With `--with-activity` (what `make demo` runs) each demo user also gets a funded node account and its
roles, the miner's auto-mining is switched on with the offline drafter, and the publisher has a few tasks
out; `demo_activity` keeps things moving from there.
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandParser

from dashboard import services
from dashboard.models import NodeAccount, Profile, Task
from dashboard.services.tasks import TaskDraft

DEMO_USERS = ("publisher", "miner", "validator")
#: The roles each demo user has (publisher, miner, validator).
DEMO_ROLES = {
    "publisher": (True, False, False),
    "miner": (False, True, False),
    "validator": (False, True, True),
}
DEMO_TASKS = 3
TOS = 10**8

_TOPICS = (
    ("Summarise a changelog", "Summarise the changes of a release in five bullet points for users."),
    ("Explain a sorting bug", "A merge sort drops duplicates; explain why and how to fix it."),
    ("Name a cache policy", "Pick an eviction policy for a small read-heavy cache and say why."),
    ("Review a retry loop", "A client retries writes on timeout; explain the risk and a safer design."),
    ("Estimate a queue size", "Messages arrive at 50/s and take 30 ms each; estimate the queue length."),
)


def demo_draft(number: int) -> TaskDraft:
    """The `number`th demo task: a Beginner general task for 60 TOS, open for an hour."""
    title, description = _TOPICS[number % len(_TOPICS)]
    return TaskDraft(
        title=f"{title} #{number}",
        description=description,
        task_type="GeneralTask",
        type_detail="demo",
        difficulty="Beginner",
        reward=60 * TOS,
        stake_required=None,
        deadline=None,
        deadline_hours=1,
        max_participants=5,
        verification="PeerReview",
        required_reviewers=1,
        consensus_threshold=None,
        expert_count=None,
        quality_threshold=60,
    )


class DemoError(Exception):
    """The node refused a demo step (in its words)."""


def publish_demo_task(publisher: User, number: int) -> str:
    """Publish one demo task from the publisher's account; its id, or the node's refusal as an exception."""
    account = NodeAccount.objects.get(user=publisher)
    outcome = services.publish_task(account, uuid.uuid4(), demo_draft(number))
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
            self._set_up_activity(users)
        self.stdout.write("Demo logins (username / password):")
        for username in DEMO_USERS:
            self.stdout.write(f"  {username:<10} / {logins[username]}")

    def _set_up_activity(self, users: dict[str, User]) -> None:
        for username, user in users.items():
            is_publisher, is_miner, is_validator = DEMO_ROLES[username]
            Profile.objects.update_or_create(
                user=user,
                defaults={"is_publisher": is_publisher, "is_miner": is_miner, "is_validator": is_validator},
            )
            if not NodeAccount.objects.filter(user=user).exists():
                services.link_generated_account(user)
        miner = users["miner"]
        services.save_config(
            miner,
            {"task_types": [], "target_difficulties": [], "max_concurrent_tasks": 20, "min_time_left": 60},
        )
        services.set_enabled(miner, True)
        account = NodeAccount.objects.get(user=users["publisher"])
        published = Task.objects.filter(publisher=account.address).count()
        for number in range(published + 1, DEMO_TASKS + 1):
            publish_demo_task(users["publisher"], number)
        self.stdout.write("Demo activity: auto-mining is on for `miner`; `publisher` has tasks out.")
