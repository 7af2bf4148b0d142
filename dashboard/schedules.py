"""Per-user beat entries: one django-celery-beat PeriodicTask per miner with auto-mining on.

The DatabaseScheduler notices every change here (django-celery-beat bumps its `PeriodicTasks` marker on
save and delete), so a toggle takes effect at beat's next tick without a restart.
"""

from __future__ import annotations

import json
from datetime import datetime

from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

from dashboard.jobs import AUTOMINE_USER


def entry_name(user_id: int) -> str:
    return f"automine-user-{user_id}"


def schedule_user(user_id: int, every_seconds: int) -> PeriodicTask:
    """Create or update the user's entry: `automine_user(user_id=...)` every `every_seconds`."""
    interval, _ = IntervalSchedule.objects.get_or_create(every=every_seconds, period=IntervalSchedule.SECONDS)
    entry, _ = PeriodicTask.objects.update_or_create(
        name=entry_name(user_id),
        defaults={
            "task": AUTOMINE_USER,
            "interval": interval,
            "kwargs": json.dumps({"user_id": user_id}),
            "enabled": True,
            # A check that could not run in time is pointless once the next one is due.
            "expire_seconds": every_seconds,
        },
    )
    return entry


def unschedule_user(user_id: int) -> None:
    """Remove the user's entry (deleted one by one, so beat's change marker is bumped)."""
    for entry in PeriodicTask.objects.filter(name=entry_name(user_id)):
        entry.delete()
    PeriodicTasks.update_changed()


def next_check(user_id: int) -> datetime | None:
    """When beat will next run the user's check, as far as the entry tells (None when there is none)."""
    entry = (
        PeriodicTask.objects.filter(name=entry_name(user_id), enabled=True).select_related("interval").first()
    )
    if entry is None or entry.interval is None:
        return None
    if entry.last_run_at is None:
        return None
    return entry.last_run_at + entry.interval.schedule.run_every
