from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dashboard.models import Task
from tests.support.devnode import DevnodeProcess
from tests.support.tasks import TOS, address_of, cached_task, dev_account, make_publisher, task_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "fresh_node_status")]

SOLUTION = "The tokenizer drops the last byte of every input; see the patch below."


@pytest.fixture
def publisher(client: Client, use_devnode: DevnodeProcess, request: pytest.FixtureRequest) -> User:
    user = make_publisher(use_devnode, f"pub-{request.node.name[:100]}")
    client.force_login(user)
    return user


def publish_with_a_submission(client: Client, devnode: DevnodeProcess) -> tuple[Task, str]:
    reply = client.post("/tasks/new/", task_form(max_participants="1", reward="100"))
    task_id = reply["Location"].split("/")[2]
    miner = dev_account(devnode, 5)
    devnode.rpc("ai_participate_task", {"task_id": task_id, "stake_amount": str(10 * TOS), "from": miner})
    receipt: Any = devnode.rpc(
        "ai_submit_solution", {"task_id": task_id, "solution_data": {"content": SOLUTION}, "from": miner}
    )
    return Task.objects.get(task_id=task_id), str(receipt["submission_id"])


def test_the_publisher_sees_the_content_of_submissions(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task, _ = publish_with_a_submission(client, use_devnode)

    html = client.get(f"/tasks/{task.task_id}/").content.decode()

    assert SOLUTION in html
    assert dev_account(use_devnode, 5) in html


def test_others_see_only_the_hash_and_score_of_submissions(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task, _ = publish_with_a_submission(client, use_devnode)
    details: Any = use_devnode.rpc("ai_get_task_details", {"task_id": task.task_id})

    client.logout()
    anonymous = client.get(f"/tasks/{task.task_id}/").content.decode()
    client.force_login(make_publisher(use_devnode, "curious"))
    other = client.get(f"/tasks/{task.task_id}/").content.decode()

    for html in (anonymous, other):
        assert SOLUTION not in html
        assert details["submissions"][0]["answer_hash"] in html
        assert "score not reviewed yet" in html


def test_a_completed_task_shows_its_validations_and_the_payout_to_each_recipient(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task, submission_id = publish_with_a_submission(client, use_devnode)
    use_devnode.rpc(
        "ai_validate_submission",
        {
            "task_id": task.task_id,
            "submission_id": submission_id,
            "validation_result": {
                "Approve": {"quality_score": 90, "reasoning": "Correct and well explained."}
            },
            "from": dev_account(use_devnode, 6),
        },
    )

    html = client.get(f"/tasks/{task.task_id}/").content.decode()

    task.refresh_from_db()
    assert task.status == Task.Status.COMPLETED
    assert "Payouts" in html
    assert "score 90 (passed)" in html
    validator = dev_account(use_devnode, 6)
    link = f'<a class="who" href="/network/{validator}/" title="{validator}">'
    assert f"{link}<code>{validator}</code></a>: Approve, score 90" in html
    assert "65 TOS" in html  # the winner's 65% of 100 TOS
    assert "15 TOS" in html  # the validator's 15%
    rewards = task.details["rewards"]
    assert sum(int(r["amount"]) for r in rewards if r["reward_type"] not in ("stake_return",)) == 100 * TOS


def test_an_unknown_task_is_a_404(client: Client, use_devnode: DevnodeProcess) -> None:
    assert client.get(f"/tasks/{'0' * 64}/").status_code == 404


def test_a_malformed_task_id_is_a_404_without_asking_the_node(client: Client, node_down: str) -> None:
    assert client.get("/tasks/not-a-task/").status_code == 404


def test_a_task_the_node_forgot_is_a_404_even_if_stored(client: Client, use_devnode: DevnodeProcess) -> None:
    task = cached_task()
    assert client.get(f"/tasks/{task.task_id}/").status_code == 404


def test_with_the_node_down_a_stored_task_still_renders(client: Client, node_down: str) -> None:
    task = cached_task(title="Stored before the outage", reward_amount=123_456_789_000)

    reply = client.get(f"/tasks/{task.task_id}/")

    html = reply.content.decode()
    assert reply.status_code == 200
    assert "Stored before the outage" in html
    assert "1,234.56789 TOS" in html
    assert "The node is unavailable, try again in a moment." in html


def test_with_the_node_down_an_unstored_task_says_so(client: Client, node_down: str) -> None:
    reply = client.get(f"/tasks/{'1' * 64}/")
    assert reply.status_code == 503
    assert "The node is unavailable, try again in a moment." in reply.content.decode()


def test_the_author_of_a_submission_reads_it_and_nobody_else_but_the_publisher(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    from tests.support.mining import join_and_submit, make_member

    reply = client.post("/tasks/new/", task_form(max_participants="2", reward="100"))
    task = Task.objects.get(task_id=reply["Location"].split("/")[2])
    author = make_member(use_devnode, "author")
    join_and_submit(author, task, content="The author's own words, for the author and the publisher.")

    client.force_login(author)
    assert "The author&#x27;s own words" in client.get(f"/tasks/{task.task_id}/").content.decode()
    client.force_login(make_publisher(use_devnode, "bystander"))
    assert "The author&#x27;s own words" not in client.get(f"/tasks/{task.task_id}/").content.decode()
    client.logout()
    assert "The author&#x27;s own words" not in client.get(f"/tasks/{task.task_id}/").content.decode()


def test_addresses_with_a_dashboard_user_are_shown_by_username(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task, _ = publish_with_a_submission(client, use_devnode)

    html = client.get(f"/tasks/{task.task_id}/").content.decode()

    address = address_of(publisher)
    profile = f'<a class="who" href="/network/{address}/" title="{address}">'
    assert f"Published by {profile}{publisher.get_username()}</a>" in html
