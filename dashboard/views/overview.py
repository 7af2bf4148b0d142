"""The overview (the home page after login), one section per role the person chose."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from dashboard import access
from dashboard.http import HtmxHttpRequest
from dashboard.roles import request_roles
from dashboard.services import overview


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """Logged in: the overview; logged out: the network at a glance, which needs no login."""
    if not request.user.is_authenticated:
        return redirect("network")
    return overview_page(request)


@login_required
def overview_page(request: HtmxHttpRequest) -> HttpResponse:
    """Balance, stake and escrow, then what each role needs now; `?section=` renders one section (htmx)."""
    assert request.user.is_authenticated
    account = access.node_account_of(request.user)
    roles = request_roles(request)
    wanted = request.GET.get("section", "")
    if wanted and (wanted not in overview.SECTIONS or (wanted != "account" and wanted not in roles)):
        raise Http404("No such section.")
    context: dict[str, object] = {"account": account, "roles": roles}
    if account is not None:
        if wanted in ("", "account"):
            context["account_section"] = overview.account_section(account)
        if wanted in ("", "publisher") and "publisher" in roles:
            context["publisher"] = overview.publisher_section(account)
        if wanted in ("", "miner") and "miner" in roles:
            context["miner"] = overview.miner_section(request.user, account)
        if wanted in ("", "validator") and "validator" in roles:
            context["validator"] = overview.validator_section(account)
    template = f"dashboard/overview.html#{wanted}" if wanted and account else "dashboard/overview.html"
    return render(request, template, context)
