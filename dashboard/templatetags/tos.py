"""Template filters for amounts (the text itself comes from `dashboard.amounts`), times and node codes in words.

Every page shows a moment the same way, in UTC and saying so: `2026-12-01 16:04 UTC` (`when`), with the
seconds where they matter (`when_exact`: the live feed, run logs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from dashboard.amounts import tos_text
from dashboard.models import Task
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
    """A moment as every page shows it: 2026-12-01 16:04 UTC."""
    if moment is None:
        return "—"
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@register.filter
def when_exact(moment: dt.datetime | None) -> str:
    """A moment with its seconds, for logs: 2026-12-01 16:04:05 UTC."""
    if moment is None:
        return "—"
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@register.filter(name="reward_words")
def reward_words_filter(reward_type: str) -> str:
    """A reward type in words: "winner" is "winner's share", "stake_return" is "stake returned"."""
    return reward_words(str(reward_type))


@register.filter
def score_words(submission: dict[str, Any] | None, task: Task) -> str:
    """A submission's score as far as it goes: final, complete, so far, or not reviewed yet."""
    return describe_score(submission, task)
