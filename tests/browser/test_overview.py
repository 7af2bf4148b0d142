"""The overview, the network pages, notifications and the navigation in Chromium, against a real daphne, relay,
devnode and Redis: a reward and its notification reach an open overview without a reload; the phone menu
opens and navigates; the desktop navigation is one line; axe finds nothing serious on the new pages.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.sync_api import Browser, Page, expect

from tests.support import browser as logins
from tests.support.automining import in_stack
from tests.support.daphne import (
    DaphneProcess,
    ManagedProcess,
    Stack,
    daphne_process,
    make_stack,
    relay_process,
)
from tests.support.devnode import ROOT, DevnodeProcess
from tests.support.overview_stack import run_in

pytestmark = [pytest.mark.browser]

LIVE = 30_000
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class Site:
    def __init__(self, stack: Stack, node: DevnodeProcess, relay: ManagedProcess, web: DaphneProcess) -> None:
        self.stack, self.node, self.relay, self.web = stack, node, relay, web
        self.users: dict[str, dict[str, Any]] = {}

    @property
    def url(self) -> str:
        return self.web.url

    def rpc(self, method: str, params: dict[str, Any]) -> Any:
        return self.node.rpc(method, params)

    def dev_account(self, index: int) -> str:
        accounts: Any = self.node.rpc("dev_accounts")
        return str(accounts[index]["address"])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, redis_url: str, devnode: DevnodeProcess) -> Iterator[Site]:
    own_redis = redis_url.rsplit("/", 1)[0] + "/7"
    redis.Redis.from_url(own_redis).flushdb()
    stack = make_stack(tmp_path_factory.mktemp("overview"), own_redis, devnode.url)
    relay, web = relay_process(stack, "relay"), daphne_process(stack)
    relay.start()
    web.start()
    try:
        relay.wait_for_log("this relay is now the active one")
        found = Site(stack, devnode, relay, web)
        for name, roles in {
            "miner": {"publisher": False, "miner": True, "validator": False},
            "everyone": {"publisher": True, "miner": True, "validator": True},
        }.items():
            found.users[name] = in_stack(stack, "make_member", username=name, node_url=devnode.url, **roles)
        yield found
    finally:
        web.stop()
        relay.stop()


def signed_in(browser: Browser, site: Site, username: str, **options: Any) -> Page:
    return logins.signed_in(browser, site.url, username, **options)


def a_task_submitted_by(site: Site, username: str, title: str) -> tuple[str, str]:
    """A one-place task from a dev account, joined and answered by the user: one validation completes it."""
    task = {
        "title": title,
        "task_type": "GeneralTask",
        "reward_amount": str(80 * 10**8),
        "max_participants": 1,
    }
    published = site.rpc("ai_publish_task", {"task_data": task, "from": site.dev_account(3)})
    task_id = str(published["task_id"])
    user_id = site.users[username]["user_id"]
    done = run_in(site.stack, "join_and_submit", user_id=user_id, task_id=task_id, stake=8 * 10**8)
    return task_id, str(done["submission_id"])


def test_a_miner_with_the_overview_open_sees_a_reward_and_a_notification_arrive_without_a_reload(
    browser: Browser, site: Site
) -> None:
    task_id, submission_id = a_task_submitted_by(site, "miner", "Paid while watching")
    page = signed_in(browser, site, "miner")
    try:
        page.goto(f"{site.url}/")
        expect(page.locator("#live-status")).to_have_text("live", timeout=LIVE)
        expect(page.locator("#earned-week")).to_have_text("0 TOS")
        expect(page.locator("#unread-count")).to_be_hidden()
        page.evaluate("window.notReloaded = true")

        verdict = {"Approve": {"quality_score": 92, "reasoning": "Correct and clear."}}
        site.rpc(
            "ai_validate_submission",
            {
                "task_id": task_id,
                "submission_id": submission_id,
                "validation_result": verdict,
                "from": site.dev_account(1),
            },
        )

        expect(page.locator("#unread-count")).to_be_visible(timeout=LIVE)
        expect(page.locator("#unread-count")).to_contain_text("1")
        expect(page.locator("#earned-week")).not_to_have_text("0 TOS", timeout=LIVE)
        assert page.evaluate("window.notReloaded") is True
        page.get_by_role("link", name="Notifications").first.click()
        received = page.locator("#notification-list a", has_text="(winner's share)")
        expect(received).to_have_attribute("href", f"/tasks/{task_id}/")
    finally:
        page.context.close()


def test_the_phone_menu_opens_marks_the_current_page_and_navigates(browser: Browser, site: Site) -> None:
    page = signed_in(browser, site, "everyone", viewport=PHONE)
    try:
        page.goto(f"{site.url}/feed/")
        menu = page.get_by_role("button", name="Menu")
        expect(menu).to_be_visible()
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        nav = page.get_by_role("navigation", name="Main")
        expect(nav).to_be_visible()
        # The current page's group is open, its link marked.
        expect(nav.locator('a[aria-current="page"]')).to_have_text("Live feed")
        nav.get_by_text("Mine", exact=True).click()
        nav.get_by_role("link", name="Run history").click()
        expect(page).to_have_url(f"{site.url}/mining/auto/runs/")
        expect(page.get_by_role("heading", name="Auto-mining run history")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
    finally:
        page.context.close()


def test_the_desktop_navigation_is_one_line_and_works_with_the_keyboard(browser: Browser, site: Site) -> None:
    page = signed_in(browser, site, "everyone", viewport=DESKTOP)
    try:
        page.goto(f"{site.url}/")
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        tops = page.locator(".nav-groups > li").evaluate_all(
            "items => items.map(i => { const box = i.getBoundingClientRect(); return box.top + box.height / 2; })"
        )
        assert max(tops) - min(tops) < 4, tops  # one line: every item's middle at one height
        header = page.locator(".topbar").bounding_box()
        assert header is not None
        assert header["height"] < 80
        # Tab to the "Network" group, open it with Enter, follow a link, come back with Escape.
        summary = page.locator('.nav-group[data-group="network"] summary')
        summary.focus()
        page.keyboard.press("Enter")
        expect(page.locator('.nav-group[data-group="network"] details')).to_have_attribute("open", "")
        page.keyboard.press("Escape")
        expect(page.locator('.nav-group[data-group="network"] details')).not_to_have_attribute("open", "")
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{site.url}/network/")
        expect(page.locator('.nav-group[data-group="network"]')).to_have_class("nav-group current")
    finally:
        page.context.close()


def serious_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result: Any = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


NEW_PAGES = [
    "/",
    "/network/",
    "/network/?period=all",
    "/notifications/",
    "/notifications/settings/",
    "/account/preferences/",
    "/mining/auto/runs/",
    "/feed/?types=task_published&mine=on",
    "/leaderboard/",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_axe_finds_nothing_serious_on_the_new_pages(
    browser: Browser, site: Site, scheme: str, viewport: str
) -> None:
    size = DESKTOP if viewport == "desktop" else PHONE
    page = signed_in(browser, site, "everyone", bypass_csp=True, color_scheme=scheme, viewport=size)
    try:
        profile = f"/network/{site.users['miner']['address']}/"
        found = {}
        for path in [*NEW_PAGES, profile]:
            page.goto(f"{site.url}{path}")
            if viewport == "phone":
                page.get_by_role("button", name="Menu").click()  # the open menu is checked too
            violations = serious_violations(page)
            if violations:
                found[path] = violations
        assert found == {}
    finally:
        page.context.close()


def test_axe_finds_nothing_serious_on_the_public_pages_logged_out(browser: Browser, site: Site) -> None:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        found = {}
        for path in ("/network/", f"/network/{site.users['miner']['address']}/"):
            page.goto(f"{site.url}{path}")
            expect(page.get_by_role("link", name="Log in")).to_be_visible()
            violations = serious_violations(page)
            if violations:
                found[path] = violations
        assert found == {}
    finally:
        context.close()


SHOTS = [
    ("everyone", "/", "overview"),
    ("everyone", "/network/", "network"),
    ("everyone", "/notifications/", "notifications"),
    ("everyone", "/notifications/settings/", "notification-settings"),
]


@pytest.mark.skipif(
    not os.environ.get("TOS_SCREENSHOTS"), reason="TOS_SCREENSHOTS=1 rewrites docs/screenshots/"
)
def test_screenshots_of_the_new_pages(browser: Browser, site: Site) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        for scheme in ("light", "dark"):
            page = signed_in(browser, site, "everyone", viewport=viewport, color_scheme=scheme)
            try:
                for _, path, name in SHOTS:
                    page.goto(f"{site.url}{path}")
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}-{scheme}.png"))
                page.goto(f"{site.url}/network/")
                if width == "phone":
                    page.get_by_role("button", name="Menu").click()
                else:
                    page.locator('.nav-group[data-group="mine"] summary').click()
                page.screenshot(path=str(SCREENSHOTS / f"navigation-{width}-{scheme}.png"))
            finally:
                page.context.close()
