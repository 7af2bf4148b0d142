"""Template filters for amounts: the only place atomic units become TOS for display."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def tos(amount: int | str | None) -> str:
    """Format atomic units as TOS with thousands separators, trailing zeros trimmed: 1,234.5 TOS."""
    if amount is None or amount == "":
        return "—"
    atomic = int(amount)
    decimals = settings.TOS_DECIMALS
    sign = "-" if atomic < 0 else ""
    whole, fraction = divmod(abs(atomic), 10**decimals)
    text = f"{whole:,}"
    if fraction:
        text += "." + f"{fraction:0{decimals}d}".rstrip("0")
    return f"{sign}{text} TOS"
