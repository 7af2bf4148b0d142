"""Layout in a real Chromium with real data (long titles, unbroken words, many rows): no main page of any
role is wider than a phone's 390 px or a desktop's 1280 px, no pill or button breaks inside a word, no
ordinary word is split across lines, and axe finds nothing serious on the phone layout (tables as cards).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, ViewportSize
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from dashboard import services
from dashboard.models import AutoMiningRun, AutoParticipation, NodeAccount, Profile
from tests.support import browser as logins
from tests.support.devnode import DevnodeProcess, run_devnode
from tests.support.mining import join_and_submit, make_member, publish_as, validate_as
from tests.support.tasks import TOS, dev_account

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("use_redis"),
]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
#: TOS_LAYOUT_SHOTS=<directory> also saves a full-page screenshot of every page looked at, to look at them.
SHOTS = os.environ.get("TOS_LAYOUT_SHOTS", "")
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)
#: One word of 200 letters: the title that made the task page 4,592 px wide.
UNBROKEN = "Unbroken" * 25
LONG_TITLE = "Explain why the retry loop of the payment client doubles every charge under a flaky network"

#: Text that may wrap anywhere: ids, hashes, addresses and the deliberately unbroken words of this test.
SPLIT_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !parent.offsetParent || parent.closest('code, pre, .visually-hidden, option, script')) continue;
    for (const match of node.textContent.matchAll(/(?<![A-Za-z])[A-Za-z]{2,16}(?![A-Za-z])/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""
WRAPPED_PILLS = """() => [...document.querySelectorAll('button, a.button, .status, .state, .tabs a, .live-badge')]
  .filter((el) => el.offsetParent)
  .filter((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size > 1;
  })
  .map((el) => el.textContent.trim())"""


def log_in(page: Page, url: str, user: User) -> None:
    logins.log_in(page, url, user.get_username())


@pytest.fixture
def quick_node(tmp_path: Path, settings: SettingsWrapper) -> Iterator[DevnodeProcess]:
    """A devnode without rate limits: one publisher puts out more tasks than the hourly limit allows."""
    with run_devnode(tmp_path, extra_args=["--no-rate-limits"]) as node:
        settings.TOS_NODE_URL = node.url
        yield node


def busy_network(node: DevnodeProcess) -> dict[str, Any]:
    """A publisher with 24 tasks (long titles and words), a miner in 14 of them, reviews, payouts."""
    publisher = make_member(node, "publisher", miner=False, validator=False)
    Profile.objects.filter(user=publisher).update(is_publisher=True)
    miner = make_member(node, "miner", miner=True, validator=False)
    validator = make_member(node, "validator", miner=True, validator=True)
    reviewer = dev_account(node, 3)
    titles = [UNBROKEN, LONG_TITLE] + [f"Name a cache policy #{number}" for number in range(22)]
    tasks = []
    for number, title in enumerate(titles):
        soon = number % 3 == 0  # these complete and pay before the pages are looked at
        task_type = {"GeneralTask": {"category": "Supercalifragilisticexpialidocious" * 1}}
        if number % 2:
            task_type = {"CodeAnalysis": {"language": "rust"}}
        tasks.append(
            publish_as(
                publisher,
                title=title,
                description=f"{UNBROKEN} and then some words after it.",
                task_type=task_type,
                deadline_hours=1 if soon else 48,
            )
        )
    submissions = {}
    for task in tasks[:14]:
        submissions[task.task_id] = join_and_submit(miner, task, content=f"{UNBROKEN} is the answer.")
    for task in tasks[:10]:
        validate_as(node, reviewer, task, submissions[task.task_id], 85)
    node.rpc("dev_increase_time", {"seconds": 2 * 3600})
    node.rpc("dev_mine", {"blocks": 1})
    config = services.config_for(miner)
    run = AutoMiningRun.objects.create(user=miner, trigger=AutoMiningRun.Trigger.EVENT, summary=UNBROKEN)
    for task in tasks[14:20]:
        AutoParticipation.objects.create(
            user=miner,
            run=run,
            task_id=task.task_id,
            title=task.title,
            stake=6 * TOS,
            state=AutoParticipation.State.FAILED,
            error=f"The node refused: {UNBROKEN}.",
        )
    config.last_error = f"The node refused: {UNBROKEN}."
    config.save()
    task = tasks[1]
    return {
        "users": {"publisher": publisher, "miner": miner, "validator": validator},
        "long_task": tasks[0].task_id,
        "review": f"/validation/{task.task_id}/{submissions[task.task_id]}/",
        "address": NodeAccount.objects.get(user=miner).address,
    }


def pages_of(role: str, data: dict[str, Any]) -> list[str]:
    return {
        "publisher": [
            "/tasks/",
            "/tasks/?status=all",
            "/tasks/new/",
            "/tasks/mine/",
            f"/tasks/{data['long_task']}/",
            "/wallet/",
            "/feed/",
            "/account/",
            "/leaderboard/",
        ],
        "miner": [
            "/mining/",
            "/mining/auto/",
            "/mining/participations/",
            "/mining/earnings/",
            "/mining/earnings/?period=all",
            "/reputation/",
            f"/tasks/{data['long_task']}/",
            "/feed/",
        ],
        "validator": [
            "/validation/",
            "/validation/?tab=all",
            data["review"],
            "/validation/earnings/",
            "/leaderboard/",
        ],
    }[role]


def serious_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result: Any = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def test_no_main_page_of_any_role_is_wider_than_a_phone_or_a_desktop_with_long_titles_and_many_rows(
    browser: Browser, live_server: LiveServer, quick_node: DevnodeProcess
) -> None:
    data = busy_network(quick_node)
    problems: dict[str, Any] = {}
    for role, user in data["users"].items():
        for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            # bypass_csp: axe is injected as an inline script, which the dashboard's CSP rightly refuses.
            context = browser.new_context(viewport=viewport, bypass_csp=True)
            page = context.new_page()
            page.set_default_timeout(15_000)
            try:
                log_in(page, live_server.url, user)
                for path in pages_of(role, data):
                    assert page.goto(f"{live_server.url}{path}").status == 200, path  # type: ignore[union-attr]
                    where = f"{role} {name} {path}"
                    if SHOTS:
                        slug = path.strip("/").replace("/", "_").replace("?", "_")[:40] or "home"
                        page.screenshot(path=f"{SHOTS}/{role}-{name}-{slug}.png", full_page=True)
                    width = page.evaluate("document.documentElement.scrollWidth")
                    if width > viewport["width"]:
                        problems[f"{where}: {width} px wide"] = True
                    if pills := page.evaluate(WRAPPED_PILLS):
                        problems[f"{where}: pills or buttons wrapped"] = pills
                    if words := page.evaluate(SPLIT_WORDS):
                        problems[f"{where}: words split"] = words[:10]
                    if name == "phone" and (violations := serious_violations(page)):
                        problems[f"{where}: axe"] = violations
            finally:
                context.close()
    assert problems == {}
