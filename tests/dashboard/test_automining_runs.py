from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from dashboard.models import AutoMiningRun
from dashboard.services import automining

pytestmark = pytest.mark.django_db


def test_only_the_latest_runs_of_each_miner_are_kept() -> None:
    alice = User.objects.create_user("alice")
    bob = User.objects.create_user("bob")
    AutoMiningRun.objects.create(user=bob, trigger=AutoMiningRun.Trigger.SCHEDULE)
    runs = [
        AutoMiningRun.objects.create(user=alice, trigger=AutoMiningRun.Trigger.SCHEDULE) for _ in range(60)
    ]

    automining.prune_runs(alice.pk)

    kept = list(AutoMiningRun.objects.filter(user=alice).values_list("pk", flat=True))
    assert sorted(kept) == sorted(run.pk for run in runs[-automining.RUNS_KEPT_PER_USER :])
    assert AutoMiningRun.objects.filter(user=bob).count() == 1
