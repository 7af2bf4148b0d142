"""`{% moment t %}`: a moment in relative words ("3 min ago") with the exact UTC time on hover, the same for
every reader (rows the relay renders once for every page); a moment in the person's zone is `|when` (tos.py)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def relative(moment: dt.datetime, now: dt.datetime | None = None) -> str:
    """ "just now", "3 min ago", "in 2 h", "5 days ago"; older than a month: the local date."""
    now = now or timezone.now()
    seconds = (now - moment).total_seconds()
    ahead, span = seconds < 0, abs(seconds)
    if span < 45:
        return "just now"
    if span < 3600:
        words = f"{max(1, round(span / 60))} min"
    elif span < 86400:
        words = f"{round(span / 3600)} h"
    elif span < 30 * 86400:
        days = round(span / 86400)
        words = f"{days} day{'s' if days != 1 else ''}"
    else:
        return timezone.localtime(moment).strftime("%Y-%m-%d")
    return f"in {words}" if ahead else f"{words} ago"


def utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@register.simple_tag
def moment(moment: dt.datetime | None) -> SafeString | str:
    """`<time>` with the relative time, the exact UTC time as its title; app.js keeps the words current."""
    if moment is None:
        return "—"
    iso = moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return format_html(
        '<time datetime="{}" title="{}" data-relative>{}</time>', iso, utc_text(moment), relative(moment)
    )
