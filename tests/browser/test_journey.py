"""The whole journey in a real browser against the real stack: daphne, the relay, a Celery worker, the
devnode and Redis, with a publisher, a miner (auto-mining with the offline drafter) and a validator in
three browser contexts at once. Also: axe-core on every main page of each role, the publish form by
keyboard, and (with TOS_SCREENSHOTS=1) the screenshots under docs/screenshots/.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.sync_api import Browser, Page, expect

from tests.support import browser as logins
from tests.support.automining import CeleryProcess, in_stack, worker_process
from tests.support.daphne import (
    DaphneProcess,
    ManagedProcess,
    Stack,
    daphne_process,
    make_stack,
    relay_process,
)
from tests.support.devnode import ROOT, DevnodeProcess, free_port

pytestmark = [pytest.mark.browser]

LIVE = 30_000  # ms: a live update crosses node → relay → Redis → daphne → page
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
#: The pages photographed for the docs: (role, path, file name); the task page's path is filled in.
SCREENSHOT_PAGES = [
    ("publisher", "/tasks/new/", "publish"),
    ("publisher", "/tasks/{task}/", "task"),
    ("publisher", "/wallet/", "wallet"),
    ("miner", "/mining/", "mining"),
    ("miner", "/mining/auto/", "automining"),
    ("miner", "/mining/earnings/?period=all", "earnings"),
    ("miner", "/mining/participations/", "participations"),
    ("miner", "/feed/", "feed"),
    ("validator", "/validation/", "review-queue"),
    ("validator", "/leaderboard/", "leaderboard"),
]
#: The main pages of each role (the task page is added once a task exists).
MAIN_PAGES = {
    "publisher": ["/tasks/", "/tasks/new/", "/tasks/mine/", "/wallet/", "/feed/", "/account/"],
    "miner": ["/mining/", "/mining/auto/", "/mining/participations/", "/mining/earnings/", "/feed/"],
    "validator": ["/validation/", "/reputation/", "/leaderboard/"],
}


@dataclass
class Journey:
    stack: Stack
    node: DevnodeProcess
    relay: ManagedProcess
    web: DaphneProcess
    worker: CeleryProcess
    users: dict[str, dict[str, Any]]

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log()[-3000:]}" for p in (self.relay, self.web, self.worker))


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Journey]:
    """The stack on its own persistent devnode (restarted by the journey), with one user per role."""
    tmp = Path(tmp_path_factory.mktemp("journey"))
    own_redis = redis_url.rsplit("/", 1)[0] + "/9"
    redis.Redis.from_url(own_redis).flushdb()
    node = DevnodeProcess(free_port(), tmp / "devnode.db", 0.2, log_path=tmp / "devnode.log")
    node.start()
    processes: list[ManagedProcess] = []
    try:
        stack = make_stack(tmp, own_redis, node.url)
        users = {
            "publisher": in_stack(
                stack,
                "make_member",
                username="publisher",
                node_url=node.url,
                publisher=True,
                miner=False,
                validator=False,
            ),
            "validator": in_stack(
                stack,
                "make_member",
                username="validator",
                node_url=node.url,
                publisher=False,
                miner=True,
                validator=True,
            ),
            "miner": in_stack(
                stack,
                "make_miner",
                username="miner",
                node_url=node.url,
                config={
                    "task_types": [],
                    "target_difficulties": [],
                    "min_time_left": 60,
                    "check_interval": 60,
                },
            ),
        }
        relay, web, worker = relay_process(stack, "relay"), daphne_process(stack), worker_process(stack)
        for process in (relay, web, worker):
            processes.append(process)
            process.start()
        relay.wait_for_log("this relay is now the active one")
        worker.wait_for_log(" ready.", timeout=90)
        yield Journey(stack, node, relay, web, worker, users)
    finally:
        for process in reversed(processes):
            process.stop()
        node.stop()


def signed_in(browser: Browser, journey: Journey, role: str, **options: Any) -> Page:
    """A page in a browser context of its own (its own cookies), logged in as the role's user."""
    return logins.signed_in(browser, journey.web.url, role, **options)


def settle(page: Page) -> None:
    """Wait until the page is complete: its live connection up, on the pages that update live."""
    if page.locator("#live-status").count():
        expect(page.locator("#live-status")).to_have_text("live", timeout=LIVE)


def opened(page: Page, url: str) -> Page:
    """Go to `url`, wait until its live connection is up, and mark the page so a reload would show."""
    page.goto(url)
    expect(page.locator("#live-status")).to_have_text("live", timeout=LIVE)
    page.evaluate("window.notReloaded = true")
    return page


def wait_until(check: Callable[[], Any], timeout: float, what: str, journey: Journey) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout}s\n{journey.logs()}")


def tos(atomic: int) -> str:
    whole, fraction = divmod(atomic, 10**8)
    return f"{whole:,}" + (f".{fraction:08d}".rstrip("0") if fraction else "") + " TOS"


