"""The publisher's first visit, as a person makes it: sign up, get a wallet, publish, find the task."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from dashboard.models import NodeAccount, Task
from tests.support.devnode import DevnodeProcess
from tests.support.tasks import balance_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("use_redis"),
]


def test_sign_up_generate_a_wallet_publish_a_task_and_find_it_in_the_browser(
    page: Page, live_server: LiveServer, use_devnode: DevnodeProcess
) -> None:
    page.goto(f"{live_server.url}/signup/")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Password confirmation").fill("a long enough passphrase")
    page.get_by_label("Publisher").check()
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="Wallet")).to_be_visible()
    page.get_by_role("button", name="Generate a new account").click()
    expect(page.locator("#balance")).to_contain_text("9,990 TOS")
    address = NodeAccount.objects.get(user__username="grace").address

    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.locator('[data-group="publish"] summary').click()
    main_nav.get_by_role("link", name="Publish a task").click()
    page.get_by_label("Title").fill("Summarise the node's error log")
    page.get_by_label("Description").fill("Group the errors of last week's log by cause and count them.")
    page.get_by_label("Task type").select_option("DataAnalysis")
    page.get_by_label("Data type").fill("Logs")
    page.get_by_label("Reward (TOS)").fill("60")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Your task is published")).to_be_visible()
    task = Task.objects.get(publisher=address)
    assert balance_of(use_devnode, address) == 9_990 * 10**8 - 60 * 10**8

    main_nav.locator('[data-group="network"] summary').click()
    main_nav.get_by_role("link", name="All tasks").click()
    page.get_by_label("Type").select_option("DataAnalysis")
    page.get_by_role("button", name="Show tasks").click()
    row = page.get_by_role("row").filter(has_text="Summarise the node's error log")
    expect(row).to_contain_text("60 TOS")
    row.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/tasks/{task.task_id}/")
