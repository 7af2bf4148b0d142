"""A page of another role, reached by its address: the refusal says what to do, and doing it works."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from dashboard.models import Profile

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("use_redis"),
]


def test_a_miner_opening_the_publish_page_is_told_which_role_to_turn_on_and_comes_back(
    page: Page, live_server: LiveServer
) -> None:
    user = User.objects.create_user("mia", password="a-long-passphrase")
    Profile.objects.create(user=user, is_publisher=False, is_miner=True)
    page.goto(f"{live_server.url}/login/?next=/tasks/new/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="This page is for publishers")).to_be_visible()
    expect(page.get_by_text("Your account has the miner role")).to_be_visible()
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.locator('[data-group="publish"] summary')).to_have_count(
        0
    )  # nor is its group in the navigation

    page.get_by_role("link", name="your account page").click()
    page.get_by_label("Publisher").check()
    page.get_by_role("button", name="Save roles").click()

    expect(page).to_have_url(f"{live_server.url}/tasks/new/")
    expect(page.get_by_role("heading", name="This page is for publishers")).to_have_count(0)
    main_nav.locator('[data-group="publish"] summary').click()  # the navigation's Publish group opens
    expect(main_nav.get_by_role("link", name="Publish a task")).to_be_visible()
