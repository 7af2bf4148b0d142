from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from dashboard.models import PublishRequest, Task
from tests.support.devnode import DevnodeProcess, free_port
from tests.support.tasks import TOS, address_of, balance_of, make_publisher, node_tasks_of, task_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "fresh_node_status")]


@pytest.fixture
def publisher(client: Client, use_devnode: DevnodeProcess, request: pytest.FixtureRequest) -> User:
    user = make_publisher(use_devnode, f"pub-{request.node.name[:100]}")
    client.force_login(user)
    return user


def errors_of(reply: Any, field: str | None = None) -> list[str]:
    form = reply.context["form"]
    return list(form.non_field_errors() if field is None else form.errors.get(field, []))


def test_a_publisher_publishes_a_task_and_the_reward_moves_into_escrow(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    address = address_of(publisher)
    before = balance_of(use_devnode, address)

    reply = client.post("/tasks/new/", task_form())

    task = Task.objects.get(publisher=address)
    assert reply.status_code == 302
    assert reply["Location"] == f"/tasks/{task.task_id}/"
    assert before - balance_of(use_devnode, address) == 7_550_000_000
    assert task.reward_amount == 7_550_000_000
    assert task.task_type == {"CodeAnalysis": {"language": "rust"}}
    assert task.details["verification_type"] == {
        "PeerReview": {"required_reviewers": 1, "consensus_threshold": 0.67}
    }
    assert task.details["max_participants"] == 5
    assert PublishRequest.objects.get(user=publisher).state == PublishRequest.State.PUBLISHED
    page = client.get(reply["Location"]).content.decode()
    assert "Review a rust parser" in page
    assert "75.5 TOS" in page


def test_every_task_data_field_reaches_the_node(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    deadline = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    form = task_form(
        task_type="LogicReasoning",
        language="",
        complexity="7",
        difficulty="Intermediate",
        reward="200.00000001",
        stake_required="30",
        deadline_hours="",
        deadline_at=deadline.strftime("%Y-%m-%dT%H:%M"),
        max_participants="3",
        verification="ExpertReview",
        expert_count="2",
        quality_threshold="80",
    )
    assert client.post("/tasks/new/", form).status_code == 302

    details: Any = use_devnode.rpc(
        "ai_get_task_details", {"task_id": Task.objects.get(publisher=address_of(publisher)).task_id}
    )
    assert details["task_type"] == {"LogicReasoning": {"complexity": 7}}
    assert details["difficulty_level"] == "Intermediate"
    assert details["reward_amount"] == "20000000001"
    assert details["stake_required"] == str(30 * TOS)
    assert details["deadline"] == int(deadline.timestamp())
    assert details["verification_type"] == {"ExpertReview": {"expert_count": 2}}
    assert details["quality_threshold"] == 80


def test_the_same_form_submitted_twice_publishes_once(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    form = task_form()
    first = client.post("/tasks/new/", form)
    second = client.post("/tasks/new/", form)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert len(node_tasks_of(use_devnode, address_of(publisher))) == 1


def test_a_repeat_while_the_first_press_is_in_flight_says_so_and_publishes_nothing(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    form = task_form()
    PublishRequest.objects.create(user=publisher, token=form["token"])

    reply = client.post("/tasks/new/", form)

    assert reply.status_code == 409
    assert errors_of(reply) == ["This task is still being published; refresh its list in a moment."]
    assert node_tasks_of(use_devnode, address_of(publisher)) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"description": "too short"}, "description", "Write at least 10 characters in the description."),
        (
            {"description": "é" * 1025},
            "description",
            "The description is 2 characters too long (accents, symbols and emoji count as 2 to 4 each): "
            "shorten it to fit 2,048 plain characters.",
        ),
        (
            {"description": "x" * 2050},
            "description",
            "The description is 2 characters too long: shorten it to fit 2,048 plain characters.",
        ),
        (
            {"title": "🦀" * 65},
            "title",
            "The title is 4 characters too long (accents, symbols and emoji count as 2 to 4 each): "
            "shorten it to fit 256 plain characters.",
        ),
        (
            {"task_type": "Poetry"},
            "task_type",
            "Select a valid choice. Poetry is not one of the available choices.",
        ),
        ({"language": ""}, "language", "Say the language of this task."),
        ({"task_type": "SecurityAudit"}, "scope", "Say the scope of this task."),
        (
            {"task_type": "LogicReasoning", "complexity": "11"},
            "complexity",
            "Ensure this value is less than or equal to 10.",
        ),
        (
            {"difficulty": "Legendary"},
            "difficulty",
            "Select a valid choice. Legendary is not one of the available choices.",
        ),
        ({"reward": ""}, "reward", "This field is required."),
        ({"reward": "75,5"}, "reward", "Enter an amount in TOS, like 75.5 (digits and one dot)."),
        ({"reward": "-80"}, "reward", "Enter an amount in TOS, like 75.5 (digits and one dot)."),
        ({"reward": "1e2"}, "reward", "Enter an amount in TOS, like 75.5 (digits and one dot)."),
        ({"reward": "75.123456789"}, "reward", "TOS amounts have at most 8 decimals."),
        ({"reward": "49.99999999"}, "reward", "A Beginner task's reward is 50 to 150 TOS."),
        (
            {"difficulty": "Expert", "reward": "1999"},
            "reward",
            "A Expert task's reward is 2,000 to 5,000 TOS.",
        ),
        (
            {"stake_required": "37.75000001"},
            "stake_required",
            "The stake required may be at most half the reward (37.75 TOS).",
        ),
        ({"deadline_hours": "0"}, "deadline_hours", "Ensure this value is greater than or equal to 1."),
        (
            {"deadline_hours": "", "deadline_at": "2000-01-01T00:00"},
            "deadline_at",
            "The deadline must be in the future.",
        ),
        (
            {"deadline_hours": "", "deadline_at": "2999-01-01T00:00"},
            "deadline_at",
            "The deadline may be at most a year away.",
        ),
        ({"deadline_at": "2999-01-01T00:00"}, "deadline_at", "The deadline may be at most a year away."),
        ({"deadline_hours": "", "deadline_at": "tomorrow"}, "deadline_at", "Enter a valid date/time."),
        ({"max_participants": "0"}, "max_participants", "Ensure this value is greater than or equal to 1."),
        (
            {"max_participants": "1001"},
            "max_participants",
            "Ensure this value is less than or equal to 1000.",
        ),
        (
            {"verification": "Vibes"},
            "verification",
            "Select a valid choice. Vibes is not one of the available choices.",
        ),
        ({"required_reviewers": ""}, "required_reviewers", "Say how many reviewers each submission needs."),
        (
            {"required_reviewers": "21"},
            "required_reviewers",
            "Ensure this value is less than or equal to 20.",
        ),
        (
            {"consensus_threshold": "1.5"},
            "consensus_threshold",
            "Ensure this value is less than or equal to 1.",
        ),
        (
            {"verification": "ExpertReview", "expert_count": ""},
            "expert_count",
            "Say how many experts each submission needs.",
        ),
        (
            {"quality_threshold": "101"},
            "quality_threshold",
            "Ensure this value is less than or equal to 100.",
        ),
        ({"token": "not-a-token"}, "token", "Enter a valid UUID."),
    ],
)
def test_each_field_error_is_shown_next_to_its_field_and_nothing_is_published(
    client: Client,
    publisher: User,
    use_devnode: DevnodeProcess,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    reply = client.post("/tasks/new/", task_form(**changes))

    assert reply.status_code == 400
    assert errors_of(reply, field) == [message]
    assert PublishRequest.objects.count() == 0


def test_both_deadlines_at_once_is_an_error() -> None:
    from dashboard.forms import PublishTaskForm

    later = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    form = PublishTaskForm(task_form(deadline_at=later))
    assert not form.is_valid()
    assert form.errors["deadline_at"] == ["Give the deadline in hours or as a date, not both."]


def test_the_form_shows_the_reward_range_of_each_difficulty(client: Client, publisher: User) -> None:
    html = client.get("/tasks/new/").content.decode()
    for text in (
        "Beginner (50 to 150 TOS)",
        "Intermediate (150 to 500 TOS)",
        "Advanced (500 to 2,000 TOS)",
        "Expert (2,000 to 5,000 TOS)",
    ):
        assert text in html
    assert 'name="token"' in html


def test_the_node_refusing_the_reward_is_shown_next_to_the_reward_field(
    client: Client, use_devnode: DevnodeProcess
) -> None:
    poor = make_publisher(use_devnode, "poor", funds=10 * TOS)
    client.force_login(poor)

    reply = client.post("/tasks/new/", task_form())

    assert reply.status_code == 400
    assert errors_of(reply, "reward") == [
        "Your balance is too low: this needs 75.5 TOS and the account has 10 TOS."
    ]
    assert errors_of(reply) == []
    assert PublishRequest.objects.get(user=poor).state == PublishRequest.State.FAILED
    assert node_tasks_of(use_devnode, address_of(poor)) == []


def test_a_node_refusal_naming_no_field_is_shown_at_the_top(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    reply = client.post("/tasks/new/", task_form(difficulty="Advanced", reward="600"))

    assert reply.status_code == 400
    assert errors_of(reply) == ["Your reputation is 500; publishing Advanced tasks needs 600."]
    assert node_tasks_of(use_devnode, address_of(publisher)) == []


def test_after_a_refusal_the_corrected_form_publishes_with_the_same_token(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    form = task_form(difficulty="Advanced", reward="600")
    assert client.post("/tasks/new/", form).status_code == 400

    reply = client.post("/tasks/new/", {**form, "difficulty": "Intermediate", "reward": "400"})

    assert reply.status_code == 302
    assert [task["reward_amount"] for task in node_tasks_of(use_devnode, address_of(publisher))] == [
        str(400 * TOS)
    ]


def test_with_the_node_down_the_form_is_kept_and_a_retry_publishes_once(
    client: Client, publisher: User, use_devnode: DevnodeProcess, settings: SettingsWrapper
) -> None:
    form = task_form(title="Kept while the node is down")
    settings.TOS_NODE_URL = f"http://127.0.0.1:{free_port()}"

    reply = client.post("/tasks/new/", form)

    assert reply.status_code == 503
    assert errors_of(reply) == ["The node is unavailable, try again in a moment."]
    html = reply.content.decode()
    assert 'value="Kept while the node is down"' in html
    assert f'value="{form["token"]}"' in html

    settings.TOS_NODE_URL = use_devnode.url
    assert client.post("/tasks/new/", form).status_code == 302
    assert client.post("/tasks/new/", form).status_code == 302
    assert len(node_tasks_of(use_devnode, address_of(publisher))) == 1


def test_a_retry_after_a_lost_reply_adopts_the_task_the_node_did_publish(
    client: Client, publisher: User, use_devnode: DevnodeProcess
) -> None:
    """The node published, but the reply never arrived: the retry finds the task instead of publishing again."""
    form = task_form(title="Published despite a timeout")
    assert client.post("/tasks/new/", form).status_code == 302
    published = Task.objects.get(publisher=address_of(publisher)).task_id
    PublishRequest.objects.filter(user=publisher).update(
        state=PublishRequest.State.FAILED, task_id="", error="The node is unavailable, try again in a moment."
    )

    reply = client.post("/tasks/new/", form)

    assert reply["Location"] == f"/tasks/{published}/"
    assert len(node_tasks_of(use_devnode, address_of(publisher))) == 1


def test_without_a_node_account_the_page_points_to_the_wallet(client: Client) -> None:
    client.force_login(User.objects.create_user("walletless", password="a-long-passphrase"))

    reply = client.get("/tasks/new/")

    assert reply.status_code == 200
    assert 'href="/wallet/"' in reply.content.decode()
    assert client.post("/tasks/new/", task_form()).status_code == 200
    assert PublishRequest.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    assert client.get("/tasks/new/")["Location"] == "/login/?next=/tasks/new/"
