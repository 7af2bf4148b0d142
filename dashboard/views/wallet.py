"""The user's node account: link one (generate or import), see its balance and history, copy or scan its
address, download its key once, unlink it."""

from __future__ import annotations

import io
import json

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard import ratelimit, services
from dashboard.forms import ImportKeyForm, KeyDownloadForm, UnlinkForm
from dashboard.http import HtmxHttpRequest
from dashboard.models import NodeAccount


def _account(request: HttpRequest) -> NodeAccount | None:
    assert request.user.is_authenticated
    return NodeAccount.objects.for_user(request.user).first()


@login_required
@require_GET
def wallet(request: HtmxHttpRequest) -> HttpResponse:
    """The account's address, balance, locked stake and escrow; or the ways to link one."""
    account = _account(request)
    overview, problem = None, None
    if account:
        reading = services.account_overview(account)
        overview, problem = reading.overview, reading.problem
    if request.htmx:
        return render(request, "dashboard/wallet.html#balance", {"overview": overview, "problem": problem})
    return _page(request, account, overview=overview, problem=problem)


def _page(
    request: HttpRequest, account: NodeAccount | None, status: int = 200, **forms: object
) -> HttpResponse:
    context = {
        "account": account,
        "overview": None,
        "problem": None,
        "import_form": ImportKeyForm(),
        "key_form": KeyDownloadForm(),
        "unlink_form": UnlinkForm(),
        "history": services.account_history(account) if account else [],
        **forms,
    }
    return render(request, "dashboard/wallet.html", context, status=status)


@login_required
@require_POST
@ratelimit.limit_writes
def generate(request: HttpRequest) -> HttpResponse:
    """Generate a new key for the user (funded from the faucet on a devnet)."""
    assert request.user.is_authenticated
    try:
        linked = services.link_generated_account(request.user)
    except services.AccountAlreadyLinked:
        messages.error(request, "You already have a node account.")
    else:
        if linked.problem:
            messages.error(
                request, f"Your key was created, but the node could not fund it: {linked.problem.message}"
            )
        else:
            messages.success(request, f"New node account {linked.account.address} created.")
    return redirect("wallet")


@login_required
@require_http_methods(["POST"])
@ratelimit.limit_writes
def import_key(request: HttpRequest) -> HttpResponse:
    """Link an existing account from its private key."""
    assert request.user.is_authenticated
    form = ImportKeyForm(request.POST)
    if form.is_valid():
        try:
            account = services.link_imported_account(request.user, form.cleaned_data["private_key"])
        except services.AccountAlreadyLinked:
            form.add_error(None, "You already have a node account.")
        except services.AddressTaken:
            form.add_error("private_key", "This account is already linked to another user.")
        else:
            messages.success(request, f"Node account {account.address} linked.")
            return redirect("wallet")
    return _page(request, _account(request), 400, import_form=form)


@login_required
@require_POST
@ratelimit.limit_writes
def download_key(request: HttpRequest) -> HttpResponse:
    """The account's key as a tos_ai wallet file encrypted with the person's passphrase; offered once."""
    account = _account(request)
    if account is None:
        raise Http404("no node account")
    form = KeyDownloadForm(request.POST)
    if not form.is_valid():
        return _page(request, account, 400, key_form=form)
    try:
        document = services.export_key(account, form.cleaned_data["passphrase"])
    except services.KeyAlreadyDownloaded:
        messages.error(request, "This account's key was already downloaded once; it is not offered again.")
        return redirect("wallet")
    response = HttpResponse(json.dumps(document, indent=2) + "\n", content_type="application/json")
    name = f"tos-wallet-{account.address[:16]}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit.limit_writes
def unlink(request: HttpRequest) -> HttpResponse:
    """Stop acting with this node account (to link another); a GET shows what that means first."""
    account = _account(request)
    if account is None:
        return redirect("wallet")
    form = UnlinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        assert request.user.is_authenticated
        services.unlink_account(request.user)
        messages.success(
            request,
            f"Node account {account.address} is unlinked; generate or import the account to act with now.",
        )
        return redirect("wallet")
    status = 400 if request.method == "POST" else 200
    return render(request, "dashboard/wallet_unlink.html", {"account": account, "form": form}, status=status)


@login_required
@require_GET
def qr_code(request: HttpRequest) -> HttpResponse:
    """The account's address as a QR code (SVG)."""
    account = _account(request)
    if account is None:
        raise Http404("no node account")
    svg = io.BytesIO()
    # A standalone file (with its xmlns), not inline markup: browsers only draw it in <img> that way.
    segno.make(account.address, error="m").save(
        svg, kind="svg", scale=5, dark="#000", light="#fff", xmldecl=False
    )
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")
