from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dashboard import node
from dashboard.models import NodeAccount
from dashboard.services.mining import participation_state
from tests.support.devnode import DevnodeProcess, free_port
from tests.support.mining import SOLUTION, join_and_submit, make_member, publish_as, validate_as
from tests.support.tasks import TOS, cached_task, dev_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "fresh_node_status")]


@pytest.fixture
def publisher(use_devnode: DevnodeProcess, request: pytest.FixtureRequest) -> User:
    return make_member(use_devnode, f"pub-{request.node.name[:90]}")


@pytest.fixture
def miner(client: Client, use_devnode: DevnodeProcess, request: pytest.FixtureRequest) -> User:
    user = make_member(use_devnode, f"miner-{request.node.name[:90]}")
    client.force_login(user)
    return user


def joined(client: Client, task_id: str) -> None:
    assert client.post(f"/mining/tasks/{task_id}/join/", {"stake": "10"}).status_code == 302


def test_a_miner_submits_content_code_documentation_and_test_results(
    client: Client, miner: User, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task = publish_as(publisher)
    joined(client, task.task_id)

    reply = client.post(
        f"/mining/tasks/{task.task_id}/submit/",
        {
            "content": SOLUTION,
            "code": "fn parse() {}",
            "documentation": "Read to EOF.",
            "test_results": '{"passed": 3}',
        },
    )

    assert reply.status_code == 302
    details: Any = use_devnode.rpc("ai_get_task_details", {"task_id": task.task_id})
    solution = details["submissions"][0]["solution_data"]
    assert solution["content"] == SOLUTION
    assert solution["code"] == "fn parse() {}"
    assert solution["test_results"] == {"passed": 3}


def test_another_user_gets_404_on_the_submit_page_of_a_task_they_did_not_join(
    client: Client, miner: User, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task = publish_as(publisher)
    joined(client, task.task_id)
    client.force_login(make_member(use_devnode, "outsider"))

    assert client.get(f"/mining/tasks/{task.task_id}/submit/").status_code == 404
    assert client.post(f"/mining/tasks/{task.task_id}/submit/", {"content": SOLUTION}).status_code == 404


def test_too_short_content_is_refused_beside_the_field(client: Client, miner: User, publisher: User) -> None:
    task = publish_as(publisher)
    joined(client, task.task_id)

    reply = client.post(f"/mining/tasks/{task.task_id}/submit/", {"content": "short"})

    assert reply.status_code == 400
    assert "Write at least 10 characters in your answer." in reply.content.decode()


def test_a_solution_over_64_kib_is_refused(client: Client, miner: User, publisher: User) -> None:
    task = publish_as(publisher)
    joined(client, task.task_id)

    reply = client.post(f"/mining/tasks/{task.task_id}/submit/", {"content": SOLUTION, "code": "x" * 70_000})

    assert reply.status_code == 400
    assert "together, its fields may hold 65,536 plain characters" in reply.content.decode()


def test_the_nodes_refusal_of_a_second_submission_is_shown_in_words(
    client: Client, miner: User, publisher: User
) -> None:
    task = publish_as(publisher)
    joined(client, task.task_id)
    client.post(f"/mining/tasks/{task.task_id}/submit/", {"content": SOLUTION})

    reply = client.post(f"/mining/tasks/{task.task_id}/submit/", {"content": SOLUTION + " again"})

    assert reply.status_code == 400
    assert "already" in reply.content.decode()


def test_participations_move_from_staked_to_submitted_to_validated_to_won(
    client: Client, miner: User, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task = publish_as(publisher, max_participants=1)
    joined(client, task.task_id)
    assert "state-staked" in client.get("/mining/participations/").content.decode()

    client.post(f"/mining/tasks/{task.task_id}/submit/", {"content": SOLUTION})
    assert "state-submitted" in client.get("/mining/participations/").content.decode()

    validate_as(use_devnode, dev_account(use_devnode, 7), task, _submission_id(use_devnode, task.task_id), 90)
    html = client.get("/mining/participations/").content.decode()

    assert "state-won" in html  # one participant, fully validated: the task completes at once
    details: Any = use_devnode.rpc("ai_get_task_details", {"task_id": task.task_id})
    me = NodeAccount.objects.get(user=miner).address
    mine = [r for r in details["rewards"] if r["recipient"] == me]
    earned = sum(int(r["amount"]) for r in mine if r["reward_type"] in ("winner", "participant"))
    stake = int(details["participants"][0]["stake_amount"])
    row = html.split(f"participation-{task.task_id}")[1].split("</tr>")[0]
    # What was earned and the stake that came back are two figures, as on the earnings page.
    assert f'<td data-label="Earned" class="amount">{earned // TOS:,} TOS</td>' in row
    assert f'<td data-label="Stake returned" class="amount">{stake // TOS:,} TOS</td>' in row
    assert '<td data-label="Score">90 (final)</td>' in row


def test_a_slashed_stake_and_a_paid_task_are_told_apart() -> None:
    task = cached_task(
        status="Completed",
        details={
            "participants": [
                {"miner": "tst1a", "stake_amount": "1", "stake_outcome": "slashed"},
                {"miner": "tst1b", "stake_amount": "1", "stake_outcome": "returned"},
            ],
            "submissions": [{"submitter": "tst1b", "submission_id": "s", "validations": [{}]}],
        },
    )

    assert participation_state(task, "tst1a", []) == "slashed"
    assert participation_state(task, "tst1b", []) == "paid"


def test_participations_are_only_the_users_own(
    client: Client, miner: User, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task = publish_as(publisher)
    joined(client, task.task_id)
    client.force_login(make_member(use_devnode, "someone-else"))

    assert f"participation-{task.task_id}" not in client.get("/mining/participations/").content.decode()


def test_participations_stay_visible_with_a_banner_while_the_node_is_down(
    client: Client, miner: User, publisher: User, settings: Any, use_devnode: DevnodeProcess
) -> None:
    task = publish_as(publisher)
    joined(client, task.task_id)
    client.get("/mining/participations/")
    settings.TOS_NODE_URL = f"http://127.0.0.1:{free_port()}"
    node.mark_node_down()

    reply = client.get("/mining/participations/")

    assert reply.status_code == 200
    assert f"participation-{task.task_id}" in reply.content.decode()
    assert "The node is unavailable" in reply.content.decode()


def _submission_id(devnode: DevnodeProcess, task_id: str) -> str:
    details: Any = devnode.rpc("ai_get_task_details", {"task_id": task_id})
    return str(details["submissions"][0]["submission_id"])


def test_join_and_submit_helper_matches_the_pages(publisher: User, miner: User) -> None:
    task = publish_as(publisher)
    assert len(join_and_submit(miner, task)) == 64
