"""Celery work enqueued by name (dashboard/jobs.py): each name is a task, on the queue it is defined with."""

from __future__ import annotations

from typing import Any

import pytest
from celery import current_app

from dashboard import jobs, tasks

NAMES = [
    value for key, value in vars(jobs).items() if key.isupper() and str(value).startswith("dashboard.tasks.")
]


def test_every_name_is_a_task_of_the_task_module() -> None:
    assert NAMES
    registered = {task.name for task in vars(tasks).values() if hasattr(task, "delay")}
    assert set(NAMES) <= registered


@pytest.mark.parametrize("name", NAMES)
def test_a_job_sent_by_name_goes_to_the_queue_its_task_is_defined_with(name: str) -> None:
    task = current_app.tasks[name]
    assert jobs.QUEUES.get(name) == getattr(task, "queue", None)


def test_the_beat_entries_name_tasks_that_exist() -> None:
    from django.conf import settings

    registered = {task.name for task in vars(tasks).values() if hasattr(task, "delay")}
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= registered


@pytest.mark.django_db(transaction=True)
def test_a_job_sent_on_commit_waits_for_the_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import transaction

    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(current_app, "send_task", lambda name, **options: sent.append((name, options)))
    with transaction.atomic():
        jobs.send_on_commit(jobs.DELIVER_NOTIFICATION, delivery_id=7)
        assert sent == []
    assert sent == [
        (
            jobs.DELIVER_NOTIFICATION,
            {"kwargs": {"delivery_id": 7}, "ignore_result": True, "queue": jobs.NOTIFICATIONS_QUEUE},
        )
    ]
