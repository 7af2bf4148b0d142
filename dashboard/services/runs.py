"""The history of a miner's auto-mining runs, with what each one came to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from dashboard.models import AutoMiningRun, AutoParticipation

RUNS_PER_PAGE = 25
OUTCOMES = ("all", "joined", "failed", "nothing")


@dataclass(frozen=True)
class RunHistory:
    page: Page[Any]
    outcome: str


def run_history(user_id: int, *, outcome: str = "all", page: str | int | None = None) -> RunHistory:
    """The miner's runs, newest first, each with how many tasks it joined, submitted to and failed on.

    `outcome`: "joined" (runs that took part in at least one task), "failed" (a failed run or one with a
    failed task), "nothing" (runs that found nothing to do), or "all".
    """
    runs = AutoMiningRun.objects.filter(user_id=user_id).annotate(
        taken=Count("participations"),
        submitted=Count("participations", filter=Q(participations__state=AutoParticipation.State.SUBMITTED)),
        failed_tasks=Count("participations", filter=Q(participations__state=AutoParticipation.State.FAILED)),
    )
    if outcome == "joined":
        runs = runs.filter(taken__gt=0)
    elif outcome == "failed":
        runs = runs.filter(Q(state=AutoMiningRun.State.FAILED) | Q(failed_tasks__gt=0))
    elif outcome == "nothing":
        runs = runs.filter(taken=0).exclude(state=AutoMiningRun.State.FAILED)
    else:
        outcome = "all"
    return RunHistory(Paginator(runs.order_by("-started_at", "-id"), RUNS_PER_PAGE).get_page(page), outcome)
