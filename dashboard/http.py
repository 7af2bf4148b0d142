"""Request types shared by the views."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (`request.htmx`)."""

    htmx: HtmxDetails


def failure_status(*, unavailable: bool, refused: bool = False) -> int:
    """The HTTP status of a page whose write failed: 503 when the node did not answer, 409 when it refused
    the write as a whole (the task closed, already done), 400 for a refusal shown on the form's fields."""
    if unavailable:
        return 503
    return 409 if refused else 400
