"""Publishing tasks, the publisher's own tasks, the task browser and a task's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from dashboard import access, ratelimit, services
from dashboard.forms import PublishTaskForm, TaskFilterForm
from dashboard.http import HtmxHttpRequest, failure_status
from dashboard.roles import has_role, role_required

TASKS_PER_PAGE = 20


def _partial_requested(request: HtmxHttpRequest, target: str) -> bool:
    """Whether htmx asked for just `#target` (a history restore wants the whole page)."""
    return bool(request.htmx) and request.htmx.target == target and not request.htmx.history_restore_request


@require_GET
def task_list(request: HtmxHttpRequest) -> HttpResponse:
    """Browse tasks by type, difficulty, status and reward; htmx swaps only the results."""
    form = TaskFilterForm(request.GET or None)
    listing = services.browse_tasks(form.filters())
    page = Paginator(listing.tasks, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "problem": listing.problem, "query": query.urlencode()}
    partial = _partial_requested(request, "results")
    return render(
        request, "dashboard/task_list.html#results" if partial else "dashboard/task_list.html", context
    )


@role_required("publisher")
@require_http_methods(["GET", "POST"])
@ratelimit.limit_writes
def publish_task(request: HtmxHttpRequest) -> HttpResponse:
    """Publish a task from the user's node account; a form token makes a double submit publish once."""
    account = access.node_account_of(request.user)
    form = PublishTaskForm(request.POST if request.method == "POST" else None)
    status = 200
    if account is not None and request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = services.publish_task(account, form.cleaned_data["token"], form.draft())
            if outcome.task_id:
                messages.success(request, "Your task is published; its reward is in escrow.")
                return redirect("task_detail", task_id=outcome.task_id)
            if outcome.in_progress:
                form.add_error(None, "This task is still being published; refresh its list in a moment.")
                status = 409
            elif outcome.problem:
                form.add_node_problem(outcome.problem.message, outcome.problem.field)
                status = failure_status(unavailable=outcome.problem.unavailable)
    return render(request, "dashboard/task_publish.html", {"form": form, "account": account}, status=status)


@role_required("publisher")
@require_GET
def my_tasks(request: HtmxHttpRequest) -> HttpResponse:
    """The tasks the user published, with their progress, escrow and a Cancel button while nobody joined."""
    account = access.node_account_of(request.user)
    listing = services.my_tasks(account) if account else None
    context = {
        "account": account,
        "tasks": listing.tasks if listing else [],
        "problem": listing.problem if listing else None,
    }
    return render(request, "dashboard/my_tasks.html", context)


@require_GET
def task_detail(request: HtmxHttpRequest, task_id: str) -> HttpResponse:
    """A task's summary, participants, submissions, validations and payouts."""
    access.ids_or_404(task_id)
    lookup = services.refresh_task(task_id)
    if lookup.task is None and lookup.problem is None:
        raise Http404("No such task.")
    account = access.node_account_of(request.user)
    owner = bool(account and lookup.task and lookup.task.publisher == account.address)
    is_publisher = owner and has_role(request, "publisher")
    # A submission's contents are its publisher's and its author's to read; everyone sees the rest.
    names = services.names_of(services.people_of(lookup.task)) if lookup.task else {}
    context = {
        "task": lookup.task,
        "problem": lookup.problem,
        "is_publisher": is_publisher,
        "viewer_address": account.address if account else "",
        "names": names,
    }
    return render(request, "dashboard/task_detail.html", context, status=200 if lookup.task else 503)


@role_required("publisher")
@require_http_methods(["GET", "POST"])
@ratelimit.limit_writes
def cancel_task(request: HtmxHttpRequest, task_id: str) -> HttpResponse:
    """Cancel one of the user's tasks before anyone joins; htmx swaps its row, plain forms redirect.

    A GET (the address typed or followed) asks for the confirmation the Cancel buttons ask for."""
    account, task = access.get_task_for_publisher(request.user, task_id)
    if request.method == "GET":
        return render(request, "dashboard/task_cancel.html", {"task": task})
    problem = services.cancel_task(account, task)
    if request.htmx:
        return render(request, "dashboard/my_tasks.html#task_row", {"task": task, "row_problem": problem})
    if problem:
        messages.error(request, f"“{task.title}” was not cancelled: {problem.message}")
    else:
        messages.success(request, f"“{task.title}” is cancelled; its reward is back in your balance.")
    return redirect("my_tasks")
