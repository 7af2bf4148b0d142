from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dashboard import services
from dashboard.amounts import tos_exact, tos_text
from dashboard.services.earnings import chart, round_top
from tests.support.mining import credit
from tests.support.tasks import TOS, address_of, cached_task, with_roles

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis")]

NOW = int(timezone.now().timestamp())
DAY = 86_400


@pytest.fixture
def member(client: Client, node_down: str, django_user_model: type[User]) -> User:
    """A user whose credits are stored; the node is down, so pages show only what is stored."""
    user = with_roles(
        django_user_model.objects.create_user("earner", password="a-long-passphrase"), "miner", "validator"
    )
    services.link_imported_account(user, "33" * 32)
    client.force_login(user)
    return user


def test_the_earnings_page_totals_the_miners_rewards_in_the_period(client: Client, member: User) -> None:
    me = address_of(member)
    credit(me, 65 * TOS + 1, "winner", at=NOW - 2 * DAY)
    credit(me, 15 * TOS, "participant", at=NOW - 20 * DAY)
    credit(me, 10 * TOS, "stake_return", at=NOW - DAY)
    credit(me, 99 * TOS, "winner", at=NOW - 90 * DAY)
    credit("tst1someoneelse", 500 * TOS, "winner", at=NOW)

    week = client.get("/mining/earnings/?period=7d").content.decode()
    month = client.get("/mining/earnings/?period=30d").content.decode()
    ever = client.get("/mining/earnings/?period=all").content.decode()

    assert '<strong id="earned-total">65.00000001 TOS</strong>' in week
    assert '<strong id="earned-total">80.00000001 TOS</strong>' in month
    assert '<strong id="earned-total">179.00000001 TOS</strong>' in ever
    assert "Stake returned (1 time): <strong>10 TOS</strong>" in week  # listed, not counted as earned
    assert ">stake_return<" not in week  # the node's codes stay in the CSV
    assert "500 TOS" not in ever


def test_the_headline_is_the_sum_of_the_breakdown_whatever_else_the_account_was_paid(
    client: Client, member: User
) -> None:
    me = address_of(member)
    credit(me, 39 * TOS, "winner", at=NOW)
    credit(me, 6 * TOS, "stake_return", at=NOW)
    credit(me, 81 * TOS, "validator", at=NOW)  # a validator's share: earned from validating, not mining
    credit(me, 7 * TOS, "refund", at=NOW)

    mining = client.get("/mining/earnings/?period=7d").content.decode()
    validating = client.get("/validation/earnings/?period=7d").content.decode()

    assert '<strong id="earned-total">39 TOS</strong>' in mining
    breakdown = mining.split("What you earned, by kind", 1)[1].split("</table>", 1)[0]
    assert "Winner&#x27;s share" in breakdown
    assert "Share for a passing submission" in breakdown
    assert "81 TOS" not in mining
    assert "7 TOS" not in mining
    assert "<strong>39 TOS</strong>" in breakdown
    assert '<strong id="earned-total">81 TOS</strong>' in validating
    assert "39 TOS" not in validating
    assert 'href="/validation/earnings.csv"' in validating
    assert 'href="/mining/earnings.csv"' in mining


def test_the_latest_rewards_name_each_task_by_its_title(client: Client, member: User) -> None:
    task = cached_task(title="Explain the flaky retry test")
    credit(address_of(member), 39 * TOS, "winner", at=NOW, task_id=task.task_id)

    html = client.get("/mining/earnings/?period=7d").content.decode()

    latest = html.split("Latest rewards", 1)[1]
    assert f'<a href="/tasks/{task.task_id}/">Explain the flaky retry test</a>' in latest
    assert "Winner&#x27;s share" in latest


def test_the_chart_is_server_rendered_svg_without_script(client: Client, member: User) -> None:
    credit(address_of(member), 5 * TOS, at=NOW)

    html = client.get("/mining/earnings/?period=7d").content.decode()

    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count("<rect") == 1
    assert "<script" not in html.split("<body", 1)[1]


def test_the_period_links_have_an_href_and_swap_only_the_earnings(client: Client, member: User) -> None:
    html = client.get("/mining/earnings/").content.decode()
    assert 'href="/mining/earnings/?period=all" hx-get="/mining/earnings/?period=all"' in html

    partial = client.get(
        "/mining/earnings/?period=all", headers={"HX-Request": "true", "HX-Target": "earnings"}
    )

    assert partial.content.decode().lstrip().startswith('<section id="earnings"')


