"""Every main page works under the Content-Security-Policy, in a real Chromium that enforces it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.support.devnode import DevnodeProcess
from tests.support.mining import join_and_submit, make_member, publish_as

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("use_redis"),
]

# Runs before any script of the page (Playwright's own scripts are exempt from the policy): every
# violation the page causes is kept where the test can read it.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


class WatchedPage:
    """A page whose CSP violations (events and console reports) are collected while it is open."""

    def __init__(self, browser: Browser) -> None:
        self.page: Page = browser.new_context().new_page()
        self.page.set_default_timeout(15_000)
        self.page.add_init_script(RECORD_VIOLATIONS)
        self.console: list[str] = []
        self.page.on("console", self._on_console)

    def _on_console(self, message: Any) -> None:
        # Chromium reports a feature it does not know in the Permissions-Policy on the console too.
        if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
            self.console.append(message.text)

    def open(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None
        assert response.ok, f"{url}: HTTP {response.status}"
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert "camera=()" in response.headers["permissions-policy"]
        expect(self.page.locator("main")).to_be_visible()

    def violations(self) -> list[str]:
        recorded: list[str] = self.page.evaluate("window.__cspViolations || []")
        return recorded + self.console

    def log_in(self, base_url: str, user: User) -> None:
        self.open(f"{base_url}/login/")
        self.page.get_by_label("Username").fill(user.get_username())
        self.page.get_by_label("Password").fill("a-long-passphrase")
        self.page.get_by_role("button", name="Log in").click()
        expect(self.page.get_by_role("button", name="Log out")).to_be_visible()


def test_every_main_page_loads_without_a_csp_violation(
    browser: Browser, live_server: LiveServer, use_devnode: DevnodeProcess
) -> None:
    member = make_member(use_devnode, "carol")
    task = publish_as(make_member(use_devnode, "pat", miner=False, validator=False))
    join_and_submit(make_member(use_devnode, "mia", validator=False), task)
    watched = WatchedPage(browser)

    watched.open(f"{live_server.url}/login/")
    found = {"/login/": watched.violations()}
    watched.log_in(live_server.url, member)
    pages = [
        "/",
        "/tasks/",
        f"/tasks/{task.task_id}/",
        "/tasks/new/",
        "/tasks/mine/",
        "/wallet/",
        "/mining/",
        "/mining/participations/",
        "/mining/earnings/",
        "/mining/auto/",
        "/reputation/",
        "/validation/",
        "/validation/earnings/",
        "/leaderboard/",
        "/feed/",
        "/account/",
    ]
    for path in pages:
        watched.open(f"{live_server.url}{path}")
        # htmx's indicator styles come from app.css: htmx must not have injected a <style> of its own.
        assert watched.page.locator("style").count() == 0, path
        found[path] = watched.violations()

    assert {path: seen for path, seen in found.items() if seen} == {}


def test_an_htmx_action_still_swaps_under_the_policy(
    browser: Browser, live_server: LiveServer, use_devnode: DevnodeProcess
) -> None:
    watched = WatchedPage(browser)
    watched.log_in(live_server.url, make_member(use_devnode, "carol"))
    watched.open(f"{live_server.url}/mining/earnings/")

    with watched.page.expect_request(lambda request: request.headers.get("hx-request") == "true"):
        watched.page.get_by_role("link", name="All time").click()

    expect(watched.page.get_by_role("link", name="All time")).to_have_attribute("aria-current", "page")
    assert watched.page.url.endswith("/mining/earnings/?period=all")
    assert watched.violations() == []


def test_the_policy_blocks_an_inline_script_and_the_test_sees_it(
    browser: Browser, live_server: LiveServer
) -> None:
    watched = WatchedPage(browser)
    watched.open(f"{live_server.url}/login/")

    watched.page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = true";
        document.body.append(script);
        const styled = document.createElement("div");
        styled.setAttribute("style", "color: red");
        document.body.append(styled);
    }"""
    )

    watched.page.wait_for_function("window.__cspViolations.length >= 2")
    assert watched.page.evaluate("window.__ran === undefined")
    assert any(seen.startswith("script-src") for seen in watched.violations())
    assert any(seen.startswith("style-src") for seen in watched.violations())
