from __future__ import annotations

import socket
import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from dashboard import services
from dashboard.models import Task
from tests.support.devnode import DevnodeProcess
from tests.support.tasks import TOS, cached_task, dev_account
from tos_ai import NodeResponseError, TaskDetails, TaskSummary

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "fresh_node_status")]


def titles(reply: Any) -> list[str]:
    return [task.title for task in reply.context["page"].object_list]


def test_anyone_sees_the_active_tasks_the_node_knows(client: Client, use_devnode: DevnodeProcess) -> None:
    publisher = dev_account(use_devnode, 4)
    use_devnode.rpc(
        "ai_publish_task",
        {
            "task_data": {
                "title": "Published on the node directly",
                "task_type": {"DataAnalysis": {"data_type": "TimeSeries"}},
                "reward_amount": str(60 * TOS),
            },
            "from": publisher,
        },
    )

    reply = client.get("/tasks/")

    assert reply.status_code == 200
    assert "Published on the node directly" in titles(reply)
    html = reply.content.decode()
    assert 'Data analysis (<span class="free">TimeSeries</span>)' in html
    assert "60 TOS" in html
    assert Task.objects.get(title="Published on the node directly").publisher == publisher


def test_filters_narrow_the_stored_tasks(client: Client, node_down: str) -> None:
    cached_task(title="cheap code", reward_amount=60 * TOS)
    cached_task(title="rich code", reward_amount=140 * TOS)
    cached_task(
        title="audit", task_kind="SecurityAudit", task_type={"SecurityAudit": {"scope": "SmartContract"}}
    )
    cached_task(title="expert", difficulty="Expert", reward_amount=3000 * TOS)
    cached_task(title="done", status=Task.Status.COMPLETED)

    assert sorted(titles(client.get("/tasks/"))) == ["audit", "cheap code", "expert", "rich code"]
    assert titles(client.get("/tasks/?task_type=SecurityAudit")) == ["audit"]
    assert titles(client.get("/tasks/?difficulty=Expert")) == ["expert"]
    assert titles(
        client.get("/tasks/?task_type=CodeAnalysis&difficulty=Beginner&min_reward=100&max_reward=150")
    ) == ["rich code"]
    assert titles(client.get("/tasks/?status=Completed")) == ["done"]
    assert len(titles(client.get("/tasks/?status="))) == 5


def test_tasks_sort_by_reward_deadline_or_newest(client: Client, node_down: str) -> None:
    now = timezone.now()
    cached_task(
        title="old, rich, late",
        reward_amount=140 * TOS,
        created_at=now - timedelta(days=3),
        deadline=now + timedelta(days=9),
    )
    cached_task(
        title="new, poor, soon", reward_amount=60 * TOS, created_at=now, deadline=now + timedelta(hours=2)
    )
    cached_task(
        title="mid",
        reward_amount=100 * TOS,
        created_at=now - timedelta(days=1),
        deadline=now + timedelta(days=1),
    )

    assert titles(client.get("/tasks/?sort=reward")) == ["old, rich, late", "mid", "new, poor, soon"]
    assert titles(client.get("/tasks/?sort=deadline")) == ["new, poor, soon", "mid", "old, rich, late"]
    assert titles(client.get("/tasks/?sort=newest")) == ["new, poor, soon", "mid", "old, rich, late"]


def test_tasks_come_twenty_to_a_page_with_links_that_keep_the_filters(client: Client, node_down: str) -> None:
    for number in range(25):
        cached_task(title=f"task {number}")

    first = client.get("/tasks/?difficulty=Beginner")
    second = client.get("/tasks/?difficulty=Beginner&page=2")

    assert len(titles(first)) == 20
    assert len(titles(second)) == 5
    html = first.content.decode()
    assert 'href="/tasks/?difficulty=Beginner&amp;page=2"' in html
    assert 'hx-get="/tasks/?difficulty=Beginner&amp;page=2"' in html


def test_an_htmx_filter_request_gets_only_the_results(client: Client, node_down: str) -> None:
    cached_task(title="found")

    reply = client.get("/tasks/?sort=reward", headers={"HX-Request": "true", "HX-Target": "results"})

    html = reply.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "found" in html
    assert "<form" not in html


