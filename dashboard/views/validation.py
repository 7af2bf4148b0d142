"""The validator's pages: the review queue in tabs, one submission's review, bulk rejection, earnings."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard import access, ratelimit, services
from dashboard.forms import (
    ApproveForm,
    BulkReviewForm,
    PeriodForm,
    RejectForm,
    ReviewTabForm,
)
from dashboard.http import HtmxHttpRequest, failure_status
from dashboard.roles import role_required
from dashboard.views.mining import credits_csv, partial_requested


@role_required("validator")
@require_GET
def review_queue(request: HtmxHttpRequest) -> HttpResponse:
    """Submissions to review, those reviewed, or all; htmx swaps only the list when a tab is chosen."""
    account = access.node_account_of(request.user)
    tab = ReviewTabForm(request.GET or None).chosen()
    queue = services.review_queue(account, tab) if account else None
    context = {"account": account, "queue": queue, "tab": tab, "bulk_form": BulkReviewForm(prefix="bulk")}
    template = "dashboard/validation_queue.html"
    return render(request, f"{template}#queue" if partial_requested(request, "queue") else template, context)


@role_required("validator")
@require_http_methods(["GET", "POST"])
@ratelimit.limit_writes
def review_submission(request: HtmxHttpRequest, task_id: str, submission_id: str) -> HttpResponse:
    """One submission beside its task's requirements: approve with a score, or reject with a reason."""
    access.ids_or_404(task_id, submission_id, missing="No such submission.")
    account = access.node_account_of(request.user)
    if account is None:
        return redirect("wallet")
    posted = request.POST if request.method == "POST" else None
    action = request.POST.get("action") if posted is not None else None
    approve = ApproveForm(posted if action == "approve" else None, prefix="approve")
    reject = RejectForm(posted if action == "reject" else None, prefix="reject")
    status, refused = 200, ""
    if posted is not None:
        status = 400
        form = approve if action == "approve" else reject
        if action in ("approve", "reject") and form.is_valid():
            outcome = services.review(account, task_id, submission_id, form.verdict())
            if outcome.done:
                messages.success(request, f"Your review is recorded: {outcome.message}")
                return redirect("review_queue")
            if outcome.field:
                form.add_node_problem(outcome.message, outcome.field)
            else:
                refused = outcome.message
            status = failure_status(unavailable=outcome.unavailable, refused=bool(refused))
        elif action not in ("approve", "reject"):
            refused = "Choose Approve or Reject."
    lookup = services.review_item(account, task_id, submission_id)
    if lookup.item is None and lookup.problem is None:
        raise Http404("No such submission.")
    context = {
        "item": lookup.item,
        "problem": lookup.problem,
        "approve": approve,
        "reject": reject,
        "refused": refused,
    }
    return render(request, "dashboard/validation_review.html", context, status=status)


@role_required("validator")
@require_POST
@ratelimit.limit_writes
def bulk_review(request: HtmxHttpRequest) -> HttpResponse:
    """Approve every ticked submission with one score, or reject them with one reason; back to the queue,
    where each one's outcome is said."""
    account = access.node_account_of(request.user)
    if account is None:
        return redirect("wallet")
    form = BulkReviewForm(request.POST, prefix="bulk")
    if not form.is_valid():
        # The queue again, with what was ticked and typed, and each error beside its field.
        tab = ReviewTabForm({"tab": request.POST.get("bulk-tab", "")}).chosen()
        context = {
            "account": account,
            "queue": services.review_queue(account, tab),
            "tab": tab,
            "bulk_form": form,
            "checked": request.POST.getlist("bulk-submissions"),
        }
        return render(request, "dashboard/validation_queue.html", context, status=400)
    outcome = services.review_many(account, form.refs(), form.verdict())
    if outcome.done:
        verdict = form.verdict()
        verb = f"Approved with score {verdict.score}" if verdict.approve else "Rejected"
        count = len(outcome.done)
        messages.success(
            request, f"{verb}: {count} submission{'s' * (count > 1)} ({'; '.join(outcome.done)})."
        )
    for refusal in outcome.refused:
        messages.error(request, refusal)
    tab = form.cleaned_data.get("tab") or "review"
    return redirect(f"{reverse('review_queue')}?tab={tab}")


@role_required("validator")
@require_GET
def validation_earnings(request: HtmxHttpRequest) -> HttpResponse:
    """The validator's rewards over 7 days, 30 days or all time."""
    account = access.node_account_of(request.user)
    period = PeriodForm(request.GET or None).chosen()
    report = services.earnings(account, period, services.VALIDATING) if account else None
    context = {
        "account": account,
        "report": report,
        "period": period,
        "periods": services.PERIODS,
        "heading": "Validation earnings",
        "url_name": "validation_earnings",
        "csv_url_name": "validation_earnings_csv",
    }
    template = "dashboard/validation_earnings.html"
    partial = "dashboard/mining_earnings.html#earnings"
    return render(request, partial if partial_requested(request, "earnings") else template, context)


@role_required("validator")
@require_GET
def validation_earnings_csv(request: HtmxHttpRequest) -> HttpResponse:
    """The validator's shares as CSV: UTC ISO times, atomic amounts and exact TOS."""
    return credits_csv(request, services.VALIDATING)
