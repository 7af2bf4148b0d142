"""Times in the person's time zone: chosen on the preferences page, else the browser's own, else UTC.

The browser's zone comes from a cookie app.js sets (`tz`); a chosen one is kept in the session (copied
there at login), so no page pays a query for it. CSV files and the relay's shared feed rows stay in UTC.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import cache
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

BROWSER_COOKIE = "tz"
SESSION_KEY = "tosweb_time_zone"


@cache
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_named(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone of an IANA name, None for anything else (a cookie is the visitor's to write)."""
    return zoneinfo.ZoneInfo(name) if name in known_zones() else None


def zone_for(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
    session = getattr(request, "session", None)
    chosen = str(session.get(SESSION_KEY, "")) if session is not None else ""
    return zone_named(chosen) or zone_named(request.COOKIES.get(BROWSER_COOKIE, ""))


def remember(request: HttpRequest, name: str) -> None:
    """Keep the person's chosen zone in their session ("" forgets it: the browser's applies)."""
    request.session[SESSION_KEY] = name


@receiver(user_logged_in)
def _on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    from dashboard.models import Profile

    if request is not None and hasattr(request, "session"):
        name = Profile.objects.filter(user_id=user.pk).values_list("time_zone", flat=True).first() or ""
        remember(request, name)


class TimezoneMiddleware:
    """Activate the request's time zone for the templates and forms, and only for this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = zone_for(request)
        if zone is None:
            timezone.deactivate()
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
