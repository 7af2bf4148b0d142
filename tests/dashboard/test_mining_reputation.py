from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dashboard import services
from dashboard.services.mining import may, unlocks
from tests.support.devnode import DevnodeProcess
from tests.support.mining import make_member, stored_event
from tests.support.tasks import address_of, with_roles

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "fresh_node_status")]


def test_the_spec_thresholds_decide_what_a_reputation_unlocks() -> None:
    assert may(400, "publish", "Intermediate")
    assert not may(399, "publish", "Intermediate")
    assert may(700, "submit", "Expert")
    assert not may(749, "validate", "Expert")
    assert not may(1000, "validate", "Legendary")


def test_the_next_step_and_the_points_missing_are_worked_out_per_action() -> None:
    actions = {action.action: action for action in unlocks(500)}

    assert actions["publish"].next is not None
    assert (actions["publish"].next.difficulty, actions["publish"].next.missing) == ("Advanced", 100)
    assert (actions["submit"].next.difficulty, actions["submit"].next.missing) == ("Expert", 200)  # type: ignore[union-attr]
    assert (actions["validate"].next.difficulty, actions["validate"].next.missing) == ("Advanced", 50)  # type: ignore[union-attr]
    assert all(action.next is None for action in unlocks(1000))


def test_the_page_shows_the_nodes_reputation_and_what_it_unlocks(
    client: Client, use_devnode: DevnodeProcess
) -> None:
    client.force_login(make_member(use_devnode, "reputable"))

    html = client.get("/reputation/").content.decode()

    assert '<strong id="reputation">500</strong>' in html
    publish = html.split('id="unlock-publish"', 1)[1].split("</tr>", 1)[0]
    assert "100 points to Advanced" in publish
    assert "(from 800)" in publish


def test_with_the_node_down_the_last_stored_reputation_is_shown_with_words(
    client: Client, node_down: str, django_user_model: type[User]
) -> None:
    user = with_roles(django_user_model.objects.create_user("offline", password="a-long-passphrase"), "miner")
    services.link_imported_account(user, "55" * 32)
    stored_event(
        "reputation_changed", int(timezone.now().timestamp()), address=address_of(user), old=500, new=510
    )
    client.force_login(user)

    reply = client.get("/reputation/")

    assert reply.status_code == 200
    assert '<strong id="reputation">510</strong>' in reply.content.decode()
    assert "The node is unavailable" in reply.content.decode()


def test_the_reputation_page_needs_a_login_and_a_linked_account(
    client: Client, use_devnode: DevnodeProcess, django_user_model: type[User]
) -> None:
    assert client.get("/reputation/").status_code == 302
    client.force_login(with_roles(django_user_model.objects.create_user("no-wallet"), "validator"))
    assert "you have not linked one yet" in client.get("/reputation/").content.decode()