def details(journey: Journey, task_id: str) -> dict[str, Any]:
    result: Any = journey.node.rpc("ai_get_task_details", {"task_id": task_id})
    return dict(result)


def publish_in_browser(page: Page, url: str, title: str) -> str:
    page.goto(f"{url}/tasks/new/")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("The parser drops a byte somewhere; find it and explain the fix.")
    page.get_by_label("Language").fill("rust")
    page.get_by_label("Reward (TOS)").fill("75.5")
    page.get_by_label("Deadline in hours from now").fill("24")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Your task is published")).to_be_visible()
    return page.url.rstrip("/").split("/")[-1]


def shown_seqs(page: Page) -> list[int]:
    seqs = page.locator("#feed-rows li").evaluate_all("rows => rows.map(r => r.dataset.seq)")
    return [int(seq) for seq in seqs]


def restart_everything(journey: Journey, pages: list[Page], while_down: Callable[[], None]) -> None:
    """Stop daphne (as a crash), the relay and the node; run `while_down` with only the node back; start all."""
    journey.web.stop(kill=True)
    for page in pages:
        expect(page.locator("#live-status")).to_have_text("reconnecting", timeout=LIVE)
    journey.relay.stop()
    journey.node.restart()
    while_down()
    log_length = len(journey.relay.log())
    journey.relay.start()
    journey.relay.wait_for_log("this relay is now the active one", after=log_length)
    journey.web.start()
    for page in pages:
        expect(page.locator("#live-status")).to_have_text("live", timeout=LIVE)


def test_a_task_goes_from_publisher_through_auto_mining_and_review_to_a_live_reward_across_a_restart(
    browser: Browser, journey: Journey
) -> None:
    url = journey.web.url
    miner_address = journey.users["miner"]["address"]
    publisher = signed_in(browser, journey, "publisher")
    miner_tasks = opened(signed_in(browser, journey, "miner"), f"{url}/tasks/")
    validator = opened(signed_in(browser, journey, "validator"), f"{url}/validation/")
    miner_mining = opened(miner_tasks.context.new_page(), f"{url}/mining/")

    # The publisher publishes in the browser; the miner's open task list shows it without a reload.
    title = "Find the parser bug"
    task_id = publish_in_browser(publisher, url, title)
    expect(miner_tasks.locator("#results").get_by_role("link", name=title)).to_be_visible(timeout=LIVE)

    # Auto-mining (the offline drafter) joins and submits; the validator's open queue shows it.
    wait_until(
        lambda: [s for s in details(journey, task_id)["submissions"] if s.get("submitter") == miner_address],
        45,
        "the auto-miner's submission",
        journey,
    )
    expect(validator.locator("#queue")).to_contain_text(title, timeout=LIVE)
    for page in (miner_tasks, miner_mining, validator):
        assert page.evaluate("window.notReloaded") is True, page.url

    # The validator approves it in the browser.
    validator.locator("#queue").get_by_role("link", name="Review", exact=True).first.click()
    validator.get_by_label("Score").fill("92")
    validator.get_by_label("Reasoning").fill("Finds the off-by-one and fixes it.")
    validator.get_by_role("button", name="Approve with this score").click()
    expect(validator.get_by_text("Your review is recorded")).to_be_visible()

    # Open pages watch for the reward: the miner's feed and wallet, the publisher's task page.
    feed = opened(miner_tasks, f"{url}/feed/")
    wallet = opened(miner_mining, f"{url}/wallet/")
    task_page = opened(publisher, f"{url}/tasks/{task_id}/")
    balance_before = wallet.locator("#balance").inner_text()

    # The node, the relay and daphne restart; while the relay is down the node's clock passes the
    # deadline and the next block completes the task and pays: the pages learn it only by resuming.
    def complete_the_task() -> None:
        journey.node.rpc("dev_increase_time", {"seconds": 25 * 3600})
        journey.node.rpc("dev_mine", {"blocks": 1})

    restart_everything(journey, [feed, wallet, task_page], complete_the_task)

    paid = details(journey, task_id)
    assert paid["status"] == "Completed"
    won = [r for r in paid["rewards"] if r["recipient"] == miner_address and r["reward_type"] == "winner"]
    assert len(won) == 1
    expect(feed.locator("#feed-rows li.event-reward_distributed", has_text="(winner")).to_have_count(
        1, timeout=LIVE
    )
    expect(task_page.locator("#task-live .status")).to_have_text("Completed", timeout=LIVE)
    for reward in paid["rewards"]:
        expect(task_page.locator("#task-live")).to_contain_text(tos(int(reward["amount"])))
    balance: Any = journey.node.rpc("get_balance", {"address": miner_address})
    balance_now = int(balance["balance"] if isinstance(balance, dict) else balance)
    expect(wallet.locator("#balance")).to_contain_text(tos(balance_now), timeout=LIVE)
    assert wallet.locator("#balance").inner_text() != balance_before
    for page in (feed, wallet, task_page):
        assert page.evaluate("window.notReloaded") is True, page.url

    # No event is missing: the relay stored every node event, and the open feed shows exactly the
    # stored events the miner may see (newest first, each once).
    node_events: Any = journey.node.rpc("ai_get_events", {"since_seq": 0, "limit": 1000})
    node_seqs = [int(e["seq"]) for e in node_events["events"]]
    wait_until(lambda: journey.stack.stored_seqs() == node_seqs, 30, "the relay storing every event", journey)
    visible = in_stack(journey.stack, "visible_seqs", user_id=journey.users["miner"]["user_id"])["seqs"]
    expect(feed.locator("#feed-rows li").first).to_have_attribute("data-seq", str(visible[-1]), timeout=LIVE)
    assert shown_seqs(feed) == sorted(visible, reverse=True)[:200]

    for page in (publisher, miner_tasks, validator):
        page.context.close()


