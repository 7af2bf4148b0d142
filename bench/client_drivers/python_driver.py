"""The Python client's (`tos_ai`) driver for bench/clients_bench.py; the protocol is in bench/README.md.

Reads its phase from TOS_BENCH_* variables, runs it through `tos_ai.TOSAIClient` (the async client: the
one a miner or a service would use) and prints one JSON line with what it measured.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any

from tos_ai import TOSAIClient


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def reads(
    client: TOSAIClient, phase: str, seconds: float, warmup: float, concurrency: int
) -> dict[str, Any]:
    address = os.environ.get("TOS_BENCH_ADDRESS", "")
    task_id = os.environ.get("TOS_BENCH_TASK_ID", "")

    async def one() -> None:
        if phase == "get_balance":
            await client.get_balance(address)
        elif phase == "list_active_tasks":
            await client.list_active_tasks(limit=50)
        elif phase == "task_details":
            await client.get_task_details(task_id)
        else:
            raise SystemExit(f"unknown phase {phase}")

    latencies: list[float] = []
    counts = {"ops": 0, "errors": 0}
    measuring = False
    stop_at = time.monotonic() + warmup + seconds

    async def worker() -> None:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                await one()
            except Exception:  # counted, not fatal: the summary says how many
                if measuring:
                    counts["errors"] += 1
                continue
            if measuring:
                latencies.append((time.perf_counter() - started) * 1000)
                counts["ops"] += 1

    workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
    await asyncio.sleep(warmup)
    measuring = True
    cpu, started = time.process_time(), time.monotonic()
    await asyncio.gather(*workers)
    elapsed = time.monotonic() - started
    return {
        "ops": counts["ops"],
        "errors": counts["errors"],
        "seconds": elapsed,
        "cpu_seconds": time.process_time() - cpu,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
    }


async def events(client: TOSAIClient, count: int) -> dict[str, Any]:
    cpu, started = time.process_time(), time.monotonic()
    received = 0
    in_order = True
    last = 0
    stream = client.events(since_seq=0)
    async for event in stream:
        in_order = in_order and event.seq == last + 1
        last = event.seq
        received += 1
        if received >= count:
            break
    await stream.aclose()
    return {
        "ops": received,
        "errors": 0,
        "seconds": time.monotonic() - started,
        "cpu_seconds": time.process_time() - cpu,
        "in_order": in_order,
    }


async def main() -> None:
    env = os.environ
    phase = env["TOS_BENCH_PHASE"]
    async with TOSAIClient(env["TOS_NODE_URL"], ws_url=env["TOS_NODE_WS_URL"]) as client:
        if phase == "events":
            result = await events(client, int(env["TOS_BENCH_EVENTS"]))
        else:
            result = await reads(
                client,
                phase,
                float(env["TOS_BENCH_SECONDS"]),
                float(env.get("TOS_BENCH_WARMUP", "1")),
                int(env.get("TOS_BENCH_CONCURRENCY", "1")),
            )
    print(json.dumps({"client": "python", "phase": phase, **result}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
