"""Notifications: the list with its unread count, marking read, and where each kind goes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard import ratelimit
from dashboard.forms.overview import MarkReadForm, NotificationSettingsForm
from dashboard.http import HtmxHttpRequest
from dashboard.services import notifications


@login_required
@require_GET
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    """The person's latest notifications, newest first, and the latest e-mail and webhook deliveries."""
    assert request.user.is_authenticated
    unread_only = request.GET.get("show") == "unread"
    inbox = notifications.inbox(request.user, unread_only=unread_only)
    template = "dashboard/notifications.html"
    if (
        request.htmx
        and request.htmx.target == "notification-list"
        and not request.htmx.history_restore_request
    ):
        template += "#list"
    return render(request, template, {"inbox": inbox, "unread_only": unread_only})


@login_required
@require_GET
def unread_count(request: HtmxHttpRequest) -> HttpResponse:
    """The header's count of unread notifications (htmx refreshes it after the person's own events)."""
    assert request.user.is_authenticated
    count = notifications.unread_count(int(request.user.pk))
    return render(request, "includes/unread_count.html", {"unread": count})


@login_required
@require_POST
@ratelimit.limit_writes
def mark_read(request: HtmxHttpRequest) -> HttpResponse:
    """Mark one notification read (its id), or every one (no id); back to the list."""
    assert request.user.is_authenticated
    form = MarkReadForm(request.POST)
    if form.is_valid():
        chosen = form.cleaned_data["notification"]
        if chosen and not notifications.owns(request.user, chosen):
            raise Http404("No such notification among yours.")
        notifications.mark_read(request.user, [chosen] if chosen else None)
    return redirect("notifications")


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit.limit_writes
def notification_settings(request: HtmxHttpRequest) -> HttpResponse:
    """Where each kind of notification goes, the e-mail address, the webhook and its signing secret."""
    assert request.user.is_authenticated
    current = notifications.settings_for(request.user)
    initial = {"email": current.email, "webhook_url": current.webhook_url}
    if request.method == "POST" and request.POST.get("action") == "rotate":
        if current.webhook_url:
            notifications.rotate_webhook_secret(request.user)
            messages.success(
                request, "Your webhook has a new signing secret; the old one no longer verifies."
            )
        return redirect("notification_settings")
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None, initial=initial, choices=current.choices
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            notifications.save_settings(
                request.user,
                choices=form.chosen(),
                email=form.cleaned_data["email"],
                webhook_url=form.cleaned_data["webhook_url"],
            )
            messages.success(request, "Your notification settings are saved.")
            return redirect("notification_settings")
        status = 400
    context = {
        "form": form,
        "secret": notifications.webhook_secret(current),
        "settings": current,
        "deliveries": notifications.inbox(request.user).deliveries,
    }
    return render(request, "dashboard/notification_settings.html", context, status=status)
