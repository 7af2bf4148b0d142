from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dashboard import services
from dashboard.models import NodeAccount, Profile
from dashboard.services.mining import WinRecord, success_estimate
from tests.support.devnode import DevnodeProcess
from tests.support.mining import make_member, publish_as
from tests.support.tasks import TOS, address_of, cached_task, make_publisher, with_roles

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "fresh_node_status")]


@pytest.fixture
def publisher(use_devnode: DevnodeProcess, request: pytest.FixtureRequest) -> User:
    return make_member(use_devnode, f"pub-{request.node.name[:90]}")


@pytest.fixture
def miner(client: Client, use_devnode: DevnodeProcess, request: pytest.FixtureRequest) -> User:
    user = make_member(use_devnode, f"miner-{request.node.name[:90]}")
    client.force_login(user)
    return user


def test_suitable_tasks_follow_the_miners_types_and_difficulties(
    client: Client, miner: User, publisher: User
) -> None:
    rust = publish_as(publisher, title="A rust review")
    audit = publish_as(publisher, title="An audit", task_type={"SecurityAudit": {"scope": "SmartContract"}})
    Profile.objects.filter(user=miner).update(
        mining_task_types=["CodeAnalysis"], mining_difficulties=["Beginner"]
    )

    html = client.get("/mining/").content.decode()

    assert f"suitable-{rust.task_id}" in html
    assert f"suitable-{audit.task_id}" not in html


def test_the_miner_saves_preferences_with_a_post(client: Client, miner: User) -> None:
    reply = client.post("/mining/preferences/", {"task_types": ["DataAnalysis"], "difficulties": ["Expert"]})

    assert reply.status_code == 302
    profile = Profile.objects.get(user=miner)
    assert (profile.mining_task_types, profile.mining_difficulties) == (["DataAnalysis"], ["Expert"])


def test_preferences_outside_the_choices_are_refused_in_words(client: Client, miner: User) -> None:
    reply = client.post("/mining/preferences/", {"task_types": ["Mining bitcoin"]}, follow=True)

    assert "not among the choices" in reply.content.decode()
    assert Profile.objects.get(user=miner).mining_task_types == []


def test_a_miner_is_not_offered_their_own_tasks(client: Client, miner: User) -> None:
    own = publish_as(miner, title="My own task")

    assert f"suitable-{own.task_id}" not in client.get("/mining/").content.decode()


def test_the_stake_range_and_a_chance_of_winning_are_shown(
    client: Client, miner: User, publisher: User
) -> None:
    task = publish_as(publisher, reward_amount=str(120 * TOS), stake_required=str(15 * TOS))

    html = client.get("/mining/").content.decode()

    assert "15 TOS to 60 TOS" in html  # max(15, 120/10) to 120/2
    row = html.split(f"suitable-{task.task_id}")[1].split("</tr>")[0]
    assert "%" in row


def test_the_success_estimate_leans_on_the_miners_own_wins_as_they_add_up() -> None:
    fresh = success_estimate("Beginner", 0, 500, WinRecord())
    assert fresh == 68  # 0.9 x 0.75
    assert success_estimate("Expert", 0, 500, WinRecord()) < fresh
    assert success_estimate("Beginner", 4, 500, WinRecord()) < fresh
    assert success_estimate("Beginner", 0, 500, WinRecord(scored=20, won=20)) > fresh
    assert success_estimate("Beginner", 0, 500, WinRecord(scored=20, won=0)) < 15


