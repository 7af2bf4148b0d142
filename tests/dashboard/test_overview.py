"""The overview: one section per role, with what needs the person now, from the real devnode."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboard import services
from dashboard.events import catch_up
from dashboard.models import NodeAccount, Profile
from dashboard.services import network
from tests.support.devnode import DevnodeProcess
from tests.support.mining import credit, join_and_submit, make_member, publish_as, stored_event, validate_as
from tests.support.tasks import TOS, cached_task, dev_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis")]


def roles(user: User, *names: str) -> None:
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "is_publisher": "publisher" in names,
            "is_miner": "miner" in names,
            "is_validator": "validator" in names,
        },
    )


def test_logged_out_the_home_page_is_the_network_at_a_glance(client: Client) -> None:
    reply = client.get("/")
    assert reply.status_code == 302
    assert reply["Location"] == "/network/"


@pytest.mark.usefixtures("node_down")
def test_someone_without_a_node_account_is_told_where_to_start(client: Client) -> None:
    client.force_login(User.objects.create_user("newcomer"))
    html = client.get("/").content.decode()
    assert "Generate or import an account" in html
    assert 'id="account"' not in html


def test_a_miner_sees_balance_earnings_reputation_and_an_active_participation(
    client: Client, use_devnode: DevnodeProcess
) -> None:
    publisher = make_member(use_devnode, "overview-publisher-1")
    miner = make_member(use_devnode, "overview-miner-1")
    roles(miner, "miner")
    open_task = publish_as(publisher, title="Still open", max_participants=3)
    join_and_submit(miner, open_task)
    won = publish_as(publisher, title="Won by the miner", max_participants=1)
    submission = join_and_submit(miner, won)
    validate_as(use_devnode, dev_account(use_devnode, 1), won, submission, 90)
    catch_up()
    network.catch_up()
    client.force_login(miner)

    html = client.get("/").content.decode()

    assert 'id="balance">' in html
    assert 'id="miner"' in html
    assert 'id="publisher"' not in html  # the miner did not choose the publisher's role
    assert 'id="validator"' not in html
    earned = NodeAccount.objects.get(user=miner).address
    week = network.NetworkAddress.objects.get(address=earned).mined
    assert week > 0
    assert f'id="earned-week">{services_tos(week)}<' in html
    assert "Still open" in html  # an active participation, with its deadline
    assert "data-countdown" in html
    assert "Off</span>: no task is joined for you" in html  # auto-mining's state in words
    assert "unlock" in html  # what the reputation unlocks next


def services_tos(amount: int) -> str:
    from dashboard.templatetags.tos import tos

    return tos(amount)


def test_a_miners_empty_chart_says_what_will_fill_it(client: Client, use_devnode: DevnodeProcess) -> None:
    miner = make_member(use_devnode, "overview-miner-2")
    roles(miner, "miner")
    client.force_login(miner)
    html = client.get("/").content.decode()
    assert "Your first reward arrives when a task you submitted to completes" in html


def test_a_publisher_sees_open_tasks_with_their_progress_and_completed_ones_with_payouts(
    client: Client, use_devnode: DevnodeProcess
) -> None:
    publisher = make_member(use_devnode, "overview-publisher-2")
    roles(publisher, "publisher")
    miner = make_member(use_devnode, "overview-miner-3")
    publish_as(publisher, title="Waiting for miners")
    done = publish_as(publisher, title="Done and paid", max_participants=1)
    submission = join_and_submit(miner, done)
    validate_as(use_devnode, dev_account(use_devnode, 1), done, submission, 80)
    client.force_login(publisher)

    html = client.get("/").content.decode()

    assert 'id="publisher"' in html
    assert "Waiting for miners" in html
    assert "0 of 5 joined · 0 submissions · 0 validations" in html
    assert "Done and paid" in html
    assert "paid out" in html
    assert 'id="miner"' not in html


def test_a_validator_sees_how_many_submissions_wait_and_the_oldest(
    client: Client, use_devnode: DevnodeProcess
) -> None:
    publisher = make_member(use_devnode, "overview-publisher-3")
    miner = make_member(use_devnode, "overview-miner-4")
    validator = make_member(use_devnode, "overview-validator-1")
    roles(validator, "validator")
    task = publish_as(publisher, title="Needs a reviewer")
    join_and_submit(miner, task)
    client.force_login(validator)

    html = client.get("/").content.decode()

    # The module's devnode keeps the other tests' submissions too: at least this one waits.
    waiting = int(html.split('id="queue-length">', 1)[1].split("<", 1)[0])
    assert waiting >= 1
    assert waiting == len(services.review_queue(NodeAccount.objects.get(user=validator), "review").items)
    assert "Oldest waiting:" in html


def test_one_section_is_rendered_alone_for_a_live_refresh_and_another_roles_is_a_404(
    client: Client, use_devnode: DevnodeProcess
) -> None:
    miner = make_member(use_devnode, "overview-miner-5")
    roles(miner, "miner")
    client.force_login(miner)

    section = client.get("/?section=miner", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="miner")
    assert section.status_code == 200
    assert section.content.decode().lstrip().startswith('<section class="card" id="miner"')
    assert client.get("/?section=validator").status_code == 404
    assert client.get("/?section=nonsense").status_code == 404


def queries_for(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        reply = client.get("/")
    assert reply.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.usefixtures("node_down")
def test_the_overview_runs_as_many_queries_with_200_tasks_and_credits_as_with_2(client: Client) -> None:
    user = User.objects.create_user("busy")
    roles(user, "publisher", "miner", "validator")
    account = services.link_imported_account(user, "11" * 32)
    client.force_login(user)
    now = int(time.time())

    def add(count: int) -> None:
        for n in range(count):
            task = cached_task(publisher=account.address, title=f"Task {n}")
            stored_event(
                "participant_joined", now, task_id=task.task_id, miner=account.address, stake_amount="10"
            )
            credit(account.address, TOS, "winner", at=now, task_id=task.task_id)
        network.catch_up()

    add(2)
    queries_for(client)  # the first view of a session creates rows (settings, cursor): not counted
    few = queries_for(client)
    add(198)
    assert queries_for(client) == few
