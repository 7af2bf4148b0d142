"""The live feed: the latest node events a user may see, newest first, gaining rows as they happen."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard import access, broadcast, services
from dashboard.events import last_stored_seq
from dashboard.http import HtmxHttpRequest
from dashboard.models import NodeEvent

FEED_LENGTH = 50
#: The fields of event data that name an account (shown by username when the dashboard knows one).
PEOPLE_FIELDS = ("miner", "submitter", "validator", "winner", "recipient", "miner_address", "publisher")


@login_required
@require_GET
def feed(request: HtmxHttpRequest) -> HttpResponse:
    """The latest events; the live connection resumes after the newest one shown, so none is missed."""
    account = access.node_account_of(request.user)
    live_seq = last_stored_seq()
    visible = NodeEvent.objects.filter(broadcast.visible_to(account.address if account else None))
    latest = list(visible.filter(seq__lte=live_seq).order_by("-seq")[:FEED_LENGTH])
    people = {str(event.data.get(field) or "") for event in latest for field in PEOPLE_FIELDS}
    context = {"rows": broadcast.feed_rows(latest), "live_seq": live_seq, "names": services.names_of(people)}
    return render(request, "dashboard/feed.html", context)