def test_joining_stakes_the_exact_amount_typed_in_tos(
    client: Client, miner: User, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task = publish_as(publisher)

    reply = client.post(f"/mining/tasks/{task.task_id}/join/", {"stake": "12.34567891"})

    assert reply.status_code == 302
    assert reply["Location"] == f"/mining/tasks/{task.task_id}/submit/"
    details: Any = use_devnode.rpc("ai_get_task_details", {"task_id": task.task_id})
    assert details["participants"][0]["stake_amount"] == "1234567891"
    assert details["participants"][0]["miner"] == address_of(miner)


@pytest.mark.parametrize(
    ("stake", "words"),
    [
        ("5", "between 10 and 50 TOS"),
        ("50.00000001", "between 10 and 50 TOS"),
        ("ten", "Enter an amount in TOS"),
        ("1.123456789", "at most 8 decimals"),
    ],
)
def test_a_stake_outside_the_bounds_is_refused_beside_the_field(
    client: Client, miner: User, publisher: User, stake: str, words: str
) -> None:
    task = publish_as(publisher)

    reply = client.post(f"/mining/tasks/{task.task_id}/join/", {"stake": stake})

    assert reply.status_code == 400
    assert words in reply.content.decode()


def test_the_nodes_refusal_to_join_is_shown_in_words(client: Client, miner: User) -> None:
    own = publish_as(miner)

    reply = client.post(f"/mining/tasks/{own.task_id}/join/", {"stake": "10"})

    assert reply.status_code == 400
    assert "You published this task, so you cannot join it: it is for other miners." in reply.content.decode()


def test_joining_twice_is_refused_in_words(client: Client, miner: User, publisher: User) -> None:
    task = publish_as(publisher)
    client.post(f"/mining/tasks/{task.task_id}/join/", {"stake": "10"})

    reply = client.post(f"/mining/tasks/{task.task_id}/join/", {"stake": "10"})

    assert reply.status_code == 400
    assert "already" in reply.content.decode()


def test_an_unknown_task_cannot_be_joined(client: Client, miner: User) -> None:
    assert client.get(f"/mining/tasks/{'0' * 64}/join/").status_code == 404
    assert client.get("/mining/tasks/not-a-task/join/").status_code == 404


def test_join_needs_a_login_and_csrf(publisher: User, use_devnode: DevnodeProcess) -> None:
    task = publish_as(publisher)
    assert Client().get(f"/mining/tasks/{task.task_id}/join/").status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_member(use_devnode, "csrf-miner"))
    assert strict.post(f"/mining/tasks/{task.task_id}/join/", {"stake": "10"}).status_code == 403


def test_with_the_node_down_the_stored_tasks_are_offered_with_a_banner(
    client: Client, node_down: str, django_user_model: type[User]
) -> None:
    user = with_roles(django_user_model.objects.create_user("offline", password="a-long-passphrase"), "miner")
    services.link_imported_account(user, "11" * 32)
    client.force_login(user)
    stored = cached_task(title="A stored task to mine")

    reply = client.get("/mining/")

    assert reply.status_code == 200
    html = reply.content.decode()
    assert f"suitable-{stored.task_id}" in html
    assert "The node is unavailable" in html


def test_joining_while_the_node_is_down_says_so_and_keeps_the_form(
    client: Client, node_down: str, django_user_model: type[User]
) -> None:
    user = with_roles(django_user_model.objects.create_user("offline", password="a-long-passphrase"), "miner")
    services.link_imported_account(user, "11" * 32)
    client.force_login(user)
    stored = cached_task()

    reply = client.post(f"/mining/tasks/{stored.task_id}/join/", {"stake": "10"})

    assert reply.status_code == 503
    assert "The node is unavailable" in reply.content.decode()


def test_an_imported_account_that_never_registered_is_registered_when_it_first_joins(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    newcomer = with_roles(make_publisher(use_devnode, "newcomer"), "miner")
    address = address_of(newcomer)
    stats: Any = use_devnode.rpc("ai_get_miner_stats", {"miner_address": address})
    assert stats.get("is_registered") is False
    client.force_login(newcomer)
    task = publish_as(publisher)

    reply = client.post(f"/mining/tasks/{task.task_id}/join/", {"stake": "10"})

    assert reply.status_code == 302
    details: Any = use_devnode.rpc("ai_get_task_details", {"task_id": task.task_id})
    assert [p["miner"] for p in details["participants"]] == [address]
    assert NodeAccount.objects.get(user=newcomer).registered_miner is True


def test_with_every_active_task_joined_the_page_says_so_rather_than_that_none_matches(
    client: Client, miner: User, publisher: User
) -> None:
    logic = {"LogicReasoning": {"complexity": 3}}
    tasks = [publish_as(publisher, title=f"Task {number}", task_type=logic) for number in range(3)]
    Profile.objects.filter(user=miner).update(mining_task_types=["LogicReasoning"])
    for task in tasks:
        assert services.participate(NodeAccount.objects.get(user=miner), task, 10 * TOS) is None
    services.refresh_event_log()

    html = client.get("/mining/").content.decode()

    assert "you already joined all 3 active tasks matching your preferences" in html
    assert "No active task matches your preferences" not in html
