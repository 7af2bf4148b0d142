"""The leaderboards: miners by earnings, wins and reputation; validators by validations and agreement."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard import services
from dashboard.forms import PeriodForm
from dashboard.http import HtmxHttpRequest
from dashboard.views.mining import partial_requested


@require_GET
def leaderboard(request: HtmxHttpRequest) -> HttpResponse:
    """Every board over 7 days, 30 days or all time; htmx swaps only the boards when a period is chosen."""
    period = PeriodForm(request.GET or None).chosen()
    boards = services.leaderboards(period)
    context = {"boards": boards, "period": period, "periods": services.PERIODS}
    partial = partial_requested(request, "boards")
    return render(
        request, "dashboard/leaderboard.html#boards" if partial else "dashboard/leaderboard.html", context
    )
