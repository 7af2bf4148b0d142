"""Start a private, real Redis server for the tests."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from tests.support.devnode import free_port
from tosweb.launcher import redis_executable


@contextlib.contextmanager
def run_redis(data_dir: Path) -> Iterator[str]:
    """Run redis-server on a free loopback port; yield its URL."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [redis_executable(), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data_dir)]
    args += ["--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)
