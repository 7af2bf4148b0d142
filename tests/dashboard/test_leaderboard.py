from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dashboard import services
from tests.support.devnode import DevnodeProcess
from tests.support.mining import credit, make_member, stored_event
from tests.support.tasks import TOS, address_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis")]

NOW = int(timezone.now().timestamp())
DAY = 86_400


def board(html: str, name: str) -> str:
    return html.split(f'id="{name}"', 1)[1].split("</section>", 1)[0]


def test_miners_are_ranked_by_earnings_and_wins_in_the_period(client: Client, node_down: str) -> None:
    credit("tst1alice", 100 * TOS, "winner", at=NOW - DAY)
    credit("tst1bob", 30 * TOS, "participant", at=NOW - DAY)
    credit("tst1bob", 200 * TOS, "winner", at=NOW - 60 * DAY)
    credit("tst1carol", 999 * TOS, "refund", at=NOW)

    week = client.get("/leaderboard/?period=7d").content.decode()
    ever = client.get("/leaderboard/?period=all").content.decode()

    assert board(week, "miners-by-earnings").index("tst1alice") < board(week, "miners-by-earnings").index(
        "tst1bob"
    )
    assert "tst1carol" not in board(week, "miners-by-earnings")
    assert "tst1bob" not in board(week, "miners-by-wins")
    assert board(ever, "miners-by-earnings").index("tst1bob") < board(ever, "miners-by-earnings").index(
        "tst1alice"
    )


def test_validators_are_ranked_by_validations_and_agreement_with_final_scores(
    client: Client, node_down: str
) -> None:
    for submission, final in (("s1", 80), ("s2", 40)):
        stored_event("task_completed", NOW, task_id="t" * 64, final_scores={submission: final})
    stored_event("validation_completed", NOW, validator="tst1close", submission_id="s1", score=90)
    stored_event("validation_completed", NOW, validator="tst1close", submission_id="s2", score=30)
    stored_event("validation_completed", NOW, validator="tst1far", submission_id="s1", score=40)
    stored_event("validation_completed", NOW, validator="tst1far", submission_id="s2", score=100)
    stored_event("validation_completed", NOW, validator="tst1far", submission_id="unscored", score=50)

    html = client.get("/leaderboard/?period=7d").content.decode()

    by_count = board(html, "validators-by-count")
    assert by_count.index("tst1far") < by_count.index("tst1close")
    assert "3 validations" in by_count
    by_agreement = board(html, "validators-by-agreement")
    assert by_agreement.index("tst1close") < by_agreement.index("tst1far")
    assert "100% of 2" in by_agreement
    assert "0% of 2" in by_agreement


def test_old_validations_are_left_out_of_a_short_period(client: Client, node_down: str) -> None:
    stored_event("validation_completed", NOW - 40 * DAY, validator="tst1old", submission_id="x", score=1)

    assert "tst1old" not in client.get("/leaderboard/?period=30d").content.decode()
    assert "tst1old" in client.get("/leaderboard/?period=all").content.decode()


def test_dashboard_users_are_named_by_username(
    client: Client, node_down: str, django_user_model: type[User]
) -> None:
    user = django_user_model.objects.create_user("dora", password="a-long-passphrase")
    services.link_imported_account(user, "44" * 32)
    credit(address_of(user), 5 * TOS, at=NOW)

    assert "dora" in board(client.get("/leaderboard/").content.decode(), "miners-by-earnings")


def test_the_period_links_have_an_href_and_swap_only_the_boards(client: Client, node_down: str) -> None:
    html = client.get("/leaderboard/").content.decode()
    assert 'href="/leaderboard/?period=7d" hx-get="/leaderboard/?period=7d"' in html

    partial = client.get("/leaderboard/?period=7d", headers={"HX-Request": "true", "HX-Target": "boards"})

    assert partial.content.decode().lstrip().startswith('<section id="boards"')


def test_a_bad_period_falls_back_to_30_days(client: Client, node_down: str) -> None:
    reply = client.get("/leaderboard/?period=forever")

    assert reply.status_code == 200
    assert (
        'href="/leaderboard/?period=30d" hx-get="/leaderboard/?period=30d" hx-target="#boards" hx-swap="outerHTML" hx-push-url="true" aria-current="page"'
        in reply.content.decode()
    )


def test_with_the_node_down_the_boards_show_stored_data_and_words(client: Client, node_down: str) -> None:
    credit("tst1alice", 1 * TOS, at=NOW)

    reply = client.get("/leaderboard/")

    assert reply.status_code == 200
    assert "The node is unavailable" in reply.content.decode()
    assert "Reputations are shown once the node answers" in reply.content.decode()


@pytest.mark.usefixtures("fresh_node_status")
def test_reputations_come_from_the_node_for_a_capped_number_of_miners(
    client: Client, use_devnode: DevnodeProcess
) -> None:
    member = make_member(use_devnode, "ranked")
    make_member(use_devnode, "never-mined")  # registered like every generated account, but never joined
    stored_event("participant_joined", NOW, task_id="c" * 64, miner=address_of(member), stake_amount="1")

    html = client.get("/leaderboard/").content.decode()

    assert "ranked" in board(html, "miners-by-reputation")
    assert "500" in board(html, "miners-by-reputation")
    assert "never-mined" not in board(html, "miners-by-reputation")
