from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_logs_in_through_the_browser_and_out_again(page: Page, live_server: LiveServer) -> None:
    User.objects.create_user("alice", password="a-long-passphrase")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/network/")  # logged out, the home page is the network's
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome, alice")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/login/")


def test_the_vendored_htmx_loads_from_our_own_origin(page: Page, live_server: LiveServer) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/login/")
    assert page.evaluate("typeof htmx !== 'undefined' && htmx.version") == "2.0.11"
    assert requests, "the page made no requests"
    assert all(url.startswith(live_server.url) for url in requests), requests
