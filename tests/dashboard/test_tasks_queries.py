"""With many tasks stored, the task pages run a fixed number of queries: none grows with the rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboard.models import Task
from tests.support.tasks import cached_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis", "node_down")]


def store_tasks(count: int) -> Task:
    tasks = [cached_task(title=f"Stored task {index}") for index in range(count)]
    return tasks[-1]


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        reply = client.get(url)
    assert reply.status_code == 200, reply.content[:500]
    return len(captured.captured_queries)


def test_the_task_browser_runs_as_many_queries_for_1000_tasks_as_for_25(client: Client) -> None:
    store_tasks(25)
    few = queries_for(client, "/tasks/")
    store_tasks(975)
    assert Task.objects.count() == 1000
    assert queries_for(client, "/tasks/") == few
    assert queries_for(client, "/tasks/?page=50") == few


def test_a_task_page_runs_as_many_queries_with_1000_tasks_stored_as_with_one(client: Client) -> None:
    only = store_tasks(1)
    alone = queries_for(client, f"/tasks/{only.task_id}/")
    store_tasks(999)
    assert queries_for(client, f"/tasks/{only.task_id}/") == alone
