from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from dashboard.events import record_events
from tests.support.devnode import DevnodeProcess, free_port, run_devnode

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
        "event_log": True,
    }
    assert body["checks"]["event_log"]["count"] == 0


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


@pytest.fixture(scope="module")
def node_with_failing_task_reads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    """A real devnode whose every task read fails inside it, while get_version still answers."""
    options = ["--failing-task-reads"]
    with run_devnode(
        tmp_path_factory.mktemp("node"), extra_args=options, module="tests.support.altered_node"
    ) as node:
        yield node


def test_healthz_is_503_when_the_node_answers_its_version_but_not_its_task_list(
    client: Client, use_redis: str, settings: SettingsWrapper, node_with_failing_task_reads: DevnodeProcess
) -> None:
    settings.TOS_NODE_URL = node_with_failing_task_reads.url
    assert node_with_failing_task_reads.rpc("get_version")

    reply = client.get("/healthz")

    assert reply.status_code == 503
    assert reply.json()["down"] == ["node"]
    assert "ai_list_active_tasks" in reply.json()["checks"]["node"]["detail"]


def test_healthz_is_503_when_a_table_the_pages_read_is_missing(
    client: Client, use_redis: str, use_devnode: DevnodeProcess
) -> None:
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("ALTER TABLE dashboard_task RENAME TO dashboard_task_gone")

    reply = client.get("/healthz")

    assert reply.status_code == 503
    assert reply.json()["down"] == ["database"]
    assert "the pages' reads fail" in reply.json()["checks"]["database"]["detail"]


def test_healthz_counts_the_events_that_could_not_be_stored_without_failing(
    client: Client, use_redis: str, use_devnode: DevnodeProcess
) -> None:
    too_large = {"recipient": "tst1a", "amount": "9" * 40, "reward_type": "winner"}
    record_events([{"event": "reward_distributed", "seq": 7, "timestamp": 1, "data": too_large}])

    reply = client.get("/healthz")

    assert reply.status_code == 200
    check = reply.json()["checks"]["event_log"]
    assert check["count"] == 1
    assert "#7" in check["detail"]
