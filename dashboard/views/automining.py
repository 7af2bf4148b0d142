"""The miner's auto-mining pages: settings, the on/off toggle, the live status and each run's log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard import access, ratelimit, services
from dashboard.amounts import tos_text
from dashboard.forms import AutoMiningForm, AutoMiningToggleForm
from dashboard.http import HtmxHttpRequest
from dashboard.models import AutoMiningConfig, AutoMiningRun
from dashboard.roles import role_required


def _initial(config: AutoMiningConfig) -> dict[str, Any]:
    def tos(amount: int | None) -> str:
        return "" if amount is None else tos_text(amount, grouped=False)

    return {
        "target_difficulties": config.target_difficulties,
        "task_types": config.task_types,
        "max_concurrent_tasks": config.max_concurrent_tasks,
        "min_success_probability": config.min_success_probability,
        "min_time_left": config.min_time_left,
        "check_interval": config.check_interval,
        "auto_submit": config.auto_submit,
        "stake_fraction": config.stake_fraction,
        "max_locked_stake": tos(config.max_locked_stake),
        "max_stake_per_day": tos(config.max_stake_per_day),
        "solver_kind": config.solver_kind,
        "solver_base_url": config.solver_base_url,
        "solver_model": config.solver_model,
    }


def _page(request: HtmxHttpRequest, form: AutoMiningForm, status: int = 200) -> HttpResponse:
    assert request.user.is_authenticated
    context = {
        "form": form,
        "status": services.status_for(request.user),
        "account": access.node_account_of(request.user),
    }
    return render(request, "dashboard/automining.html", context, status=status)


@role_required("miner")
@require_http_methods(["GET", "POST"])
@ratelimit.limit_writes
def automining_settings(request: HtmxHttpRequest) -> HttpResponse:
    """The miner's own auto-mining settings, the toggle and what the worker is doing."""
    assert request.user.is_authenticated
    config = services.config_for(request.user)
    if request.method != "POST":
        return _page(request, AutoMiningForm(initial=_initial(config), has_api_key=config.has_api_key))
    form = AutoMiningForm(request.POST, has_api_key=config.has_api_key)
    if not form.is_valid():
        return _page(request, form, status=400)
    services.save_config(
        request.user,
        form.values(),
        api_key=form.cleaned_data["api_key"],
        remove_api_key=form.cleaned_data["remove_api_key"],
    )
    messages.success(request, "Your auto-mining settings are saved.")
    return redirect("automining")


@role_required("miner")
@require_POST
@ratelimit.limit_writes
def automining_toggle(request: HtmxHttpRequest) -> HttpResponse:
    """Turn auto-mining on or off at once; htmx gets the status fragment, a plain form a redirect."""
    assert request.user.is_authenticated
    on = AutoMiningToggleForm(request.POST).is_valid() and bool(request.POST.get("enabled"))
    try:
        services.set_enabled(request.user, on)
    except services.NoAccount:
        messages.error(request, "Link a node account on the wallet page first: auto-mining acts with it.")
        if request.htmx:
            return render(
                request, "dashboard/automining.html#status", {"status": services.status_for(request.user)}
            )
        return redirect("automining")
    if request.htmx:
        return render(
            request, "dashboard/automining.html#status", {"status": services.status_for(request.user)}
        )
    messages.success(request, "Auto-mining is on." if on else "Auto-mining is off.")
    return redirect("automining")


@role_required("miner")
@require_GET
def automining_status(request: HtmxHttpRequest) -> HttpResponse:
    """The live part of the page (polled by htmx every few seconds): current run, last run, next check."""
    assert request.user.is_authenticated
    return render(request, "dashboard/automining.html#status", {"status": services.status_for(request.user)})


@role_required("miner")
@require_GET
def automining_run(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    """One run's log, step by step; another user's run is a 404."""
    assert request.user.is_authenticated
    run = get_object_or_404(AutoMiningRun.objects.for_user(request.user), pk=run_id)
    steps = list(run.steps.all())
    return render(request, "dashboard/automining_run.html", {"run": run, "steps": steps})
