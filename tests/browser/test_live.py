"""Open pages update in place: Chromium, a real daphne, a real relay, a real devnode and Redis."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.daphne import DaphneProcess, Stack, daphne_process, make_stack, relay_process, running
from tests.support.devnode import ROOT, DevnodeProcess

pytestmark = [pytest.mark.browser]

PASSWORD = "a-long-passphrase"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, redis_url: str, devnode: DevnodeProcess) -> Stack:
    # Its own Redis database: other tests flush database 0, and with it the relay's lock.
    own_redis = redis_url.rsplit("/", 1)[0] + "/5"
    stack = make_stack(tmp_path_factory.mktemp("live"), own_redis, devnode.url)
    create_user = f"from django.contrib.auth.models import User; User.objects.create_user('watcher', password='{PASSWORD}')"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", create_user], cwd=ROOT, env=stack.env(), check=True
    )
    return stack


@pytest.fixture(scope="module")
def daphne(stack: Stack) -> Iterator[DaphneProcess]:
    relay, web = relay_process(stack, "relay"), daphne_process(stack)
    with running(relay, web):
        relay.wait_for_log("this relay is now the active one")
        yield web


def log_in(page: Page, daphne: DaphneProcess) -> None:
    page.goto(f"{daphne.url}/login/")
    page.get_by_label("Username").fill("watcher")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def publish(devnode: DevnodeProcess, title: str) -> str:
    accounts: Any = devnode.rpc("dev_accounts")
    task = {"title": title, "task_type": "GeneralTask", "reward_amount": "6000000000"}
    result: Any = devnode.rpc("ai_publish_task", {"task_data": task, "from": accounts[2]["address"]})
    return str(result["task_id"])


def feed_row(page: Page, title: str) -> Any:
    return page.locator("#feed-rows li.event-task_published", has_text=title)


def test_an_event_on_the_node_appears_on_the_open_feed_without_a_reload(
    page: Page, daphne: DaphneProcess, devnode: DevnodeProcess
) -> None:
    log_in(page, daphne)
    page.get_by_role("link", name="Live feed").click()
    expect(page.locator("#live-status")).to_have_text("live")
    page.evaluate("window.notReloaded = true")

    publish(devnode, "A task that shows up live")

    expect(feed_row(page, "A task that shows up live")).to_have_count(1)
    assert page.evaluate("window.notReloaded") is True


def test_events_missed_while_the_socket_was_cut_appear_once_when_it_comes_back(
    page: Page, daphne: DaphneProcess, devnode: DevnodeProcess
) -> None:
    log_in(page, daphne)
    page.goto(f"{daphne.url}/feed/")
    badge = page.locator("#live-status")
    expect(badge).to_have_text("live")
    publish(devnode, "Published before the cut")
    expect(feed_row(page, "Published before the cut")).to_have_count(1)

    daphne.stop(kill=True)
    expect(badge).to_have_text("reconnecting")
    missed = [f"Published while cut off {index}" for index in range(3)]
    for title in missed:
        publish(devnode, title)
    daphne.start()

    expect(badge).to_have_text("live", timeout=30_000)
    for title in missed:
        expect(feed_row(page, title)).to_have_count(1)
    publish(devnode, "Published after the cut")
    expect(feed_row(page, "Published after the cut")).to_have_count(1)
    expect(feed_row(page, "Published before the cut")).to_have_count(1)
    seqs = [
        int(seq) for seq in page.locator("#feed-rows li").evaluate_all("rows => rows.map(r => r.dataset.seq)")
    ]
    assert seqs == sorted(set(seqs), reverse=True)


def test_a_task_page_shows_a_new_participant_without_a_reload(
    page: Page, daphne: DaphneProcess, devnode: DevnodeProcess
) -> None:
    log_in(page, daphne)
    task_id = publish(devnode, "A task someone joins")
    page.goto(f"{daphne.url}/tasks/{task_id}/")
    expect(page.locator("#live-status")).to_have_text("live")
    expect(page.get_by_text("Nobody has joined yet.")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    accounts: Any = devnode.rpc("dev_accounts")
    details: Any = devnode.rpc("ai_get_task_details", {"task_id": task_id})
    devnode.rpc(
        "ai_participate_task",
        {"task_id": task_id, "stake_amount": str(details["stake_required"]), "from": accounts[3]["address"]},
    )

    expect(page.locator("#task-live")).to_contain_text(str(accounts[3]["address"]))
    expect(page.get_by_text("Nobody has joined yet.")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True


def test_the_task_browser_gains_a_new_task(
    page: Page, daphne: DaphneProcess, devnode: DevnodeProcess
) -> None:
    log_in(page, daphne)
    page.goto(f"{daphne.url}/tasks/")
    expect(page.locator("#live-status")).to_have_text("live")
    publish(devnode, "A task the browser gains")
    expect(page.locator("#results").get_by_role("link", name="A task the browser gains")).to_be_visible()
