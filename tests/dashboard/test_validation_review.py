from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dashboard import services
from dashboard.models import Task
from dashboard.services.validation import score_words
from tests.support.devnode import DevnodeProcess
from tests.support.mining import SOLUTION, join_and_submit, make_member, publish_as
from tests.support.tasks import address_of, cached_task, with_roles

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "fresh_node_status")]


@pytest.fixture
def publisher(use_devnode: DevnodeProcess, request: pytest.FixtureRequest) -> User:
    return make_member(use_devnode, f"pub-{request.node.name[:90]}")


@pytest.fixture
def miner(use_devnode: DevnodeProcess, request: pytest.FixtureRequest) -> User:
    return make_member(use_devnode, f"miner-{request.node.name[:90]}")


@pytest.fixture
def validator(client: Client, use_devnode: DevnodeProcess, request: pytest.FixtureRequest) -> User:
    user = make_member(use_devnode, f"val-{request.node.name[:90]}")
    client.force_login(user)
    return user


def a_submission(publisher: User, miner: User, **task_data: Any) -> tuple[Task, str]:
    task = publish_as(publisher, **task_data)
    return task, join_and_submit(miner, task)


def details_of(devnode: DevnodeProcess, task: Task) -> Any:
    return devnode.rpc("ai_get_task_details", {"task_id": task.task_id})


def test_the_queue_shows_a_submission_beside_its_tasks_requirements(
    client: Client, validator: User, publisher: User, miner: User
) -> None:
    task, submission_id = a_submission(publisher, miner, quality_threshold=80)

    html = client.get("/validation/").content.decode()

    assert f"submission-{submission_id}" in html
    assert SOLUTION in html
    assert task.description in html
    assert "passing score 80" in html
    assert f'href="/validation/{task.task_id}/{submission_id}/"' in html


def test_the_tabs_are_links_that_htmx_swaps_in_place(client: Client, validator: User) -> None:
    full = client.get("/validation/?tab=reviewed").content.decode()
    assert 'href="/validation/?tab=all" hx-get="/validation/?tab=all"' in full

    partial = client.get("/validation/?tab=all", headers={"HX-Request": "true", "HX-Target": "queue"})

    assert partial.content.decode().lstrip().startswith('<section id="queue"')


def test_a_validator_approves_with_a_score_and_reasoning(
    client: Client, validator: User, publisher: User, miner: User, use_devnode: DevnodeProcess
) -> None:
    task, submission_id = a_submission(publisher, miner, max_participants=3)

    reply = client.post(
        f"/validation/{task.task_id}/{submission_id}/",
        {"action": "approve", "approve-score": "88", "approve-reasoning": "Finds the bug and fixes it."},
    )

    assert reply.status_code == 302
    validation = details_of(use_devnode, task)["submissions"][0]["validations"][0]
    assert (validation["validator"], validation["quality_score"]) == (address_of(validator), 88)
    assert validation["reasoning"] == "Finds the bug and fixes it."
    reviewed = client.get("/validation/?tab=reviewed").content.decode()
    assert "You scored it 88" in reviewed
    assert f"submission-{submission_id}" not in client.get("/validation/").content.decode()


def test_a_validator_rejects_with_a_reason(
    client: Client, validator: User, publisher: User, miner: User, use_devnode: DevnodeProcess
) -> None:
    task, submission_id = a_submission(publisher, miner, max_participants=3)

    reply = client.post(
        f"/validation/{task.task_id}/{submission_id}/", {"action": "reject", "reject-reason": "Spam."}
    )

    assert reply.status_code == 302
    validation = details_of(use_devnode, task)["submissions"][0]["validations"][0]
    assert (validation["verdict"], validation["quality_score"]) == ("Reject", 0)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            {"action": "approve", "approve-score": "101", "approve-reasoning": "x"},
            "less than or equal to 100",
        ),
        (
            {"action": "approve", "approve-score": "-1", "approve-reasoning": "x"},
            "greater than or equal to 0",
        ),
        ({"action": "approve", "approve-score": "ninety", "approve-reasoning": "x"}, "Enter a whole number"),
        ({"action": "approve", "approve-score": "90", "approve-reasoning": ""}, "This field is required"),
        ({"action": "reject", "reject-reason": ""}, "This field is required"),
        ({"action": "delete"}, "Choose Approve or Reject"),
    ],
)
def test_bad_review_input_is_refused_beside_the_field(
    client: Client, validator: User, publisher: User, miner: User, data: dict[str, str], words: str
) -> None:
    task, submission_id = a_submission(publisher, miner)

    reply = client.post(f"/validation/{task.task_id}/{submission_id}/", data)

    assert reply.status_code == 400
    assert words in reply.content.decode()


