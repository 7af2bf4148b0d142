"""Template filters for amounts (the text itself comes from `dashboard.amounts`), times and node codes in words.

Every page shows a moment the same way, in the person's time zone and saying which (`dashboard.timezones`
activates it; UTC until they choose one or their browser says): `2026-12-01 16:04 UTC` (`when`), with the
seconds where they matter (`when_exact`: run logs). Rows shared by every page (the relay's) use
`{% moment %}` (moments.py): relative words, the same in every zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from dashboard.amounts import tos_text
from dashboard.forms.tasks import TASK_TYPE_CHOICES
from dashboard.models import NodeAccount, Task
from dashboard.services.earnings import reward_words
from dashboard.services.validation import score_words as describe_score

register = template.Library()


@register.filter
def tos(amount: int | str | None) -> str:
    """Format atomic units as TOS with thousands separators, trailing zeros trimmed: 1,234.5 TOS."""
    if amount is None or amount == "":
        return "—"
    return f"{tos_text(int(amount))} TOS"


@register.filter
def tos_abs(amount: int | str | None) -> str:
    """An amount without its sign, for a debit written with a minus in front."""
    return tos(abs(int(amount))) if amount not in (None, "") else "—"


@register.filter
def when(moment: dt.datetime | None) -> str:
    """A moment as every page shows it, in the person's zone: 2026-12-01 16:04 UTC, 2026-12-01 17:04 CET."""
    return _in_zone(moment, "%Y-%m-%d %H:%M %Z")


@register.filter
def when_exact(moment: dt.datetime | None) -> str:
    """A moment with its seconds, for logs: 2026-12-01 16:04:05 UTC."""
    return _in_zone(moment, "%Y-%m-%d %H:%M:%S %Z")


@register.filter
def clock(moment: dt.datetime | None) -> str:
    """A time of day with its seconds, for steps of one run: 16:04:05 UTC."""
    return _in_zone(moment, "%H:%M:%S %Z")


def _in_zone(moment: dt.datetime | None, layout: str) -> str:
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime(layout)


def _span(seconds: float) -> str:
    seconds = round(abs(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} days"


@register.filter
def from_now(moment: dt.datetime | None) -> str:
    """How far ahead a moment is, never "0 minutes": "in 40 s", "in 3 min", "now" once it has come."""
    if moment is None:
        return "—"
    seconds = (moment - timezone.now()).total_seconds()
    return "now" if seconds < 1 else f"in {_span(seconds)}"


@register.filter
def ago(moment: dt.datetime | None) -> str:
    """How long ago a moment was: "40 s ago", "3 min ago", "just now"."""
    if moment is None:
        return "—"
    seconds = (timezone.now() - moment).total_seconds()
    return "just now" if seconds < 1 else f"{_span(seconds)} ago"


@register.filter
def kind_words(task_kind: str) -> str:
    """A task type in words: "CodeAnalysis" is "Code analysis"."""
    return dict(TASK_TYPE_CHOICES).get(task_kind, task_kind)


@register.filter(name="reward_words")
def reward_words_filter(reward_type: str) -> str:
    """A reward type in words: "winner" is "winner's share", "stake_return" is "stake returned"."""
    return reward_words(str(reward_type))


@register.filter
def score_words(submission: dict[str, Any] | None, task: Task) -> str:
    """A submission's score as far as it goes: final, complete, so far, or not reviewed yet."""
    return describe_score(submission, task)


@register.simple_tag(takes_context=True)
def who(context: template.Context, address: str | None, short: bool = False) -> SafeString:
    """A link to an address's public profile: the username acting with it when the dashboard knows one (the
    address on hover), else the address itself (`short`: its start and end). A view may pass `names` (address → username) for all the
    addresses of a page at once; without it each address is looked up once per rendering."""
    if not address:
        return format_html("{}", "—")
    names = context.get("names")
    if names is None:
        render: Any = context.render_context
        seen: dict[str, str] = render.setdefault("tos_names", {})
        if address not in seen:
            seen[address] = (
                NodeAccount.objects.filter(address=address).values_list("user__username", flat=True).first()
                or ""
            )
        name = seen[address]
    else:
        name = names.get(address, "")
    profile = reverse("public_profile", args=[address])
    if name:
        return format_html('<a class="who" href="{}" title="{}">{}</a>', profile, address, name)
    text = f"{address[:12]}…{address[-4:]}" if short and len(address) > 20 else address
    return format_html('<a class="who" href="{}" title="{}"><code>{}</code></a>', profile, address, text)
