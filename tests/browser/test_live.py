"""Open pages update in place: Chromium, a real daphne, a real relay, a real devnode and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support import browser as logins
from tests.support.browser import PASSWORD
from tests.support.daphne import (
    DaphneProcess,
    ManagedProcess,
    Stack,
    add_user,
    daphne_process,
    make_stack,
    relay_process,
    running,
)
from tests.support.devnode import ROOT, DevnodeProcess

pytestmark = [pytest.mark.browser]


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
def processes(stack: Stack) -> Iterator[tuple[ManagedProcess, DaphneProcess]]:
    relay, web = relay_process(stack, "relay"), daphne_process(stack)
    with running(relay, web):
        relay.wait_for_log("this relay is now the active one")
        yield relay, web


@pytest.fixture(scope="module")
def daphne(processes: tuple[ManagedProcess, DaphneProcess]) -> DaphneProcess:
    return processes[1]


@pytest.fixture(scope="module")
def relay(processes: tuple[ManagedProcess, DaphneProcess]) -> ManagedProcess:
    return processes[0]


def log_in(page: Page, daphne: DaphneProcess, username: str = "watcher") -> None:
    logins.log_in(page, daphne.url, username)


def publish(devnode: DevnodeProcess, title: str, sender: int = 2) -> str:
    accounts: Any = devnode.rpc("dev_accounts")
    task = {"title": title, "task_type": "GeneralTask", "reward_amount": "6000000000"}
    result: Any = devnode.rpc("ai_publish_task", {"task_data": task, "from": accounts[sender]["address"]})
    return str(result["task_id"])


def feed_row(page: Page, title: str) -> Any:
    return page.locator("#feed-rows li.event-task_published", has_text=title)


def test_an_event_on_the_node_appears_on_the_open_feed_without_a_reload(
    page: Page, daphne: DaphneProcess, devnode: DevnodeProcess
) -> None:
    log_in(page, daphne)
    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.locator('[data-group="network"] summary').click()
    main_nav.get_by_role("link", name="Live feed").click()
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


#: The badge must tell within a few seconds: the relay beats every 2 s; a page says "delayed" after 2.5
#: silent beats, pings after 1.5 and replaces a socket whose pong is 2 s late (~6 s; the margin is for a
#: loaded 2-core machine).
NOTICED_WITHIN_MS = 12_000


def test_the_badge_says_delayed_within_seconds_while_the_relay_is_paused_then_live_again(
    page: Page, daphne: DaphneProcess, relay: ManagedProcess, devnode: DevnodeProcess
) -> None:
    log_in(page, daphne)
    page.goto(f"{daphne.url}/feed/")
    badge = page.locator("#live-status")
    expect(badge).to_have_text("live")

    assert relay.proc is not None
    os.kill(relay.proc.pid, signal.SIGSTOP)
    try:
        expect(badge).to_have_text("delayed", timeout=NOTICED_WITHIN_MS)
        publish(devnode, "Published while the relay is paused")
    finally:
        os.kill(relay.proc.pid, signal.SIGCONT)

    expect(badge).to_have_text("live", timeout=NOTICED_WITHIN_MS)
    expect(feed_row(page, "Published while the relay is paused")).to_have_count(1)


def test_the_badge_says_reconnecting_within_seconds_when_the_browser_is_offline_and_catches_up_after(
    page: Page, daphne: DaphneProcess, devnode: DevnodeProcess
) -> None:
    log_in(page, daphne)
    page.goto(f"{daphne.url}/feed/")
    badge = page.locator("#live-status")
    expect(badge).to_have_text("live")

    page.context.set_offline(True)
    try:
        expect(badge).to_have_text("reconnecting", timeout=NOTICED_WITHIN_MS)
        publish(devnode, "Published while the browser is offline")
    finally:
        page.context.set_offline(False)

    expect(badge).to_have_text("live", timeout=30_000)
    expect(feed_row(page, "Published while the browser is offline")).to_have_count(1)


def test_the_badge_and_the_live_connection_are_only_on_pages_that_update_live(
    page: Page, stack: Stack, daphne: DaphneProcess
) -> None:
    add_user(stack, "every-role", PASSWORD, roles="publisher miner validator")  # each page's role
    log_in(page, daphne, "every-role")
    for path in (
        "/",
        "/feed/",
        "/tasks/",
        "/tasks/mine/",
        "/mining/participations/",
        "/mining/earnings/",
        "/wallet/",
    ):
        page.goto(f"{daphne.url}{path}")
        expect(page.locator("#live-status"), path).to_have_text("live")
    for path in ("/account/", "/leaderboard/", "/reputation/", "/tasks/new/", "/network/"):
        page.goto(f"{daphne.url}{path}")
        expect(page.locator("#live-status"), path).to_have_count(0)
        expect(page.locator("[ws-connect]"), path).to_have_count(0)


def test_my_tasks_and_participations_update_live_when_a_miner_joins(
    page: Page, stack: Stack, daphne: DaphneProcess, devnode: DevnodeProcess
) -> None:
    accounts: Any = devnode.rpc("dev_accounts")
    publisher, miner = accounts[6], accounts[7]
    add_user(stack, "publisher6", PASSWORD, private_key=str(publisher["private_key"]), roles="publisher")
    add_user(stack, "miner7", PASSWORD, private_key=str(miner["private_key"]), roles="miner")
    task_id = publish(devnode, "A task the miner joins later", sender=6)

    log_in(page, daphne, "publisher6")
    page.goto(f"{daphne.url}/tasks/mine/")
    expect(page.locator("#live-status")).to_have_text("live")
    row = page.locator(f"#task-{task_id}")
    expect(row).to_contain_text("0 / ")
    miners_page = page.context.browser.new_context().new_page()  # type: ignore[union-attr]
    log_in(miners_page, daphne, "miner7")
    miners_page.goto(f"{daphne.url}/mining/participations/")
    expect(miners_page.locator("#live-status")).to_have_text("live")
    page.evaluate("window.notReloaded = true")
    miners_page.evaluate("window.notReloaded = true")

    details: Any = devnode.rpc("ai_get_task_details", {"task_id": task_id})
    stake = str(details["stake_required"])
    devnode.rpc("ai_participate_task", {"task_id": task_id, "stake_amount": stake, "from": miner["address"]})

    expect(row).to_contain_text("1 / ")
    expect(miners_page.locator(f"#participation-{task_id}")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert miners_page.evaluate("window.notReloaded") is True
    miners_page.context.close()
