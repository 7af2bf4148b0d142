"""One way to show a moment on every page (in the person's zone, saying which), spans that never read "0 minutes", and a
standing check that templates use those filters rather than formats of their own."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from dashboard.templatetags.tos import ago, clock, from_now, when, when_exact
from tests.support.devnode import ROOT

MOMENT = dt.datetime(2026, 12, 1, 16, 4, 5, tzinfo=dt.UTC)


def test_a_moment_reads_the_same_everywhere_with_its_time_zone() -> None:
    assert when(MOMENT) == "2026-12-01 16:04 UTC"
    assert when_exact(MOMENT) == "2026-12-01 16:04:05 UTC"
    assert clock(MOMENT) == "16:04:05 UTC"
    paris = MOMENT.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert when(paris) == "2026-12-01 16:04 UTC"
    assert when(None) == "—"


def test_a_moment_is_shown_in_the_persons_zone_and_says_which() -> None:
    with timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        assert when(MOMENT) == "2026-12-01 17:04 CET"
        assert when_exact(MOMENT) == "2026-12-01 17:04:05 CET"
        assert clock(MOMENT) == "17:04:05 CET"


@pytest.mark.parametrize(
    ("seconds", "ahead", "behind"),
    [
        (0.2, "now", "just now"),
        (40, "in 40 s", "40 s ago"),
        (200, "in 3 min", "3 min ago"),
        (7200, "in 2 h", "2 h ago"),
    ],
)
def test_spans_say_seconds_minutes_or_hours(seconds: float, ahead: str, behind: str) -> None:
    now = timezone.now()
    # A little slack for the time this test takes: the words are rounded.
    assert from_now(now + dt.timedelta(seconds=seconds + 0.3 * (seconds > 1))) == ahead
    assert ago(now - dt.timedelta(seconds=seconds)) == behind


@given(st.floats(min_value=-86400 * 400, max_value=86400 * 400))
def test_a_span_never_says_zero_minutes(seconds: float) -> None:
    moment = timezone.now() + dt.timedelta(seconds=seconds)
    for words in (from_now(moment), ago(moment)):
        assert not re.search(r"\b0 (min|h|days)\b", words), words


def test_templates_show_moments_only_through_the_shared_filters() -> None:
    """No |timesince, |time: or |date: with a time of its own (an ISO `c` for datetime attributes is fine),
    and |timeuntil only inside a countdown, which the page's script keeps up to date."""
    found = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r'\|(timesince|time:|date:"[^"]*[HisG][^"]*")', text):
            found.append(f"{path.name}: {match.group(0)}")
        for line in text.splitlines():
            if "|timeuntil" in line and "data-countdown" not in line:
                found.append(f"{path.name}: timeuntil outside a countdown")
    assert found == []


def test_a_part_refreshed_with_hx_select_passes_it_on_to_no_form_inside() -> None:
    """htmx attributes are inherited: without hx-disinherit, a Cancel button inside My tasks' live part
    swapped its row for nothing (the row's reply holds no #my-tasks-live to select)."""
    found = [
        f"{path.name}: {tag[:80]}"
        for path in (ROOT / "templates").rglob("*.html")
        for tag in re.findall(r"<[a-z]+[^>]*\shx-select=[^>]*>", path.read_text())
        if "hx-disinherit" not in tag
    ]
    assert found == []
