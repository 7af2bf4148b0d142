"""Render time of the public network pages with 100,000 events stored, and how long counting them takes.

    .venv/bin/python bench/network_bench.py [--events 100000] [--rounds 200]

Uses a throwaway SQLite database and Django's test client (no HTTP server: the view, its queries and the
template). The events are a busy network's (tests/support/network.py: tasks published, joined, submitted,
validated, completed and paid over 60 days, 200 miners, 40 validators); they are stored with bulk inserts
and counted by the rollups' own catch-up (`services.network.catch_up`), as a first start over an existing
log would. Also prints the machine's speed (a fixed pure-Python loop) so figures from other machines can
be compared.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def machine_speed() -> float:
    """Milliseconds for a fixed loop of a million integer additions (lower is faster), best of five."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number
        best = min(best, time.perf_counter() - started)
    return best * 1000


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="network-bench-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tosweb.settings",
        TOS_RUN_DIR=str(workdir),
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        ALLOWED_HOSTS="testserver",
        TOS_NODE_URL="http://127.0.0.1:9",  # nothing listens: the public pages never ask the node
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dashboard.models import NetworkAddress
    from dashboard.services import network
    from tests.support.network import store_synthetic

    call_command("migrate", verbosity=0)
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(f"machine speed: {machine_speed():.1f} ms per million additions; load average {load_average()}")

    started = time.perf_counter()
    store_synthetic(args.events)
    stored = time.perf_counter()
    counted = network.catch_up(batches=10_000)
    done = time.perf_counter()
    print(
        f"{args.events:,} events stored in {stored - started:.1f} s; counted ({counted:,}) in {done - stored:.1f} s "
        f"({counted / max(done - stored, 1e-9):,.0f} events/s)"
    )
    address = NetworkAddress.objects.order_by("-wins").values_list("address", flat=True).first()
    pages = {
        "network, 7 days": "/network/?period=7d",
        "network, 30 days": "/network/?period=30d",
        "network, all time": "/network/?period=all",
        "a public profile": f"/network/{address}/",
    }
    client = Client()
    print(f"{args.rounds} renders per page, after 10 to warm up; load average {load_average()}")
    for name, url in pages.items():
        for _ in range(10):
            client.get(url)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries = len(captured.captured_queries)  # now: every request start clears the log
        times = []
        for _ in range(args.rounds):
            begun = time.perf_counter()
            reply = client.get(url)
            times.append((time.perf_counter() - begun) * 1000)
            assert reply.status_code == 200, reply.status_code
        times.sort()
        p90 = times[int(len(times) * 0.9)]
        print(f"{name:<20} median {statistics.median(times):6.1f} ms   p90 {p90:6.1f} ms   {queries} queries")
    print(f"load average afterwards {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
