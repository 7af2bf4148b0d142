"""The network at a glance and the public profile of an address: public pages, no login needed."""

from __future__ import annotations

import re

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.forms import PeriodForm
from dashboard.http import HtmxHttpRequest
from dashboard.services import network as network_service

#: What an address may look like here (the node's bech32 addresses); anything else is no address.
_ADDRESS = re.compile(r"[a-z0-9]{8,100}")


@require_GET
def network(request: HtmxHttpRequest) -> HttpResponse:
    """Active tasks, miners, validators, rewards; a month of activity as charts; the leaderboards."""
    period = PeriodForm(request.GET).chosen() if "period" in request.GET else "7d"
    glance = network_service.glance(period)
    periods = [("7d", "7 days"), ("30d", "30 days"), ("all", "All time")]
    return render(request, "dashboard/network.html", {"glance": glance, "periods": periods})


@require_GET
def profile(request: HtmxHttpRequest, address: str) -> HttpResponse:
    """One address's reputation over time, wins, earnings and recent final scores."""
    found = network_service.public_profile(address) if _ADDRESS.fullmatch(address) else None
    if found is None:
        raise Http404("The network has not seen this address.")
    return render(request, "dashboard/profile.html", {"profile": found})
