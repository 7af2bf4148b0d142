"""Fixtures shared by every test package: real Redis and a real devnode process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.support.devnode import DevnodeProcess, run_devnode
from tests.support.redis import run_redis

# The `processes` mark, set on every test that starts a real process, and its guard.
pytest_plugins = ["tests.support.tiers"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """On SQLite the tests' database is a file (one per xdist worker), as in production, not Django's
    in-memory default: with that, the live server's threads share the test's one connection, and two
    threads inside the sqlite3 module at once can deadlock (one binding parameters while holding the GIL,
    the other inside SQLite calling back into Python for `tos_amount_sum`), which hung a browser test."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis server shared by the whole test session."""
    with run_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def use_redis(redis_url: str, settings: SettingsWrapper) -> str:
    """Point every Redis user of the Django settings at the test Redis (a fresh database)."""
    import redis

    from dashboard.broadcast import sent_seqs

    redis.Redis.from_url(redis_url).flushdb()
    sent_seqs.clear()  # the relay's memory of what it sent, from another test's events
    settings.REDIS_URL = redis_url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    layer = settings.CHANNEL_LAYERS["default"]  # the layer the settings choose (pub/sub by default)
    host = {**layer["CONFIG"]["hosts"][0], "address": redis_url}
    settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer["CONFIG"], "hosts": [host]}}}
    settings.CELERY_BROKER_URL = redis_url
    return redis_url


@pytest.fixture(scope="module")
def devnode(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    """A real devnode process (in memory) shared by one test module."""
    with run_devnode(Path(tmp_path_factory.mktemp("devnode"))) as node:
        yield node


@pytest.fixture
def use_devnode(devnode: DevnodeProcess, settings: SettingsWrapper) -> DevnodeProcess:
    """Point the dashboard at the test devnode."""
    settings.TOS_NODE_URL = devnode.url
    return devnode


@pytest.fixture(autouse=True)
def fresh_node_status() -> Iterator[None]:
    """Forget what the node and Redis probes answered before this test (each is cached per process)."""
    from dashboard import health, node

    node.node_status.forget()
    health.redis_status.forget()
    yield
    node.node_status.forget()
    health.redis_status.forget()
