"""The person's preferences: the time zone times are shown in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from dashboard import services
from dashboard.forms.overview import TimeZoneForm
from dashboard.timezones import BROWSER_COOKIE, remember


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Choose the time zone of every page (the browser's own unless one is chosen)."""
    assert request.user.is_authenticated
    profile = services.profile_for(request.user)
    form = TimeZoneForm(
        request.POST if request.method == "POST" else None, initial={"time_zone": profile.time_zone}
    )
    if request.method == "POST":
        if form.is_valid():
            profile.time_zone = form.cleaned_data["time_zone"]
            profile.save(update_fields=["time_zone"])
            remember(request, profile.time_zone)
            messages.success(request, "Your time zone is saved.")
            return redirect("preferences")
        return render(request, "dashboard/preferences.html", {"form": form}, status=400)
    browser = request.COOKIES.get(BROWSER_COOKIE, "")
    return render(request, "dashboard/preferences.html", {"form": form, "browser_zone": browser})
