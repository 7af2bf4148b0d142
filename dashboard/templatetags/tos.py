"""Template filters for amounts (the text itself comes from `dashboard.amounts`)."""

from __future__ import annotations

from django import template

from dashboard.amounts import tos_text

register = template.Library()


@register.filter
def tos(amount: int | str | None) -> str:
    """Format atomic units as TOS with thousands separators, trailing zeros trimmed: 1,234.5 TOS."""
    if amount is None or amount == "":
        return "—"
    return f"{tos_text(int(amount))} TOS"
