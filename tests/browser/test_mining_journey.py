from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.support import browser as logins
from tests.support.devnode import DevnodeProcess
from tests.support.mining import make_member
from tests.support.tasks import address_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("use_redis"),
]


def signed_in(browser: Browser, live_server: LiveServer, user: User) -> Page:
    """A page in its own browser context (its own cookies), logged in as `user`."""
    return logins.signed_in(
        browser, live_server.url, user.get_username(), timeout_ms=15_000, accept_downloads=True
    )


def tos(atomic: int) -> str:
    whole, fraction = divmod(atomic, 10**8)
    return f"{whole:,}" + (f".{fraction:08d}".rstrip("0") if fraction else "") + " TOS"


def test_a_task_goes_from_publisher_to_miner_to_validator_and_the_miner_sees_the_exact_reward(
    browser: Browser, live_server: LiveServer, use_devnode: DevnodeProcess
) -> None:
    publisher = signed_in(browser, live_server, make_member(use_devnode, "pat", miner=False, validator=False))
    miner_user = make_member(use_devnode, "mia", validator=False)
    miner = signed_in(browser, live_server, miner_user)
    validator = signed_in(browser, live_server, make_member(use_devnode, "val", miner=False))

    # The publisher publishes a Beginner task for 75.5 TOS, due in 24 hours.
    publisher.goto(f"{live_server.url}/tasks/new/")
    publisher.get_by_label("Title").fill("Find the parser bug")
    publisher.get_by_label("Description").fill("The parser drops a byte somewhere; find it and fix it.")
    publisher.get_by_label("Language").fill("rust")
    publisher.get_by_label("Reward (TOS)").fill("75.5")
    publisher.get_by_label("Deadline in hours from now").fill("24")
    publisher.get_by_role("button", name="Publish").click()
    expect(publisher.get_by_text("Your task is published")).to_be_visible()
    task_id = publisher.url.rstrip("/").split("/")[-1]

    # The miner finds it among suitable tasks, stakes 10 TOS and submits a solution.
    miner.goto(f"{live_server.url}/mining/")
    miner.locator(f"#suitable-{task_id}").get_by_role("link", name="Join").click()
    miner.get_by_label("Stake (TOS)").fill("10")
    miner.get_by_role("button", name="Stake and join").click()
    expect(miner.get_by_text("You joined the task")).to_be_visible()
    miner.get_by_label("Content").fill("The loop stops one byte early: `i < len - 1` must be `i < len`.")
    miner.get_by_label("Code").fill("for i in 0..len { out.push(buf[i]); }")
    miner.get_by_role("button", name="Submit solution").click()
    expect(miner.locator(f"#participation-{task_id}")).to_contain_text("submitted")

    # The validator sees the submission beside the task and approves it with a score.
    validator.goto(f"{live_server.url}/validation/")
    expect(validator.locator("#queue")).to_contain_text("The loop stops one byte early")
    validator.locator("#queue").get_by_role("link", name="Review", exact=True).first.click()
    expect(validator.get_by_text("Passing score:")).to_be_visible()
    validator.get_by_label("Score").fill("92")
    validator.get_by_label("Reasoning").fill("Finds the off-by-one and fixes it.")
    validator.get_by_role("button", name="Approve with this score").click()
    expect(validator.get_by_text("Your review is recorded")).to_be_visible()

    # The node's clock passes the deadline; the next block completes the task and pays.
    use_devnode.rpc("dev_increase_time", {"seconds": 25 * 3600})
    use_devnode.rpc("dev_mine", {"blocks": 1})
    details: Any = use_devnode.rpc("ai_get_task_details", {"task_id": task_id})
    assert details["status"] == "Completed"
    me = address_of(miner_user)
    won = [
        int(r["amount"]) for r in details["rewards"] if r["recipient"] == me and r["reward_type"] == "winner"
    ]
    assert len(won) == 1

    miner.goto(f"{live_server.url}/mining/participations/")
    expect(miner.locator(f"#participation-{task_id}")).to_contain_text("won")
    miner.goto(f"{live_server.url}/mining/earnings/?period=all")
    expect(miner.locator("#earned-total")).to_have_text(tos(won[0]))
    expect(miner.locator(".chart rect")).to_have_count(1)

    with miner.expect_download() as download_info:
        miner.get_by_role("link", name=re.compile("Download your mining credits")).click()
    rows = list(csv.reader(io.StringIO(download_info.value.path().read_text())))
    winner_rows = [row for row in rows[1:] if row[1] == task_id and row[2] == "winner"]
    assert [row[3] for row in winner_rows] == [str(won[0])]
    whole, fraction = divmod(won[0], 10**8)
    assert winner_rows[0][4] == f"{whole}.{fraction:08d}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", winner_rows[0][0])

    for page in (publisher, miner, validator):
        page.context.close()
