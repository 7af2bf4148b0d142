"""Redis down: every page still renders, says what is paused, and the banner goes when Redis is back."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from dashboard import health
from dashboard.models import NodeAccount, Profile
from tests.support.devnode import DevnodeProcess, free_port

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/account/",
    "/wallet/",
    "/tasks/",
    "/tasks/new/",
    "/tasks/mine/",
    "/mining/",
    "/mining/participations/",
    "/mining/earnings/",
    "/reputation/",
    "/validation/",
    "/validation/earnings/",
    "/leaderboard/",
    "/feed/",
    "/mining/auto/",
]


@pytest.fixture
def redis_down(settings: SettingsWrapper) -> None:
    """Every Redis user of the settings (cache, channel layer, broker, locks) at a port nothing listens on."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


@pytest.fixture
def member(client: Client) -> User:
    user = User.objects.create_user("morgan", password="a-long-passphrase")
    Profile.objects.update_or_create(
        user=user, defaults={"is_publisher": True, "is_miner": True, "is_validator": True}
    )
    NodeAccount.objects.create(user=user, address="tst1morgan", encrypted_private_key="-", origin="imported")
    client.force_login(user)
    return user


REDIS_BANNER = 'id="redis-banner"'


def test_every_page_renders_with_a_banner_when_redis_is_down(
    client: Client, member: User, use_devnode: DevnodeProcess, redis_down: None
) -> None:
    for path in PAGES:
        reply = client.get(path)
        assert reply.status_code == 200, path
        assert REDIS_BANNER in reply.content.decode(), path


def test_the_banner_goes_by_itself_when_redis_is_back(
    client: Client,
    member: User,
    use_devnode: DevnodeProcess,
    redis_url: str,
    settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(health.redis_status, "ttl", 0.0)  # probe on every page instead of every few seconds
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    assert REDIS_BANNER in client.get("/tasks/").content.decode()
    settings.REDIS_URL = redis_url
    assert REDIS_BANNER not in client.get("/tasks/").content.decode()