def test_bars_are_per_day_week_or_month_and_scaled_to_the_peak() -> None:
    today = dt.date(2026, 11, 28)
    start = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    points = [
        (dt.datetime(2026, 11, 23, 5, tzinfo=dt.UTC), 10),
        (dt.datetime(2026, 11, 28, tzinfo=dt.UTC), 40),
    ]

    days = chart(points, start, today)

    assert days.bucket == "day"
    assert [bar.amount for bar in days.bars] == [0, 10, 0, 0, 0, 0, 40]
    # The value axis tops at a round figure above the peak (50 for 40), labelled at its top and middle.
    assert days.top == 50
    assert days.ticks == [50, 25, 0]
    assert days.bars[-1].height == pytest.approx(days.baseline * 40 / 50)
    assert days.bars[1].height == pytest.approx(days.baseline * 10 / 50)
    assert chart(points, dt.datetime(2026, 8, 1, tzinfo=dt.UTC), today).bucket == "week"
    assert chart(points, dt.datetime(2024, 1, 1, tzinfo=dt.UTC), today).bucket == "month"
    assert chart([], None, today).bars[0].amount == 0
    assert [round_top(peak) for peak in (0, 1, 3, 39 * TOS, 65 * TOS, 100 * TOS)] == [
        0,
        1,
        5,
        50 * TOS,
        100 * TOS,
        100 * TOS,
    ]


def test_the_chart_labels_its_value_axis_and_dates(client: Client, member: User) -> None:
    credit(address_of(member), 39 * TOS, at=NOW)

    html = client.get("/mining/earnings/?period=7d").content.decode()

    axis = html.split('<ol class="chart-y"', 1)[1].split("</ol>", 1)[0]
    assert [item.split("</li>")[0] for item in axis.split("<li>")[1:]] == ["50 TOS", "25 TOS", "0 TOS"]
    assert "up to 39 TOS" in html


def test_the_csv_lists_every_mining_credit_with_utc_times_and_exact_amounts(
    client: Client, member: User
) -> None:
    me = address_of(member)
    task = cached_task(task_id="b" * 64, title="Find the parser bug")
    credit(me, 8_024_691_285, "winner", at=1_790_000_000, task_id=task.task_id)
    credit(me, 1, "stake_return", at=1_790_000_100)
    credit(me, 5, "validator", at=1_790_000_150)  # in the validator's own file
    credit("tst1someoneelse", 7, "winner", at=1_790_000_200)

    reply = client.get("/mining/earnings.csv")

    assert reply["Content-Type"].startswith("text/csv")
    assert reply["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(reply.content.decode())))
    assert rows[0][:5] == ["paid_at_utc", "task_id", "reward_type", "amount_atomic", "amount_tos"]
    assert rows[0][7:] == ["what", "task_title"]
    assert rows[1][:5] == ["2026-09-21T14:13:20Z", "b" * 64, "winner", "8024691285", "80.24691285"]
    assert rows[1][7:] == ["winner's share", "Find the parser bug"]
    assert rows[2][3:5] == ["1", "0.00000001"]
    assert len(rows) == 3  # neither the validator's share nor the other address's credit

    validator_rows = list(csv.reader(io.StringIO(client.get("/validation/earnings.csv").content.decode())))
    assert [row[2] for row in validator_rows[1:]] == ["validator"]


def test_tos_exact_keeps_eight_places_and_tos_text_trims_them() -> None:
    assert tos_exact(0) == "0.00000000"
    assert tos_exact(123_456_789_012_345_678) == "1234567890.12345678"
    assert tos_exact(-150_000_000) == "-1.50000000"
    assert tos_text(123_456_789_050_000_000) == "1,234,567,890.5"
    assert tos_text(123_456_789_050_000_000, grouped=False) == "1234567890.5"
    assert tos_text(-5) == "-0.00000005"


def test_the_validator_earnings_count_only_validator_rewards(client: Client, member: User) -> None:
    me = address_of(member)
    credit(me, 3 * TOS, "validator", at=NOW)
    credit(me, 50 * TOS, "winner", at=NOW)

    html = client.get("/validation/earnings/?period=7d").content.decode()

    assert '<strong id="earned-total">3 TOS</strong>' in html


def test_earnings_need_a_login_and_a_linked_account(client: Client, django_user_model: type[User]) -> None:
    assert client.get("/mining/earnings.csv").status_code == 302
    client.force_login(with_roles(django_user_model.objects.create_user("no-wallet"), "miner"))
    assert client.get("/mining/earnings.csv").status_code == 404
    assert "you have not linked one yet" in client.get("/mining/earnings/").content.decode()


def test_with_the_node_down_stored_earnings_are_shown_with_words(client: Client, member: User) -> None:
    credit(address_of(member), 2 * TOS, at=NOW)

    reply = client.get("/mining/earnings/?period=7d")

    assert reply.status_code == 200
    assert "The node is unavailable" in reply.content.decode()
    assert '<strong id="earned-total">2 TOS</strong>' in reply.content.decode()
