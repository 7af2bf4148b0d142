"""Logging in through the real login page, as a person does: the first steps of every browser test."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Page, expect

#: The password the browser tests give the users they make.
PASSWORD = "a-long-passphrase"


def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def signed_in(
    browser: Browser, base_url: str, username: str, *, timeout_ms: int = 20_000, **options: Any
) -> Page:
    """A page in a browser context of its own (its own cookies; `options` for the context), logged in."""
    page = browser.new_context(**options).new_page()
    page.set_default_timeout(timeout_ms)
    log_in(page, base_url, username)
    return page
