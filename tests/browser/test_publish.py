from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from dashboard.models import Task
from tests.support import browser as logins
from tests.support.devnode import DevnodeProcess, free_port
from tests.support.tasks import TOS, address_of, cached_task, make_publisher

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("use_redis"),
]


@pytest.fixture
def node_down(settings: SettingsWrapper) -> None:
    settings.TOS_NODE_URL = f"http://127.0.0.1:{free_port()}"


def log_in(page: Page, live_server: LiveServer, user: User) -> None:
    logins.log_in(page, live_server.url, user.get_username())


def test_a_publisher_fills_the_form_and_sees_the_task_page(
    page: Page, live_server: LiveServer, use_devnode: DevnodeProcess
) -> None:
    alice = make_publisher(use_devnode, "alice")
    log_in(page, live_server, alice)

    page.goto(f"{live_server.url}/tasks/new/")
    page.get_by_label("Title").fill("Audit the escrow contract")
    page.get_by_label("Description").fill("Look for reentrancy and rounding bugs in the escrow contract.")
    page.get_by_label("Task type").select_option("SecurityAudit")
    expect(page.get_by_label("Language")).to_be_hidden()
    page.get_by_label("Scope").fill("SmartContract")
    page.get_by_label("Difficulty").select_option("Intermediate")
    expect(page.locator(".reward-ranges li:visible")).to_have_text(["Intermediate (150 to 500 TOS)"])
    page.get_by_label("Reward (TOS)").fill("250.5")
    page.get_by_label("Deadline in hours from now").fill("48")
    page.get_by_label("Verification").select_option("ExpertReview")
    expect(page.get_by_label("Required reviewers")).to_be_hidden()
    page.get_by_label("Expert count").fill("3")
    page.get_by_role("button", name="Publish").click()

    expect(page.get_by_role("heading", name="Audit the escrow contract")).to_be_visible()
    expect(page.get_by_text("Your task is published")).to_be_visible()
    expect(page.locator(".figures")).to_contain_text("250.5 TOS")
    expect(page.get_by_text("expert review (3 experts)", exact=False)).to_be_visible()
    task = Task.objects.get(publisher=address_of(alice))
    assert page.url == f"{live_server.url}/tasks/{task.task_id}/"
    assert task.reward_amount == 25_050_000_000


def test_a_field_error_is_shown_beside_the_field_in_the_browser(
    page: Page, live_server: LiveServer, use_devnode: DevnodeProcess
) -> None:
    log_in(page, live_server, make_publisher(use_devnode, "bob"))
    page.goto(f"{live_server.url}/tasks/new/")
    page.get_by_label("Title").fill("Too cheap")
    page.get_by_label("Description").fill("A task whose reward is below the range.")
    page.get_by_label("Language").fill("go")
    page.get_by_label("Reward (TOS)").fill("10")
    page.get_by_role("button", name="Publish").click()

    expect(page.locator(".field.has-error")).to_contain_text("A Beginner task's reward is 50 to 150 TOS.")
    expect(page.get_by_label("Title")).to_have_value("Too cheap")


def test_the_task_browser_filters_with_htmx_without_a_full_reload(
    page: Page, live_server: LiveServer, node_down: None
) -> None:
    cached_task(title="An expert task", difficulty="Expert", reward_amount=3000 * TOS)
    cached_task(title="A beginner task")
    page.goto(f"{live_server.url}/tasks/")
    expect(page.locator("#results")).to_contain_text("A beginner task")
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_label("Difficulty").select_option("Expert")

    expect(page).to_have_url(re.compile(r"/tasks/\?.*difficulty=Expert"))
    expect(page.locator("#results")).not_to_contain_text("A beginner task")
    expect(page.locator("#results")).to_contain_text("An expert task")
    assert page.evaluate("window.stillTheSamePage") is True


def test_the_task_browser_filters_without_javascript(
    browser: Browser, live_server: LiveServer, node_down: None
) -> None:
    cached_task(title="An expert task", difficulty="Expert", reward_amount=3000 * TOS)
    cached_task(title="A beginner task")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/tasks/")
        page.get_by_label("Difficulty").select_option("Expert")
        page.get_by_role("button", name="Show tasks").click()

        expect(page).to_have_url(re.compile(r"/tasks/\?.*difficulty=Expert"))
        expect(page.locator("#results")).not_to_contain_text("A beginner task")
        expect(page.locator("#results")).to_contain_text("An expert task")
    finally:
        context.close()
