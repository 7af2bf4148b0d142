"""Every page and action of a role is refused, in words, to an account without that role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, reverse

from dashboard import services
from dashboard.models import AutoMiningConfig, Profile, Task
from dashboard.roles import ROLES, role_required
from dashboard.urls import urlpatterns
from tests.support.devnode import DevnodeProcess
from tests.support.mining import join_and_submit, make_member, publish_as
from tests.support.tasks import task_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "fresh_node_status")]

TASK, SUBMISSION = "ab" * 32, "cd" * 32
# (method, path, the roles any one of which opens it)
ROLE_PAGES = [
    ("get", "/tasks/new/", {"publisher"}),
    ("post", "/tasks/new/", {"publisher"}),
    ("get", "/tasks/mine/", {"publisher"}),
    ("get", f"/tasks/{TASK}/cancel/", {"publisher"}),
    ("post", f"/tasks/{TASK}/cancel/", {"publisher"}),
    ("get", "/mining/", {"miner"}),
    ("post", "/mining/preferences/", {"miner"}),
    ("get", "/mining/participations/", {"miner"}),
    ("get", "/mining/earnings/", {"miner"}),
    ("get", "/mining/earnings.csv", {"miner"}),
    ("get", f"/mining/tasks/{TASK}/join/", {"miner"}),
    ("post", f"/mining/tasks/{TASK}/join/", {"miner"}),
    ("get", f"/mining/tasks/{TASK}/submit/", {"miner"}),
    ("post", f"/mining/tasks/{TASK}/submit/", {"miner"}),
    ("get", "/mining/auto/", {"miner"}),
    ("post", "/mining/auto/", {"miner"}),
    ("post", "/mining/auto/toggle/", {"miner"}),
    ("get", "/mining/auto/status/", {"miner"}),
    ("get", "/mining/auto/runs/1/", {"miner"}),
    ("get", "/mining/auto/runs/", {"miner"}),
    ("get", "/reputation/", {"miner", "validator"}),
    ("get", "/validation/", {"validator"}),
    ("post", "/validation/bulk/", {"validator"}),
    ("get", "/validation/earnings/", {"validator"}),
    ("get", "/validation/earnings.csv", {"validator"}),
    ("get", f"/validation/{TASK}/{SUBMISSION}/", {"validator"}),
    ("post", f"/validation/{TASK}/{SUBMISSION}/", {"validator"}),
]
LACKING = [
    pytest.param(method, path, role, id=f"{role}-{method}-{path}")
    for method, path, needed in ROLE_PAGES
    for role in ROLES
    if role not in needed
]


def only(role: str, username: str | None = None) -> User:
    user = User.objects.create_user(username or f"only-{role}", password="a-long-passphrase")
    Profile.objects.create(
        user=user,
        is_publisher=role == "publisher",
        is_miner=role == "miner",
        is_validator=role == "validator",
    )
    return user


@pytest.mark.parametrize(("method", "path", "role"), LACKING)
def test_a_role_page_is_refused_in_words_to_an_account_without_the_role(
    client: Client, method: str, path: str, role: str
) -> None:
    client.force_login(only(role))
    reply = getattr(client, method)(path)
    assert reply.status_code == 403
    page = reply.content.decode()
    assert "This page is for" in page
    assert f"Your account has the {role} role" in page
    assert 'href="/account/?next=' in page
    assert "turn on the" in page


@pytest.mark.parametrize(("method", "path", "needed"), ROLE_PAGES)
def test_a_role_page_sends_anonymous_visitors_to_log_in(
    client: Client, method: str, path: str, needed: set[str]
) -> None:
    reply = getattr(client, method)(path)
    assert reply.status_code == 302
    assert reply["Location"].startswith("/login/?next=")


@pytest.mark.parametrize(("method", "path", "needed"), ROLE_PAGES)
def test_a_role_page_is_not_refused_to_an_account_with_the_role(
    client: Client, method: str, path: str, needed: set[str]
) -> None:
    client.force_login(only(sorted(needed)[0]))
    assert getattr(client, method)(path).status_code != 403


# Pages open to anyone, or to any logged-in user whatever their roles.
OPEN_PAGES = {
    "home",
    "healthz",
    "login",
    "logout",
    "signup",
    "roles",
    "password_change",
    "password_change_done",
    "wallet",
    "wallet_generate",
    "wallet_import",
    "wallet_qr",
    "wallet_key",
    "wallet_unlink",
    "task_list",
    "task_detail",
    "leaderboard",
    "feed",
    # The network at a glance and the public profiles (no login), notifications and the time zone.
    "network",
    "public_profile",
    "notifications",
    "unread_count",
    "mark_read",
    "notification_settings",
    "preferences",
}


def test_every_page_is_either_open_or_in_the_table_of_role_pages() -> None:
    """A new page must say which roles open it (and so be tested here) to pass."""
    table = {path: needed for _, path, needed in ROLE_PAGES}
    args = {"task_id": TASK, "submission_id": SUBMISSION, "run_id": 1}
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern)
        needed = getattr(pattern.callback, "required_roles", None)
        if needed is None:
            assert pattern.name in OPEN_PAGES, f"{pattern.name} checks no role and is not listed as open"
            continue
        path = reverse(str(pattern.name), kwargs={key: args[key] for key in pattern.pattern.converters})
        assert table.get(path) == set(needed), path


def test_the_message_names_both_roles_when_either_opens_the_page(client: Client) -> None:
    client.force_login(only("publisher"))
    page = client.get("/reputation/").content.decode()
    assert "This page is for miners and validators" in page
    assert "<strong>Miner</strong> or <strong>Validator</strong>" in page


def test_turning_the_role_on_from_the_refusal_comes_back_to_the_page(client: Client) -> None:
    client.force_login(only("miner"))
    assert 'href="/account/?next=/tasks/new/%3Fx%3D1"' in client.get("/tasks/new/?x=1").content.decode()
    reply = client.post("/account/", {"is_publisher": "on", "is_miner": "on", "next": "/tasks/new/?x=1"})
    assert reply["Location"] == "/tasks/new/?x=1"
    assert client.get("/tasks/new/").status_code == 200
    elsewhere = client.post("/account/", {"is_publisher": "on", "next": "https://evil.example/"})
    assert elsewhere["Location"] == "/account/"


def test_a_user_without_a_profile_has_the_publisher_role_only(client: Client) -> None:
    client.force_login(User.objects.create_user("made-in-admin", password="a-long-passphrase"))
    assert client.get("/tasks/new/").status_code == 200
    assert client.get("/mining/").status_code == 403


def test_unknown_roles_are_refused_when_the_view_is_written() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        role_required("admin")


# --- what the issue saw, against the devnode --------------------------------------------------------


@pytest.fixture
def rival_submissions(use_devnode: DevnodeProcess) -> tuple[User, User, Task, str, str]:
    """Two members competing on one task, each with a submission."""
    publisher = make_member(use_devnode, "pub")
    alice, bob = make_member(use_devnode, "alice"), make_member(use_devnode, "bob")
    task = publish_as(publisher, max_participants=3)
    return alice, bob, task, join_and_submit(alice, task), join_and_submit(bob, task)


def test_a_miner_only_user_cannot_approve_a_rivals_submission(
    client: Client, rival_submissions: tuple[User, User, Task, str, str], use_devnode: DevnodeProcess
) -> None:
    alice, _, task, _, bobs = rival_submissions
    Profile.objects.filter(user=alice).update(is_validator=False)
    client.force_login(alice)
    reply = client.post(
        f"/validation/{task.task_id}/{bobs}/",
        {"action": "approve", "approve-score": "99", "approve-reasoning": "Great work, rival."},
    )
    assert reply.status_code == 403
    details = use_devnode.rpc("ai_get_task_details", {"task_id": task.task_id})
    assert all(submission["validations"] == [] for submission in details["submissions"])  # type: ignore[index]


def test_a_validator_is_not_offered_the_submissions_of_a_task_it_takes_part_in(
    client: Client, rival_submissions: tuple[User, User, Task, str, str], use_devnode: DevnodeProcess
) -> None:
    alice, _, task, _, bobs = rival_submissions
    client.force_login(alice)
    queue = client.get("/validation/").content.decode()
    assert f'value="{task.task_id}:{bobs}"' not in queue
    everything = client.get("/validation/?tab=all").content.decode()
    assert "You take part in this task" in everything
    reply = client.post(
        f"/validation/{task.task_id}/{bobs}/",
        {"action": "approve", "approve-score": "10", "approve-reasoning": "Scoring my rival down."},
    )
    assert reply.status_code == 409
    assert "You take part in this task, so you may not score its submissions" in reply.content.decode()


def test_the_nodes_participant_refusal_is_shown_in_words_when_the_dashboard_did_not_know(
    client: Client,
    rival_submissions: tuple[User, User, Task, str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, _, task, _, bobs = rival_submissions
    client.force_login(alice)
    # The dashboard's copy of the task is behind the node's (alice joined from another client).
    monkeypatch.setattr("dashboard.services.validation.participates", lambda task, address: False)
    reply = client.post(
        f"/validation/{task.task_id}/{bobs}/",
        {"action": "reject", "reject-reason": "Not what was asked."},
    )
    assert reply.status_code == 409
    page = reply.content.decode()
    assert "You take part in this task, so you may not score its submissions" in page
    assert "-32004" not in page


def test_a_validator_only_user_cannot_publish_a_task(client: Client, use_devnode: DevnodeProcess) -> None:
    validator = make_member(use_devnode, "val", miner=False)
    Profile.objects.filter(user=validator).update(is_publisher=False)
    client.force_login(validator)
    assert client.post("/tasks/new/", task_form()).status_code == 403
    assert not Task.objects.exists()


def test_a_publisher_only_user_cannot_join_a_task_or_turn_on_auto_mining(
    client: Client, use_devnode: DevnodeProcess
) -> None:
    task = publish_as(make_member(use_devnode, "pub"))
    publisher = make_member(use_devnode, "pat", miner=False, validator=False)
    client.force_login(publisher)
    assert client.post(f"/mining/tasks/{task.task_id}/join/", {"stake": "10"}).status_code == 403
    assert client.post("/mining/auto/toggle/", {"enabled": "on"}).status_code == 403
    details = use_devnode.rpc("ai_get_task_details", {"task_id": task.task_id})
    assert details["participants"] == []  # type: ignore[index]
    assert not AutoMiningConfig.objects.filter(user=publisher, enabled=True).exists()


def test_turning_the_miner_role_off_turns_auto_mining_off(
    client: Client, use_devnode: DevnodeProcess
) -> None:
    miner = make_member(use_devnode, "mia")
    services.set_enabled(miner, True)
    client.force_login(miner)
    reply = client.post("/account/", {"is_publisher": "on", "is_validator": "on"})
    assert reply.status_code == 302
    assert AutoMiningConfig.objects.get(user=miner).enabled is False