def test_a_validators_own_submission_is_not_offered_and_a_forced_post_is_refused(
    client: Client, validator: User, publisher: User, use_devnode: DevnodeProcess
) -> None:
    task, submission_id = a_submission(publisher, validator)

    queue = client.get("/validation/").content.decode()
    assert f'value="{task.task_id}:{submission_id}"' not in queue
    reply = client.post(
        f"/validation/{task.task_id}/{submission_id}/",
        {"action": "approve", "approve-score": "100", "approve-reasoning": "Mine is great."},
    )

    assert reply.status_code == 409
    assert "This is your own submission" in reply.content.decode()
    assert details_of(use_devnode, task)["submissions"][0]["validations"] == []


def test_submissions_to_a_task_the_validator_published_are_refused(
    client: Client, validator: User, miner: User
) -> None:
    task, submission_id = a_submission(validator, miner)

    assert f'value="{task.task_id}:{submission_id}"' not in client.get("/validation/").content.decode()
    reply = client.post(
        f"/validation/{task.task_id}/{submission_id}/", {"action": "reject", "reject-reason": "x"}
    )

    assert reply.status_code == 409
    assert "You published this task" in reply.content.decode()


def test_a_second_review_and_a_fully_reviewed_submission_are_refused(
    client: Client, validator: User, publisher: User, miner: User, use_devnode: DevnodeProcess
) -> None:
    task, submission_id = a_submission(publisher, miner, max_participants=3)
    approve = {"action": "approve", "approve-score": "80", "approve-reasoning": "Good."}
    client.post(f"/validation/{task.task_id}/{submission_id}/", approve)

    again = client.post(f"/validation/{task.task_id}/{submission_id}/", approve)
    client.force_login(make_member(use_devnode, "second-validator"))
    late = client.post(f"/validation/{task.task_id}/{submission_id}/", approve)

    assert again.status_code == 409
    assert "You have already reviewed this submission" in again.content.decode()
    assert late.status_code == 409
    assert "already has all the validations it needs" in late.content.decode()


def test_an_unknown_submission_is_404(client: Client, validator: User, publisher: User, miner: User) -> None:
    task, _ = a_submission(publisher, miner)

    assert client.get(f"/validation/{task.task_id}/{'0' * 64}/").status_code == 404
    assert client.get(f"/validation/{'0' * 64}/{'0' * 64}/").status_code == 404
    assert client.get("/validation/nope/nope/").status_code == 404


def test_another_validators_reviews_are_not_in_my_reviewed_tab(
    client: Client, validator: User, publisher: User, miner: User, use_devnode: DevnodeProcess
) -> None:
    task, submission_id = a_submission(publisher, miner, max_participants=3)
    client.post(
        f"/validation/{task.task_id}/{submission_id}/",
        {"action": "approve", "approve-score": "75", "approve-reasoning": "Fine."},
    )
    client.force_login(make_member(use_devnode, "other-validator"))

    assert "You scored it" not in client.get("/validation/?tab=reviewed").content.decode()


def test_bulk_reject_says_each_submissions_outcome_by_title_and_id_on_the_queue(
    client: Client, validator: User, publisher: User, miner: User, use_devnode: DevnodeProcess
) -> None:
    spam_one, first = a_submission(publisher, miner, max_participants=3, title="Spam one")
    spam_two, second = a_submission(publisher, miner, max_participants=3, title="Spam two")
    mine, own = a_submission(publisher, validator, max_participants=3, title="My own")

    reply = client.post(
        "/validation/bulk/",
        {
            "bulk-submissions": [
                f"{spam_one.task_id}:{first}",
                f"{spam_two.task_id}:{second}",
                f"{mine.task_id}:{own}",
            ],
            "bulk-action": "reject",
            "bulk-reason": "Spam.",
            "bulk-tab": "all",
        },
    )

    # Post, redirect, get: the outcomes are said on the queue, not on the POST's address.
    assert reply.status_code == 302
    assert reply["Location"] == "/validation/?tab=all"
    html = client.get(reply["Location"]).content.decode()
    assert (
        f"Rejected: 2 submissions (“Spam one”, submission {first[:8]}; “Spam two”, submission {second[:8]})"
        in html
    )
    assert f"“My own”, submission {own[:8]} was not rejected: This is your own submission" in html
    for task in (spam_one, spam_two):
        assert details_of(use_devnode, task)["submissions"][0]["validations"][0]["verdict"] == "Reject"


