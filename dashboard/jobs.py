"""Celery work enqueued by the task's name: services start background work through here, so they never
import `dashboard.tasks` (which imports the services) and the imports run one way.

`dashboard/tasks.py` defines the tasks under these names; tests/dashboard/test_jobs.py checks that every
name here is a registered task with the queue given here.
"""

from __future__ import annotations

import functools
from typing import Any

from celery import current_app
from django.db import transaction

#: The queue with a worker of its own (the Procfile's `notifier`): e-mail and webhook calls wait there, so
#: a slow mail server or webhook never holds up auto-mining's work.
NOTIFICATIONS_QUEUE = "notifications"

AUTOMINE_USER = "dashboard.tasks.automine_user"
MATCH_PUBLISHED_TASKS = "dashboard.tasks.match_published_tasks"
DELIVER_NOTIFICATION = "dashboard.tasks.deliver_notification"

#: Tasks that run on a queue of their own. Sending by name skips the task's decorator, so the queue is
#: named here (the others go to settings.CELERY_TASK_ROUTES or the default queue).
QUEUES = {DELIVER_NOTIFICATION: NOTIFICATIONS_QUEUE}


def send(name: str, **kwargs: Any) -> None:
    """Enqueue the task `name` with these keyword arguments, now."""
    options: dict[str, Any] = {"queue": QUEUES[name]} if name in QUEUES else {}
    current_app.send_task(name, kwargs=kwargs, ignore_result=True, **options)


def send_on_commit(name: str, *, robust: bool = False, **kwargs: Any) -> None:
    """Enqueue the task once the transaction commits (`robust`: a broker outage is logged, not raised)."""
    transaction.on_commit(functools.partial(send, name, **kwargs), robust=robust)
