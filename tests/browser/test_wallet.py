from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.support.devnode import DevnodeProcess

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("use_redis"),
]


def log_in(page: Page, live_server: LiveServer, username: str) -> None:
    User.objects.create_user(username, password="a-long-passphrase")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()


def test_a_user_generates_an_account_and_sees_its_balance_and_qr_code(
    page: Page, live_server: LiveServer, use_devnode: DevnodeProcess
) -> None:
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/wallet/")
    page.get_by_role("button", name="Generate a new account").click()
    expect(page.get_by_text("New node account tst1")).to_be_visible()
    expect(page.locator("#balance")).to_contain_text("9,990 TOS")
    qr = page.get_by_alt_text("QR code of the address")
    expect(qr).to_be_visible()
    # Visible happens before the image has loaded: wait for the browser to have drawn it.
    page.wait_for_function(
        "() => { const img = document.querySelector('img.qr'); return img.complete && img.naturalWidth > 0; }"
    )
    address = page.locator("#address").inner_text()
    assert page.get_by_role("button", name="Copy the address").get_attribute("data-copy") == address


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_wallet_page_fits_a_phone_in_light_and_dark(
    browser: Browser, live_server: LiveServer, use_devnode: DevnodeProcess, scheme: str
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        log_in(page, live_server, f"phone-{scheme}")
        page.goto(f"{live_server.url}/wallet/")
        page.get_by_role("button", name="Generate a new account").click()
        expect(page.locator("#balance")).to_contain_text("TOS")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == ("rgb(20, 22, 27)" if scheme == "dark" else "rgb(247, 247, 249)")
    finally:
        context.close()
