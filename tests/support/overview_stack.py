"""Commands the overview's browser tests run inside a stack (its database file, Redis and node), like
`tests.support.automining.in_stack`: `python -m tests.support.overview_stack <command> <json>`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from tests.support.daphne import ROOT, Stack


def run_in(stack: Stack, command: str, **args: Any) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.overview_stack", command, json.dumps(args)],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise AssertionError(f"{command} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _join_and_submit(user_id: int, task_id: str, stake: int) -> dict[str, Any]:
    """The user's own signed participation and submission (its key is in the stack's database)."""
    from dashboard import node
    from dashboard.models import NodeAccount

    with node.client(NodeAccount.objects.get(user_id=user_id)) as signed:
        signed.miner.participate_task(task_id, stake)
        receipt = signed.miner.submit_solution(task_id, {"content": "The answer, worked out step by step."})
    return {"submission_id": str(receipt.submission_id)}


def _webhook_notification(username: str, url: str, title: str) -> dict[str, Any]:
    """A notification for the user (made if new) whose webhook is `url`; its delivery is queued on commit."""
    from django.contrib.auth.models import User
    from django.db import transaction

    from dashboard.models import Delivery
    from dashboard.services import notifications

    user, made = User.objects.get_or_create(username=username)
    if made:
        notifications.save_settings(user, choices={"reward": ["app", "webhook"]}, email="", webhook_url=url)
    with transaction.atomic():
        [notification_id] = notifications.store(
            [notifications.Draft(user.pk, "reward", f"test:{title}", title)]
        )
    # The commit queued the delivery. CLOCK_MONOTONIC is the machine's, so the test can compare it.
    queued_at = time.monotonic()
    delivery = Delivery.objects.get(notification_id=notification_id)
    return {"delivery_id": delivery.pk, "queued_at": queued_at}


def _delivery(delivery_id: int) -> dict[str, Any]:
    from dashboard.models import Delivery

    row = Delivery.objects.get(pk=delivery_id)
    return {"state": row.state, "attempts": row.attempts, "error": row.last_error}


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tosweb.settings")
    django.setup()
    command, args = sys.argv[1], json.loads(sys.argv[2])
    handlers: dict[str, Callable[..., dict[str, Any]]] = {
        "join_and_submit": _join_and_submit,
        "webhook_notification": _webhook_notification,
        "delivery": _delivery,
    }
    print(json.dumps(handlers[command](**args)))


if __name__ == "__main__":
    main()
