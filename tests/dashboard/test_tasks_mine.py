from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dashboard.models import Task
from tests.support.devnode import DevnodeProcess
from tests.support.tasks import (
    TOS,
    address_of,
    balance_of,
    cached_task,
    dev_account,
    make_publisher,
    task_form,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "fresh_node_status")]


@pytest.fixture
def publisher(client: Client, use_devnode: DevnodeProcess, request: pytest.FixtureRequest) -> User:
    user = make_publisher(use_devnode, f"pub-{request.node.name[:100]}")
    client.force_login(user)
    return user


def publish(client: Client, **changes: str) -> Task:
    reply = client.post("/tasks/new/", task_form(**changes))
    assert reply.status_code == 302, reply.context["form"].errors
    return Task.objects.get(task_id=reply["Location"].split("/")[2])


def node_status(devnode: DevnodeProcess, task_id: str) -> str:
    details: Any = devnode.rpc("ai_get_task_details", {"task_id": task_id})
    return str(details["status"])


def test_my_tasks_lists_only_my_tasks_with_deadline_progress_and_escrow(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    mine = publish(client, title="My own task")
    cached_task(title="Somebody else's task")

    html = client.get("/tasks/mine/").content.decode()

    assert "My own task" in html
    assert "Somebody else" not in html
    assert f'<time data-countdown datetime="{mine.deadline.isoformat()}">' in html
    assert f'<progress max="{24 * 3600}"' in html
    assert "75.5 TOS" in html  # reward and escrow
    assert f'hx-post="/tasks/{mine.task_id}/cancel/"' in html
    assert f'action="/tasks/{mine.task_id}/cancel/"' in html


def test_my_tasks_picks_up_changes_from_the_node(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task = publish(client)
    use_devnode.rpc(
        "ai_participate_task",
        {"task_id": task.task_id, "stake_amount": str(8 * TOS), "from": dev_account(use_devnode, 1)},
    )

    html = client.get("/tasks/mine/").content.decode()

    task.refresh_from_db()
    assert task.participants_count == 1
    assert task.status == Task.Status.IN_PROGRESS
    assert "1 / 5" in html
    assert "Cancel task" not in html


def test_cancelling_before_anyone_joins_refunds_the_reward(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task = publish(client)
    before = balance_of(use_devnode, address_of(publisher))

    reply = client.post(f"/tasks/{task.task_id}/cancel/")

    assert reply.status_code == 302
    assert reply["Location"] == "/tasks/mine/"
    assert node_status(use_devnode, task.task_id) == "Cancelled"
    assert balance_of(use_devnode, address_of(publisher)) - before == 7_550_000_000
    task.refresh_from_db()
    assert task.status == Task.Status.CANCELLED
    assert task.escrow == 0
    assert "is cancelled" in client.get("/tasks/mine/").content.decode()


def test_cancelling_with_htmx_swaps_the_task_row(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task = publish(client)

    reply = client.post(f"/tasks/{task.task_id}/cancel/", headers={"HX-Request": "true"})

    html = reply.content.decode()
    assert reply.status_code == 200
    assert html.lstrip().startswith(f'<article class="card task-row" id="task-{task.task_id}">')
    assert "Cancelled" in html
    assert "Cancel task" not in html
    assert "<html" not in html


def test_cancelling_after_a_participant_joined_is_refused_in_words(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task = publish(client)
    use_devnode.rpc(
        "ai_participate_task",
        {"task_id": task.task_id, "stake_amount": str(8 * TOS), "from": dev_account(use_devnode, 2)},
    )

    reply = client.post(f"/tasks/{task.task_id}/cancel/", headers={"HX-Request": "true"})

    html = reply.content.decode()
    assert "A task can be cancelled only before anyone joins it, and this one is in progress." in html
    assert node_status(use_devnode, task.task_id) == "InProgress"
    task.refresh_from_db()
    assert task.status == Task.Status.IN_PROGRESS

    plain = client.post(f"/tasks/{task.task_id}/cancel/", follow=True)
    assert "was not cancelled: A task can be cancelled only before anyone joins it" in plain.content.decode()


def test_another_user_gets_404_on_cancelling_my_task(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task = publish(client)
    client.force_login(make_publisher(use_devnode, "mallory"))

    assert client.post(f"/tasks/{task.task_id}/cancel/").status_code == 404
    assert node_status(use_devnode, task.task_id) == "Published"


def test_a_user_without_a_node_account_gets_404_on_cancel(client: Client) -> None:
    task = cached_task()
    client.force_login(User.objects.create_user("walletless", password="a-long-passphrase"))
    assert client.post(f"/tasks/{task.task_id}/cancel/").status_code == 404


def test_a_get_on_cancel_asks_for_the_confirmation_and_cancels_nothing(
    client: Client, publisher: User
) -> None:
    task = cached_task(publisher=address_of(publisher), title="Keep me")

    reply = client.get(f"/tasks/{task.task_id}/cancel/")

    html = reply.content.decode()
    assert reply.status_code == 200
    assert "Cancel “Keep me”?" in html
    assert f'<form method="post" action="/tasks/{task.task_id}/cancel/">' in html
    assert Task.objects.get(task_id=task.task_id).status == Task.Status.PUBLISHED


def test_the_cancel_buttons_ask_for_a_confirmation_first(client: Client, publisher: User) -> None:
    task = publish(client, title="Keep me")

    for page in ("/tasks/mine/", f"/tasks/{task.task_id}/"):
        html = client.get(page).content.decode()
        form = html.split(f'action="/tasks/{task.task_id}/cancel/"', 1)[1].split(">", 1)[0]
        assert 'data-confirm="Cancel “Keep me”?' in form, page


def test_with_the_node_down_my_tasks_show_what_was_stored(
    client: Client, publisher: User, node_down: str
) -> None:
    cached_task(publisher=address_of(publisher), title="Stored before the outage")

    reply = client.get("/tasks/mine/")

    html = reply.content.decode()
    assert reply.status_code == 200
    assert "Stored before the outage" in html
    assert "The node is unavailable, try again in a moment." in html
    assert 'id="node-banner"' in html


def test_with_the_node_down_cancel_answers_in_words(client: Client, publisher: User, node_down: str) -> None:
    task = cached_task(publisher=address_of(publisher))

    reply = client.post(f"/tasks/{task.task_id}/cancel/", headers={"HX-Request": "true"})

    assert reply.status_code == 200
    assert "The node is unavailable, try again in a moment." in reply.content.decode()
    task.refresh_from_db()
    assert task.status == Task.Status.PUBLISHED


def test_without_a_node_account_my_tasks_points_to_the_wallet(client: Client) -> None:
    client.force_login(User.objects.create_user("walletless", password="a-long-passphrase"))
    assert 'href="/wallet/"' in client.get("/tasks/mine/").content.decode()
