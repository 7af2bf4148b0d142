"""Feedback on actions in a real Chromium: a busy button while a post is on its way (and no second post),
a confirmation before cancelling a task, and bulk review with "select every submission"."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Dialog, Page, expect
from pytest_django.live_server_helper import LiveServer

from dashboard.models import NodeAccount, Task
from dashboard.views import tasks as task_views
from tests.support import browser as logins
from tests.support.devnode import DevnodeProcess
from tests.support.mining import join_and_submit, make_member, publish_as
from tests.support.tasks import make_publisher, node_tasks_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("use_redis"),
]


def log_in(page: Page, live_server: LiveServer, user: User) -> None:
    logins.log_in(page, live_server.url, user.get_username())


def slowed(function: Callable[..., Any], seconds: float) -> Callable[..., Any]:
    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return function(*args, **kwargs)

    return slow


def test_a_publish_on_its_way_says_so_on_its_button_and_a_second_click_publishes_nothing_more(
    page: Page, live_server: LiveServer, use_devnode: DevnodeProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = make_publisher(use_devnode, "alice")
    log_in(page, live_server, alice)
    monkeypatch.setattr(task_views.services, "publish_task", slowed(task_views.services.publish_task, 1.5))
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    page.goto(f"{live_server.url}/tasks/new/")
    page.get_by_label("Title").fill("Busy buttons")
    page.get_by_label("Description").fill("A task published while the node takes its time.")
    page.get_by_label("Language").fill("go")
    page.get_by_label("Reward (TOS)").fill("60")
    # The page itself looks at its button 300 ms after the click and clicks again, and keeps what it saw
    # for after the navigation (Playwright's own calls wait for a navigation under way to finish).
    page.evaluate(
        """() => {
          const button = document.querySelector('.publish-form button[type=submit]');
          button.click();
          setTimeout(() => {
            const busy = [...document.querySelectorAll('button[aria-busy=true]')].map((b) => b.textContent);
            sessionStorage.setItem('busy', JSON.stringify(busy));
            button.click();
          }, 300);
        }"""
    )
    expect(page.get_by_text("Your task is published")).to_be_visible()
    assert page.evaluate("JSON.parse(sessionStorage.getItem('busy'))") == ["Publishing…"]
    assert [url for url in posts if url.endswith("/tasks/new/")] == [f"{live_server.url}/tasks/new/"]
    assert len(node_tasks_of(use_devnode, NodeAccount.objects.get(user=alice).address)) == 1


def test_cancelling_a_task_asks_first_on_its_page_and_on_my_tasks(
    page: Page, live_server: LiveServer, use_devnode: DevnodeProcess
) -> None:
    alice = make_member(use_devnode, "alice", miner=False, validator=False)
    kept = publish_as(alice, title="Keep this one")
    dropped = publish_as(alice, title="Drop this one")
    log_in(page, live_server, alice)
    asked: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.goto(f"{live_server.url}/tasks/{kept.task_id}/")
    page.get_by_role("button", name="Cancel task").click()
    expect(page.get_by_role("button", name="Cancel task")).to_be_visible()
    assert asked == [
        "Cancel “Keep this one”? It takes no participants from then on, and its reward comes back to your balance."
    ]

    page.goto(f"{live_server.url}/tasks/mine/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator(f"#task-{kept.task_id}").get_by_role("button", name="Cancel task").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#task-{dropped.task_id}").get_by_role("button", name="Cancel task").click()
    expect(page.locator(f"#task-{dropped.task_id} .status")).to_have_text("Cancelled")
    assert Task.objects.get(task_id=kept.task_id).status == Task.Status.PUBLISHED


def test_a_validator_selects_every_submission_and_approves_them_with_one_score(
    page: Page, live_server: LiveServer, use_devnode: DevnodeProcess
) -> None:
    publisher = make_member(use_devnode, "publisher", miner=False, validator=False)
    tasks = [publish_as(publisher, title=f"Answer {number}", max_participants=3) for number in range(3)]
    for number, task in enumerate(tasks):
        join_and_submit(make_member(use_devnode, f"miner-{number}", validator=False), task)
    validator = make_member(use_devnode, "validator")
    log_in(page, live_server, validator)

    page.goto(f"{live_server.url}/validation/")
    page.get_by_label("Select every submission you may review").check()
    expect(page.locator("#queue input[name='bulk-submissions']:checked")).to_have_count(3)
    page.get_by_label("Score").fill("77")
    page.get_by_label("Reasoning").fill("Each finds the bug.")
    page.get_by_role("button", name="Approve ticked").click()

    expect(page.get_by_text("Approved with score 77: 3 submissions")).to_be_visible()
    assert page.url == f"{live_server.url}/validation/?tab=review"
    for task in tasks:
        details: Any = use_devnode.rpc("ai_get_task_details", {"task_id": task.task_id})
        assert details["submissions"][0]["validations"][0]["quality_score"] == 77
