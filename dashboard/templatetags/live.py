"""The seq a page's live connection resumes after: the view's own when it set one, else the newest stored."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from dashboard.events import last_stored_seq

register = template.Library()


@register.simple_tag(takes_context=True)
def live_seq(context: template.Context) -> int:
    """Events after this seq reach the page over its live connection; those up to it are in the page."""
    seq: Any = context.get("live_seq")
    return int(seq) if seq is not None else last_stored_seq()


@register.simple_tag
def live_heartbeat_ms() -> int:
    """How often the relay's heartbeat comes: a page that hears none for a few beats says it is delayed."""
    return int(settings.LIVE_HEARTBEAT_SECONDS * 1000)
