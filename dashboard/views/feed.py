"""The live feed: the latest node events a user may see, newest first, gaining rows as they happen."""

from __future__ import annotations

from functools import cache

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard import access, livemessages, services, visibility
from dashboard.events import last_stored_seq
from dashboard.forms.overview import FeedFilterForm
from dashboard.http import HtmxHttpRequest
from dashboard.models import NodeEvent

FEED_LENGTH = 50
#: "Only what concerns me" looks this far back at most for its rows (a busy network's feed is long).
MINE_SCAN_LIMIT = 2000
#: The fields of event data that name an account (shown by username when the dashboard knows one).
PEOPLE_FIELDS = ("miner", "submitter", "validator", "winner", "recipient", "miner_address", "publisher")


@login_required
@require_GET
def feed(request: HtmxHttpRequest) -> HttpResponse:
    """The latest events (of the ticked types; only those concerning me, if asked); the live connection
    resumes after the newest event stored, so none is missed, and live rows are filtered the same way."""
    account = access.node_account_of(request.user)
    address = account.address if account else None
    form = FeedFilterForm(request.GET if request.GET else None)
    live_seq = last_stored_seq()
    visible = NodeEvent.objects.filter(visibility.visible_to(address), seq__lte=live_seq)
    types = form.chosen_types()
    if types:
        visible = visible.filter(name__in=types)
    if form.only_mine():
        people_of = cache(livemessages.task_people)
        scanned = visible.order_by("-seq")[:MINE_SCAN_LIMIT]
        latest = [
            event
            for event in scanned
            if address and address in visibility.addresses_concerned(event, people_of)
        ][:FEED_LENGTH]
    else:
        latest = list(visible.order_by("-seq")[:FEED_LENGTH])
    context = {
        "rows": livemessages.feed_rows(latest),
        "live_seq": live_seq,
        "form": form,
        "filtered": bool(types) or form.only_mine(),
        "names": services.names_of(
            {str(event.data.get(field) or "") for event in latest for field in PEOPLE_FIELDS}
        ),
    }
    return render(request, "dashboard/feed.html", context)