# --- accessibility, keyboard and screenshots -------------------------------------------------------


def any_task_id(journey: Journey) -> str:
    rows = journey.stack.query("SELECT task_id FROM dashboard_task ORDER BY task_id LIMIT 1")
    if rows:
        return str(rows[0][0])
    accounts: Any = journey.node.rpc("dev_accounts")
    task = {"title": "A task to look at", "task_type": "GeneralTask", "reward_amount": "6000000000"}
    result: Any = journey.node.rpc("ai_publish_task", {"task_data": task, "from": accounts[2]["address"]})
    return str(result["task_id"])


def pages_of(role: str, journey: Journey) -> list[str]:
    extra = [f"/tasks/{any_task_id(journey)}/"] if role == "publisher" else []
    return MAIN_PAGES[role] + extra


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


@pytest.mark.parametrize("role", ["publisher", "miner", "validator"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_main_pages_of_each_role(
    browser: Browser, journey: Journey, role: str, scheme: str
) -> None:
    # bypass_csp: axe is injected as an inline script, which the dashboard's CSP rightly refuses.
    page = signed_in(browser, journey, role, bypass_csp=True, color_scheme=scheme)
    try:
        found = {}
        for path in pages_of(role, journey):
            page.goto(f"{journey.web.url}{path}")
            settle(page)
            violations = serious_violations(page)
            if violations:
                found[path] = violations
        assert found == {}
    finally:
        page.context.close()


def test_the_publish_form_can_be_filled_and_sent_with_the_keyboard_alone(
    browser: Browser, journey: Journey
) -> None:
    page = signed_in(browser, journey, "publisher")
    try:
        page.goto(f"{journey.web.url}/tasks/new/")
        typed = {
            "Title": "Published by keyboard",
            "Description": "Every field of this task was reached with the Tab key.",
            "Language": "python",
            "Reward (TOS)": "60",
            "Deadline in hours from now": "24",
        }
        reached: list[str] = []
        for _ in range(80):
            page.keyboard.press("Tab")
            focused: Any = page.evaluate(
                """() => { const el = document.activeElement;
                  return {label: el.labels && el.labels[0] ? el.labels[0].innerText.trim() : "",
                          tag: el.tagName, text: el.innerText || ""} }"""
            )
            label = next((name for name in typed if focused["label"].startswith(name)), "")
            if label and label not in reached:
                reached.append(label)
                page.keyboard.press("Control+A")
                page.keyboard.type(typed[label])
            if focused["tag"] == "BUTTON" and focused["text"].strip() == "Publish":
                break
        else:
            raise AssertionError(f"Tab never reached the Publish button (reached {reached})")
        assert sorted(reached) == sorted(typed)
        page.keyboard.press("Enter")
        expect(page.get_by_text("Your task is published")).to_be_visible()
        expect(page.get_by_role("heading", name="Published by keyboard")).to_be_visible()
    finally:
        page.context.close()


@pytest.mark.skipif(
    not os.environ.get("TOS_SCREENSHOTS"), reason="TOS_SCREENSHOTS=1 rewrites docs/screenshots/"
)
def test_screenshots_of_each_roles_main_pages(browser: Browser, journey: Journey) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    task = any_task_id(journey)
    for width, viewport in VIEWPORTS.items():
        for scheme in ("light", "dark"):
            for role in MAIN_PAGES:
                page = signed_in(browser, journey, role, viewport=viewport, color_scheme=scheme)
                try:
                    for _, path, name in [shot for shot in SCREENSHOT_PAGES if shot[0] == role]:
                        page.goto(f"{journey.web.url}{path.format(task=task)}")
                        settle(page)
                        page.screenshot(path=str(SCREENSHOTS / f"{role}-{name}-{width}-{scheme}.png"))
                finally:
                    page.context.close()
