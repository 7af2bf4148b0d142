"""The miner's pages: suitable tasks, joining and submitting, participations, earnings (and CSV), reputation."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard import access, ratelimit, services
from dashboard.forms import MiningPreferencesForm, ParticipateForm, PeriodForm, SolutionForm
from dashboard.http import HtmxHttpRequest, failure_status
from dashboard.roles import role_required


def partial_requested(request: HtmxHttpRequest, target: str) -> bool:
    """Whether htmx asked for just `#target` (a history restore wants the whole page)."""
    return bool(request.htmx) and request.htmx.target == target and not request.htmx.history_restore_request


@role_required("miner")
@require_GET
def mining_tasks(request: HtmxHttpRequest) -> HttpResponse:
    """Active tasks matching the miner's preferences, with stake range, time left and a chance of winning."""
    assert request.user.is_authenticated
    account = access.node_account_of(request.user)
    profile = services.profile_for(request.user)
    form = MiningPreferencesForm(
        initial={"task_types": profile.mining_task_types, "difficulties": profile.mining_difficulties}
    )
    suitable = services.suitable_tasks(account, profile) if account else None
    return render(
        request, "dashboard/mining_tasks.html", {"account": account, "form": form, "suitable": suitable}
    )


@role_required("miner")
@require_POST
@ratelimit.limit_writes
def mining_preferences(request: HtmxHttpRequest) -> HttpResponse:
    """Save which task types and difficulties the miner wants offered."""
    assert request.user.is_authenticated
    form = MiningPreferencesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Those preferences are not among the choices offered.")
        return redirect("mining_tasks")
    profile = services.profile_for(request.user)
    services.save_preferences(profile, form.cleaned_data["task_types"], form.cleaned_data["difficulties"])
    messages.success(request, "Your mining preferences are saved.")
    return redirect("mining_tasks")


@role_required("miner")
@require_http_methods(["GET", "POST"])
@ratelimit.limit_writes
def join_task(request: HtmxHttpRequest, task_id: str) -> HttpResponse:
    """Join a task with a stake within its bounds, typed in TOS."""
    access.ids_or_404(task_id)
    lookup = services.refresh_task(task_id)
    if lookup.task is None:
        if lookup.problem is None:
            raise Http404("No such task.")
        return render(
            request, "dashboard/mining_join.html", {"task": None, "problem": lookup.problem}, status=503
        )
    task = lookup.task
    account = access.node_account_of(request.user)
    form = ParticipateForm(
        request.POST if request.method == "POST" else None, bounds=services.stake_bounds(task)
    )
    status = 200
    if account is not None and request.method == "POST":
        status = 400
        if form.is_valid():
            problem = services.participate(account, task, form.cleaned_data["stake"])
            if problem is None:
                messages.success(request, "You joined the task; your stake is locked until it completes.")
                return redirect("submit_solution", task_id=task.task_id)
            form.add_node_problem(problem.message, problem.field)
            status = failure_status(unavailable=problem.unavailable)
    context = {"task": task, "form": form, "account": account, "problem": lookup.problem}
    return render(request, "dashboard/mining_join.html", context, status=status)


@role_required("miner")
@require_http_methods(["GET", "POST"])
@ratelimit.limit_writes
def submit_solution(request: HtmxHttpRequest, task_id: str) -> HttpResponse:
    """Submit a solution to a task the user joined; the node's refusals are shown beside the field."""
    account, task = access.get_participation_for_user(request.user, task_id)
    form = SolutionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            problem = services.submit_solution(account, task, form.solution())
            if problem is None:
                messages.success(request, "Your solution is submitted; validators will score it.")
                return redirect("participations")
            form.add_node_problem(problem.message, problem.field)
            status = failure_status(unavailable=problem.unavailable)
    submission = services.submission_of(task, account.address)
    context = {"task": task, "form": form, "submission": submission}
    return render(request, "dashboard/mining_submit.html", context, status=status)


@role_required("miner")
@require_GET
def participations(request: HtmxHttpRequest) -> HttpResponse:
    """The tasks the miner joined: staked, submitted, validated, won, paid or slashed."""
    account = access.node_account_of(request.user)
    listing = services.my_participations(account) if account else None
    return render(request, "dashboard/mining_participations.html", {"account": account, "listing": listing})


@role_required("miner")
@require_GET
def mining_earnings(request: HtmxHttpRequest) -> HttpResponse:
    """The miner's rewards over 7 days, 30 days or all time: a chart, totals by type, the latest credits."""
    account = access.node_account_of(request.user)
    period = PeriodForm(request.GET or None).chosen()
    report = services.earnings(account, period, services.MINING) if account else None
    context = {
        "account": account,
        "report": report,
        "period": period,
        "periods": services.PERIODS,
        "heading": "Mining earnings",
        "url_name": "mining_earnings",
        "csv_url_name": "earnings_csv",
    }
    template = "dashboard/mining_earnings.html"
    return render(
        request, f"{template}#earnings" if partial_requested(request, "earnings") else template, context
    )


@role_required("miner")
@require_GET
def earnings_csv(request: HtmxHttpRequest) -> HttpResponse:
    """The miner's rewards and stakes returned as CSV: UTC ISO times, atomic amounts and exact TOS."""
    return credits_csv(request, services.MINING)


def credits_csv(request: HtmxHttpRequest, kind: services.EarningsKind) -> HttpResponse:
    """The user's credits of one kind (mining, validating) as a CSV download."""
    account = access.node_account_of(request.user)
    if account is None:
        raise Http404("No node account.")
    services.refresh_event_log()
    buffer = io.StringIO()
    csv.writer(buffer).writerows(services.credit_rows(account, kind))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"tos-{kind.name}-credits-{account.address[:12]}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required("miner", "validator")
@require_GET
def reputation(request: HtmxHttpRequest) -> HttpResponse:
    """The account's reputation, what it unlocks per action and difficulty, and how far the next step is."""
    account = access.node_account_of(request.user)
    overview = services.reputation_overview(account) if account else None
    return render(request, "dashboard/reputation.html", {"account": account, "overview": overview})
