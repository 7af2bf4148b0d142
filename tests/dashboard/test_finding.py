"""Finding things: task search with the filters, the live feed's filters, auto-mining's run history, time zones."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dashboard import services
from dashboard.models import AutoMiningRun, AutoParticipation, Profile
from dashboard.templatetags.moments import relative
from tests.support.mining import stored_event
from tests.support.tasks import cached_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "node_down")]


def test_task_search_finds_every_word_in_the_title_or_description_with_the_other_filters(
    client: Client,
) -> None:
    cached_task(title="Audit a vault contract", description="Look for reentrancy.", difficulty="Advanced")
    cached_task(
        title="Audit a token", description="A vault of tokens, reentrancy too.", difficulty="Beginner"
    )
    cached_task(title="Sort a list", description="Any language.")

    def titles(query: str) -> list[str]:
        page = client.get(f"/tasks/?{query}").content.decode()
        return sorted(
            title for title in ("Audit a vault contract", "Audit a token", "Sort a list") if title in page
        )

    assert titles("q=audit") == ["Audit a token", "Audit a vault contract"]
    assert titles("q=VAULT+reentrancy") == ["Audit a token", "Audit a vault contract"]
    assert titles("q=vault&difficulty=Advanced") == ["Audit a vault contract"]
    assert titles("q=nothing-like-it") == []


def test_the_feed_lists_only_the_ticked_types_and_only_mine_when_asked(client: Client) -> None:
    user = User.objects.create_user("watcher")
    account = services.link_imported_account(user, "71" * 32)
    client.force_login(user)
    now = int(time.time())
    mine = cached_task(title="My own task", publisher=account.address)
    theirs = cached_task(title="Their task", publisher="tst1someoneelse")
    stored_event("task_published", now, task_id=mine.task_id, publisher=account.address, reward_amount="1")
    stored_event(
        "task_published", now, task_id=theirs.task_id, publisher="tst1someoneelse", reward_amount="1"
    )
    stored_event("participant_joined", now, task_id=theirs.task_id, miner="tst1miner", stake_amount="1")

    everything = client.get("/feed/").content.decode()
    assert everything.count('class="event event-') == 3
    joins = client.get("/feed/?types=participant_joined").content.decode()
    assert joins.count('class="event event-') == 1
    own = client.get("/feed/?mine=on").content.decode()
    assert own.count('class="event event-') == 1
    assert "My own task" in own
    assert client.get("/feed/?types=miner_registered").content.decode().count('class="event event-') == 0


def test_run_history_lists_the_miners_runs_with_their_outcome_and_filters_them(client: Client) -> None:
    user = User.objects.create_user("runner")
    Profile.objects.create(user=user, is_miner=True)
    other = User.objects.create_user("other-runner")
    joined = AutoMiningRun.objects.create(
        user=user, trigger="schedule", state="done", summary="joined 1 task"
    )
    AutoParticipation.objects.create(user=user, run=joined, task_id="1" * 64, stake=1, state="submitted")
    AutoMiningRun.objects.create(user=user, trigger="event", state="failed", error="The node is unavailable.")
    AutoMiningRun.objects.create(user=user, trigger="schedule", state="done", summary="no suitable task")
    AutoMiningRun.objects.create(user=other, trigger="schedule", state="done", summary="someone else's run")
    client.force_login(user)

    page = client.get("/mining/auto/runs/").content.decode()
    assert page.count("<tr>") == 1 + 3  # the header and the miner's own three runs
    assert "someone else&#x27;s run" not in page
    assert "someone else's run" not in page
    assert client.get("/mining/auto/runs/?outcome=joined").content.decode().count("<tr>") == 2
    failed = client.get("/mining/auto/runs/?outcome=failed").content.decode()
    assert "The node is unavailable." in failed
    assert failed.count("<tr>") == 2
    assert client.get("/mining/auto/runs/?outcome=nothing").content.decode().count("<tr>") == 2
    other_run = AutoMiningRun.objects.get(user=other)
    assert client.get(f"/mining/auto/runs/{other_run.pk}/").status_code == 404


def test_times_are_shown_in_the_browsers_zone_unless_one_is_chosen(client: Client) -> None:
    user = User.objects.create_user("traveller")
    Profile.objects.create(user=user)
    client.force_login(user)
    client.cookies["tz"] = "Asia/Tokyo"
    assert "JST" in client.get("/account/preferences/").content.decode()

    assert client.post("/account/preferences/", {"time_zone": "America/New_York"}).status_code == 302
    assert Profile.objects.get(user=user).time_zone == "America/New_York"
    page = client.get("/account/preferences/").content.decode()
    assert ("EST" in page) or ("EDT" in page)

    client.cookies["tz"] = "../../etc/passwd"  # a cookie is the visitor's: anything else is ignored
    assert client.get("/account/preferences/").status_code == 200
    assert client.post("/account/preferences/", {"time_zone": "Mars/Olympus"}).status_code == 400


def test_the_chosen_zone_follows_the_person_to_a_new_session(client: Client) -> None:
    user = User.objects.create_user("settled", password="a-long-passphrase")
    Profile.objects.create(user=user, time_zone="Asia/Kolkata")
    client.post("/login/", {"username": "settled", "password": "a-long-passphrase"})
    assert "IST" in client.get("/account/preferences/").content.decode()


def test_relative_times_read_as_people_say_them() -> None:
    now = dt.datetime(2030, 5, 1, 12, 0, tzinfo=dt.UTC)
    assert relative(now - dt.timedelta(seconds=10), now) == "just now"
    assert relative(now - dt.timedelta(minutes=3), now) == "3 min ago"
    assert relative(now + dt.timedelta(minutes=5), now) == "in 5 min"
    assert relative(now - dt.timedelta(hours=2), now) == "2 h ago"
    assert relative(now - dt.timedelta(days=1), now) == "1 day ago"
    with timezone.override(zoneinfo.ZoneInfo("Pacific/Auckland")):
        assert relative(now - dt.timedelta(days=60), now) == "2030-03-03"  # 12:00 UTC is past midnight there


def test_a_relative_time_carries_the_exact_utc_time_on_hover(client: Client) -> None:
    from django.template import Context, Template

    moment = dt.datetime(2030, 5, 1, 12, 0, 5, tzinfo=dt.UTC)
    html = Template("{% load moments %}{% moment moment %}").render(Context({"moment": moment}))
    assert 'datetime="2030-05-01T12:00:05Z"' in html
    assert 'title="2030-05-01 12:00:05 UTC"' in html


def test_the_earnings_csv_stays_in_utc_whatever_the_zone(client: Client) -> None:
    user = User.objects.create_user("csv-reader")
    Profile.objects.create(user=user, is_miner=True, time_zone="Asia/Tokyo")
    account = services.link_imported_account(user, "72" * 32)
    from tests.support.mining import credit

    credit(account.address, 10**8, at=int(dt.datetime(2030, 1, 1, 23, 30, tzinfo=dt.UTC).timestamp()))
    client.force_login(user)
    client.cookies["tz"] = "Asia/Tokyo"
    body = client.get("/mining/earnings.csv").content.decode()
    assert "2030-01-01T23:30:00Z" in body