def test_a_history_restore_gets_the_whole_page(client: Client, node_down: str) -> None:
    reply = client.get(
        "/tasks/",
        headers={"HX-Request": "true", "HX-Target": "results", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in reply.content.decode()


def test_the_filter_form_works_without_javascript(client: Client, node_down: str) -> None:
    html = client.get("/tasks/").content.decode()
    assert '<form method="get" action="/tasks/"' in html
    assert 'hx-get="/tasks/"' in html
    assert 'hx-push-url="true"' in html


def test_a_bad_filter_shows_its_error_and_the_default_list(client: Client, node_down: str) -> None:
    cached_task(title="still listed")
    reply = client.get("/tasks/?min_reward=lots")
    assert reply.status_code == 200
    assert reply.context["form"].errors["min_reward"] == [
        "Enter an amount in TOS, like 75.5 (digits and one dot)."
    ]
    assert titles(reply) == ["still listed"]


def test_with_the_node_down_the_browser_shows_the_stored_tasks(client: Client, node_down: str) -> None:
    cached_task(title="Stored before the outage")

    reply = client.get("/tasks/")

    html = reply.content.decode()
    assert reply.status_code == 200
    assert "Stored before the outage" in html
    assert "The node is unavailable, try again in a moment." in html


def summary(task_id: str, **changes: Any) -> TaskSummary:
    raw: dict[str, Any] = {
        "task_id": task_id,
        "title": "From the node",
        "task_type": {"GeneralTask": {"category": "writing"}},
        "difficulty_level": "Beginner",
        "reward_amount": str(70 * TOS),
        "stake_required": str(7 * TOS),
        "deadline": int(timezone.now().timestamp()) + 3600,
        "time_left": 3600,
        "participants_count": 0,
        "max_participants": 10,
        "submissions_count": 0,
        "publisher": "tst1publisher",
        "status": "Published",
        **changes,
    }
    return TaskSummary.parse(raw)


def test_sync_tasks_upserts_every_summary_in_one_query(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    kept = cached_task(task_id="a" * 64, description="Kept description")
    created_at = kept.created_at

    with django_assert_num_queries(1):
        services.sync_tasks(
            [
                summary("a" * 64, participants_count=3, status="InProgress"),
                summary("b" * 64),
                summary("c" * 64),
            ]
        )

    kept.refresh_from_db()
    assert (kept.participants_count, kept.status, kept.title) == (3, "InProgress", "From the node")
    assert (kept.description, kept.created_at) == ("Kept description", created_at)
    assert Task.objects.get(task_id="b" * 64).task_kind == "GeneralTask"
    assert Task.objects.count() == 3


def test_a_task_with_values_no_column_holds_is_left_out_and_the_others_are_cached() -> None:
    services.sync_tasks(
        [
            summary("a" * 64, reward_amount=str(2**64 + 1)),  # stored exactly
            summary("b" * 64, reward_amount="9" * 40),
            summary("c" * 64, participants_count=2**40),
            summary("d" * 64, deadline=10**15),
        ]
    )

    assert list(Task.objects.values_list("task_id", "reward_amount")) == [("a" * 64, 2**64 + 1)]


def test_task_details_no_column_holds_are_a_malformed_reply_not_a_crash() -> None:
    details = {"description": "", "verification_type": "Automatic", "quality_threshold": 0, "created_at": 1}
    raw = {
        **summary("e" * 64).raw,
        **details,
        "participants": [],
        "submissions": [],
        "reward_amount": "9" * 40,
    }
    with pytest.raises(NodeResponseError, match="cannot be cached"):
        services.sync_task(TaskDetails.parse(raw))
    assert not Task.objects.filter(task_id="e" * 64).exists()


def test_a_slow_node_delays_the_browser_by_seconds_at_most(client: Client, settings: Any) -> None:
    """A node that accepts connections but never answers: the page renders from the cache, no 500."""
    cached_task(title="Stored before the node hung")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        settings.TOS_NODE_URL = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        reply = client.get("/tasks/")
        elapsed = time.monotonic() - started

    assert reply.status_code == 200
    assert "Stored before the node hung" in reply.content.decode()
    assert "The node is unavailable, try again in a moment." in reply.content.decode()
    assert elapsed < 8
