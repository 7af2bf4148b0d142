from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.support.devnode import DevnodeProcess, free_port

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_redis_and_node_are_up(
    client: Client, use_redis: str, use_devnode: DevnodeProcess
) -> None:
    reply = client.get("/healthz")
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "redis": True,
        "node": True,
    }


def test_healthz_is_503_and_names_redis_when_redis_is_down(
    client: Client, use_devnode: DevnodeProcess, settings: SettingsWrapper
) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    reply = client.get("/healthz")
    assert reply.status_code == 503
    body = reply.json()
    assert body["down"] == ["redis"]
    assert "unreachable" in body["checks"]["redis"]["detail"]


def test_healthz_is_503_and_names_the_node_when_it_is_down(
    client: Client, use_redis: str, settings: SettingsWrapper
) -> None:
    settings.TOS_NODE_URL = f"http://127.0.0.1:{free_port()}"
    reply = client.get("/healthz")
    assert reply.status_code == 503
    assert reply.json()["down"] == ["node"]
    assert settings.TOS_NODE_URL in reply.json()["checks"]["node"]["detail"]
