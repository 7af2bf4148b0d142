from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dashboard import ratelimit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "mid_window")]


@pytest.fixture
def mid_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the limiter's clock 20 s into a minute: hits counted a moment apart must share a window
    (a test that crossed a window's edge got a fresh count and a 400 instead of the 429)."""
    start = time.time()
    pinned = start - start % 60 + 20
    monkeypatch.setattr(ratelimit, "_clock", lambda: pinned + (time.time() - start) % 1)


def test_writes_past_the_limit_get_a_429_that_says_when_to_retry(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ratelimit, "WRITES_PER_USER", ratelimit.Limit("writes", 3, 60))
    client.force_login(User.objects.create_user("alice", password="a-long-passphrase"))
    for _ in range(3):
        assert client.post("/wallet/import/", {"private_key": "not hex"}).status_code == 400
    reply = client.post("/wallet/import/", {"private_key": "not hex"})
    assert reply.status_code == 429
    assert 0 < int(reply["Retry-After"]) <= 60
    assert "try again in" in reply.content.decode()


def test_the_write_limit_is_per_user(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "WRITES_PER_USER", ratelimit.Limit("writes", 1, 60))
    client.force_login(User.objects.create_user("alice", password="a-long-passphrase"))
    client.post("/wallet/import/", {"private_key": "not hex"})
    assert client.post("/wallet/import/", {"private_key": "not hex"}).status_code == 429
    client.force_login(User.objects.create_user("bob", password="b-long-passphrase"))
    assert client.post("/wallet/import/", {"private_key": "not hex"}).status_code == 400


def test_reads_are_not_counted(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "WRITES_PER_USER", ratelimit.Limit("writes", 1, 60))
    client.force_login(User.objects.create_user("alice", password="a-long-passphrase"))
    for _ in range(3):
        client.get("/tasks/new/")
    assert client.post("/wallet/import/", {"private_key": "not hex"}).status_code == 400
