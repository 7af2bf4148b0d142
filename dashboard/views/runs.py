"""The history of the miner's auto-mining runs."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.http import HtmxHttpRequest
from dashboard.roles import role_required
from dashboard.services.runs import OUTCOMES, run_history


@role_required("miner")
@require_GET
def automining_runs(request: HtmxHttpRequest) -> HttpResponse:
    """Every run of the miner's auto-mining, newest first, with its outcome; filter by outcome."""
    assert request.user.is_authenticated
    outcome = request.GET.get("outcome", "all")
    history = run_history(int(request.user.pk), outcome=outcome, page=request.GET.get("page"))
    return render(request, "dashboard/automining_runs.html", {"history": history, "outcomes": OUTCOMES})
