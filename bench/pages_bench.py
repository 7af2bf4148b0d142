"""Render time of the task browser and a task page with 1,000 tasks stored.

    .venv/bin/python bench/pages_bench.py [--tasks 1000] [--rounds 200]

Uses a throwaway SQLite database and Django's test client (no HTTP server: this measures the view,
its queries and the template). Two cases: the node up (a real devnode: the browser refreshes the active
tasks with one `ai_list_active_tasks` call per view) and the node down (pages render from the cache).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="pages-bench-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tosweb.settings",
        TOS_RUN_DIR=str(workdir),
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        ALLOWED_HOSTS="testserver",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from dashboard import node
    from dashboard.models import Task
    from tests.support.devnode import free_port, run_devnode

    call_command("migrate", verbosity=0)
    now = timezone.now()
    Task.objects.bulk_create(
        Task(
            task_id=uuid.uuid4().hex + uuid.uuid4().hex,
            title=f"Stored task {index}",
            description="Stored for the benchmark.",
            task_kind="CodeAnalysis",
            task_type={"CodeAnalysis": {"language": "rust"}},
            difficulty="Beginner",
            reward_amount=(50 + index % 100) * 10**8,
            stake_required=5 * 10**8,
            deadline=now + timedelta(days=1),
            created_at=now - timedelta(seconds=index),
            status=Task.Status.PUBLISHED,
            publisher="tst1benchmark",
        )
        for index in range(args.tasks)
    )
    one = Task.objects.order_by("created_at").first()
    assert one is not None
    client = Client()
    pages = {"task browser /tasks/": "/tasks/", "task page /tasks/<id>/": f"/tasks/{one.task_id}/"}

    def measure(label: str, pages: dict[str, str]) -> None:
        for name, url in pages.items():
            for _ in range(10):  # warm the template cache and the connection
                client.get(url)
            times = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                reply = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert reply.status_code == 200, reply.status_code
            times.sort()
            p90 = times[int(len(times) * 0.9)]
            print(f"{label:<10} {name:<24} median {statistics.median(times):6.1f} ms   p90 {p90:6.1f} ms")

    print(f"{args.tasks} tasks stored, {args.rounds} renders per page, SQLite, DEBUG={settings.DEBUG}")
    settings.TOS_NODE_URL = f"http://127.0.0.1:{free_port()}"
    node.node_status.forget()
    measure("node down", pages)
    with run_devnode(workdir) as devnode:
        settings.TOS_NODE_URL = devnode.url
        node.node_status.forget()
        # The node must know the task for its page to render: publish one there and let the page cache it.
        published: Any = devnode.rpc(
            "ai_publish_task",
            {
                "task_data": {
                    "title": "A task the node knows",
                    "task_type": "GeneralTask",
                    "reward_amount": "6000000000",
                }
            },
        )
        pages["task page /tasks/<id>/"] = f"/tasks/{published['task_id']}/"
        measure("node up", pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
