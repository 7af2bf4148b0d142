"""group_send to N consumers on a real Redis: RedisChannelLayer vs RedisPubSubChannelLayer.

    .venv/bin/python bench/channel_layer_bench.py [--redis-url redis://...] [--consumers 1,10,100]

One process: a sender layer (the relay) and a receiver layer holding N consumer channels in one group
(one daphne process's consumers). Latency: 200 group_sends paced every 5 ms, each delivery timed from
send to receive. Throughput: 1,000 group_sends back to back; deliveries per second until the last one
arrived (or the layer dropped some: `lost`). Starts its own redis-server unless --redis-url is given.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

LAYERS: dict[str, Any] = {"core": RedisChannelLayer, "pubsub": RedisPubSubChannelLayer}


async def measure(layer_name: str, url: str, consumers: int, paced: int, burst: int) -> dict[str, float]:
    cls = LAYERS[layer_name]
    receiver, sender = cls(hosts=[url], prefix="bench"), cls(hosts=[url], prefix="bench")
    group = f"bench{consumers}{layer_name}"
    channels = [await receiver.new_channel() for _ in range(consumers)]
    for channel in channels:
        await receiver.group_add(group, channel)
    await asyncio.sleep(0.2)  # pub/sub subscriptions are confirmed asynchronously
    latencies: list[float] = []
    received = 0

    async def consume(channel: str) -> None:
        nonlocal received
        while True:
            message = await receiver.receive(channel)
            received += 1
            if message["phase"] == "paced":
                latencies.append(time.perf_counter() - message["t"])

    tasks = [asyncio.create_task(consume(channel)) for channel in channels]
    for _ in range(paced):
        await sender.group_send(group, {"type": "x", "phase": "paced", "t": time.perf_counter()})
        await asyncio.sleep(0.005)
    await wait_for(lambda: received >= paced * consumers)
    received = 0
    start = time.perf_counter()
    for _ in range(burst):
        await sender.group_send(group, {"type": "x", "phase": "burst", "t": 0.0})
    sent = time.perf_counter() - start
    await wait_for(lambda: received >= burst * consumers)
    elapsed = time.perf_counter() - start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for layer in (receiver, sender):
        with contextlib.suppress(Exception):
            await layer.flush()
    latencies.sort()
    return {
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan"),
        "sends_per_s": burst / sent,
        "deliveries_per_s": received / elapsed,
        "lost": burst * consumers - received,
    }


async def wait_for(done: Any, quiet: float = 3.0) -> None:
    """Poll (cheaply) until every delivery arrived, or give up after `quiet` s: the rest count as lost."""
    deadline = time.perf_counter() + quiet
    while not done() and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.005)


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    from tests.support.redis import run_redis

    with tempfile.TemporaryDirectory() as data, run_redis(Path(data)) as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--redis-url")
    parser.add_argument("--consumers", default="1,10,100")
    parser.add_argument("--paced", type=int, default=200)
    parser.add_argument("--burst", type=int, default=1000)
    args = parser.parse_args()
    counts = [int(n) for n in args.consumers.split(",")]
    with contextlib.nullcontext(args.redis_url) if args.redis_url else redis_server() as url:
        print("| layer | consumers | latency p50 ms | p99 ms | group_send/s | deliveries/s | lost |")
        print("|---|---|---|---|---|---|---|")
        for consumers in counts:
            for name in LAYERS:
                row = asyncio.run(measure(name, url, consumers, args.paced, args.burst))
                print(
                    f"| {name} | {consumers} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
                    f"{row['sends_per_s']:,.0f} | {row['deliveries_per_s']:,.0f} | {row['lost']:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
