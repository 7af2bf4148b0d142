"""The hardening as a browser or an attacker meets it: a real daphne, behind a (simulated) local proxy.

The proxy is this test: daphne sees every request from 127.0.0.1, as it would behind nginx on the same
machine, and TOS_TRUSTED_PROXIES=127.0.0.1 lets X-Forwarded-For name the visitor.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from tests.support.daphne import DaphneProcess, Stack, daphne_process, make_stack, running
from tests.support.devnode import ROOT, free_port

PASSWORD = "a-long-passphrase"
VISITOR, OTHER_VISITOR = "203.0.113.9", "198.51.100.20"
TRUSTED_ORIGIN = "https://dash.example.org"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Stack:
    own_redis = redis_url.rsplit("/", 1)[0] + "/6"
    base = make_stack(tmp_path_factory.mktemp("hardening"), own_redis, f"http://127.0.0.1:{free_port()}")
    stack = dataclasses.replace(
        base,
        extra_env={
            "DEBUG": "true",
            "TOS_TRUSTED_PROXIES": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": TRUSTED_ORIGIN,
        },
    )
    users = f"from django.contrib.auth.models import User; [User.objects.create_user(n, password='{PASSWORD}') for n in ('alice', 'bob')]"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", users], cwd=ROOT, env=stack.env(), check=True, timeout=60
    )
    return stack


@pytest.fixture(scope="module")
def web(stack: Stack) -> Iterator[DaphneProcess]:
    daphne = daphne_process(stack)
    with running(daphne):
        yield daphne


def log_in(
    web: DaphneProcess, username: str, password: str = PASSWORD, visitor: str | None = None
) -> httpx.Response:
    headers = {"X-Forwarded-For": visitor} if visitor else {}
    with httpx.Client(base_url=web.url, headers=headers, timeout=10) as browser:
        form = browser.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token, form.text[:500]
        return browser.post(
            "/login/", data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]}
        )


@pytest.fixture(scope="module")
def session(web: DaphneProcess) -> str:
    reply = log_in(web, "alice")
    assert reply.status_code == 302, reply.text[:500]
    return str(reply.cookies["sessionid"])


def open_live(web: DaphneProcess, session: str, origin: str) -> None:
    """Open the live connection as a page on `origin` would, and close it."""
    with connect(
        f"ws://127.0.0.1:{web.port}/ws/live/?since_seq=0",
        origin=Origin(origin),
        additional_headers={"Cookie": f"sessionid={session}"},
        open_timeout=10,
    ):
        pass


def refused_status(web: DaphneProcess, session: str, origin: str) -> int:
    with pytest.raises(InvalidStatus) as refused:
        open_live(web, session, origin)
    return refused.value.response.status_code


def test_a_page_of_the_site_opens_the_live_connection(web: DaphneProcess, session: str) -> None:
    open_live(web, session, f"http://127.0.0.1:{web.port}")


def test_a_page_on_another_port_or_scheme_of_the_same_host_is_refused(
    web: DaphneProcess, session: str
) -> None:
    for origin in ("http://localhost:9999", "http://127.0.0.1:9999", f"https://127.0.0.1:{web.port}"):
        assert refused_status(web, session, origin) == 403, origin


def test_a_csrf_trusted_origin_opens_it_and_a_lookalike_does_not(web: DaphneProcess, session: str) -> None:
    open_live(web, session, TRUSTED_ORIGIN)
    assert refused_status(web, session, "http://dash.example.org") == 403
    assert refused_status(web, session, "https://dash.example.org.evil.example") == 403


def test_a_visitor_gets_plain_error_pages_and_this_machine_the_debug_ones(web: DaphneProcess) -> None:
    visitor = {"X-Forwarded-For": VISITOR}
    missing = httpx.get(f"{web.url}/no-such-page/?debug", headers=visitor, timeout=10)
    assert missing.status_code == 404
    assert "Page not found" in missing.text
    assert "URLconf" not in missing.text
    assert "Using the URLconf" in httpx.get(f"{web.url}/no-such-page/?debug", timeout=10).text

    bad_host = httpx.get(f"{web.url}/login/", headers={**visitor, "Host": "evil.example"}, timeout=10)
    assert bad_host.status_code == 400
    assert "ALLOWED_HOSTS" not in bad_host.text
    assert "SECRET_KEY" not in bad_host.text
    assert (
        "ALLOWED_HOSTS" in httpx.get(f"{web.url}/login/", headers={"Host": "evil.example"}, timeout=10).text
    )


def test_a_guessers_failures_do_not_refuse_another_visitor_behind_the_same_proxy(web: DaphneProcess) -> None:
    for _ in range(5):
        assert log_in(web, "bob", "wrong", visitor=VISITOR).status_code == 200
    assert log_in(web, "bob", visitor=VISITOR).status_code == 429
    assert log_in(web, "bob", visitor=OTHER_VISITOR).status_code == 302
    # The visitor cannot pose as another by writing the header itself: the proxy appends the real one.
    assert log_in(web, "bob", visitor=f"{OTHER_VISITOR}, {VISITOR}").status_code == 429