def test_bulk_approve_gives_every_ticked_submission_one_score_and_names_two_of_one_task_apart(
    client: Client, validator: User, publisher: User, miner: User, use_devnode: DevnodeProcess
) -> None:
    task, first = a_submission(publisher, miner, max_participants=3, title="Two answers")
    second = join_and_submit(make_member(use_devnode, "second-miner"), task, content=SOLUTION + " too")

    reply = client.post(
        "/validation/bulk/",
        {
            "bulk-submissions": [f"{task.task_id}:{first}", f"{task.task_id}:{second}"],
            "bulk-action": "approve",
            "bulk-score": "80",
            "bulk-reasoning": "Both find the bug.",
        },
        follow=True,
    )

    html = reply.content.decode()
    assert reply.redirect_chain == [("/validation/?tab=review", 302)]
    assert f"submission {first[:8]}" in html
    assert f"submission {second[:8]}" in html
    assert first[:8] != second[:8]
    assert "Approved with score 80: 2 submissions" in html
    scores = [s["validations"][0]["quality_score"] for s in details_of(use_devnode, task)["submissions"]]
    assert scores == [80, 80]


@pytest.mark.parametrize(
    ("posted", "field", "words"),
    [
        ({"bulk-action": "reject", "bulk-reason": "Spam."}, None, "Tick the submissions to review."),
        ({"bulk-action": "reject"}, "reason", "Say why they are rejected."),
        ({"bulk-action": "approve", "bulk-reasoning": "Fine."}, "score", "Give the score"),
        (
            {"bulk-action": "approve", "bulk-score": "101", "bulk-reasoning": "x"},
            "score",
            "less than or equal",
        ),
        ({"bulk-action": "approve", "bulk-score": "80"}, "reasoning", "Say why, for every"),
        ({"bulk-reason": "Spam."}, None, "Choose Approve or Reject."),
    ],
)
def test_bulk_review_errors_are_shown_on_the_queue_beside_their_field_with_the_ticks_kept(
    client: Client,
    validator: User,
    publisher: User,
    miner: User,
    posted: dict[str, str],
    field: str | None,
    words: str,
) -> None:
    task, submission_id = a_submission(publisher, miner, max_participants=3)
    ref = f"{task.task_id}:{submission_id}"
    if words != "Tick the submissions to review.":
        posted = {**posted, "bulk-submissions": ref}

    reply = client.post("/validation/bulk/", posted)

    assert reply.status_code == 400
    html = reply.content.decode()
    assert words in html
    if field:
        assert words in html.split(f'for="id_bulk-{field}"', 1)[1].split("</p>", 1)[0]
    if "bulk-submissions" in posted:
        assert f'value="{ref}" checked' in html


def test_bulk_review_refuses_malformed_submissions(client: Client, validator: User) -> None:
    reply = client.post("/validation/bulk/", {"bulk-submissions": ["<script>"], "bulk-action": "reject"})

    assert reply.status_code == 400
    assert "Select a valid choice" in reply.content.decode()


def test_review_posts_need_csrf(validator: User, publisher: User, miner: User) -> None:
    task, submission_id = a_submission(publisher, miner)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(validator)

    assert (
        strict.post(f"/validation/{task.task_id}/{submission_id}/", {"action": "reject"}).status_code == 403
    )
    assert strict.post("/validation/bulk/", {}).status_code == 403


def test_with_the_node_down_the_queue_shows_stored_submissions_and_reviews_are_refused_in_words(
    client: Client, node_down: str, django_user_model: type[User]
) -> None:
    user = with_roles(
        django_user_model.objects.create_user("offline", password="a-long-passphrase"), "validator"
    )
    services.link_imported_account(user, "22" * 32)
    client.force_login(user)
    submission = {
        "submission_id": "c" * 64,
        "submitter": "tst1x",
        "solution_data": {"content": SOLUTION},
        "validations": [],
    }
    task = cached_task(
        status="InProgress",
        submissions_count=1,
        details={"submissions": [submission], "required_reviewers": 1},
    )

    queue = client.get("/validation/")
    reply = client.post(
        f"/validation/{task.task_id}/{'c' * 64}/", {"action": "reject", "reject-reason": "Spam."}
    )

    assert queue.status_code == 200
    assert SOLUTION in queue.content.decode()
    assert "The node is unavailable" in queue.content.decode()
    assert reply.status_code == 503
    assert "The node is unavailable" in reply.content.decode()


@pytest.mark.parametrize(
    ("validations", "required", "final", "words"),
    [
        ([], 1, None, "not reviewed yet"),
        ([85], 1, None, "85, every review in: final when the task completes"),
        ([90, 75], 3, None, "82 so far (2 of 3 reviews)"),
        ([90, 0], 2, None, "45, every review in: final when the task completes"),
        ([90], 1, 90, "90 (final)"),
    ],
)
def test_a_score_says_how_far_it_goes(
    validations: list[int], required: int, final: int | None, words: str
) -> None:
    task = cached_task(details={"required_reviewers": required})
    submission = {"validations": [{"quality_score": score} for score in validations], "final_score": final}

    assert score_words(submission, task) == words
