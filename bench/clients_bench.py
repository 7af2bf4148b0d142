"""Reads/s and events/s one client process sustains against one devnode, every client side by side.

    .venv/bin/python bench/clients_bench.py                     # every client with a driver, ~1 min
    .venv/bin/python bench/clients_bench.py --quick             # shorter phases, ~25 s
    .venv/bin/python bench/clients_bench.py --client typescript --json out.json

It starts one devnode (`python -m devnode`, a state file in a temp dir, `--no-rate-limits`), fills it
(active tasks for the list reads, tens of thousands of events for the replay), then runs each phase once
per client, one client at a time, through each client's *driver*: a small command that drives that
client's own public API and prints one JSON line. The protocol a driver follows is in bench/README.md.
Drivers are found in `clients/<name>/conformance.json` under `"bench"`; the Python client's driver lives
in bench/client_drivers/ (its folder is the Python client's own).

Per phase and client it prints what the driver counted (ops/s, latency percentiles, the driver's own CPU)
beside the node's CPU and the rest of the machine's (`other`, from /proc/stat): on 2 cores the node and
the client compete, so read a row together with its CPU columns.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from devnode_bench import NodeProcess, machine, machine_busy_seconds  # noqa: E402

CLIENTS = ROOT / "clients"
# Clients whose folder has no driver of its own: the driver that lives in bench/.
BUILTIN_DRIVERS: dict[str, dict[str, Any]] = {
    "python": {"run": ["{python}", str(ROOT / "bench" / "client_drivers" / "python_driver.py")]},
}


@dataclass(frozen=True)
class Phase:
    name: str
    label: str
    concurrency: int = 1


READ_PHASES = (
    Phase("get_balance", "`get_balance`, 1 in flight"),
    Phase("get_balance", "`get_balance`, 16 in flight", 16),
    Phase("list_active_tasks", "`ai_list_active_tasks` limit 50, 16 in flight", 16),
    Phase("task_details", "`ai_get_task_details`, 16 in flight", 16),
)


@dataclass
class Driver:
    name: str
    folder: Path
    setup: list[list[str]]
    run: list[str]

    @staticmethod
    def expand(command: Sequence[str]) -> list[str]:
        return [part.replace("{python}", sys.executable).replace("{root}", str(ROOT)) for part in command]


def discover(only: Sequence[str]) -> list[Driver]:
    drivers: dict[str, Driver] = {}
    for manifest in sorted(CLIENTS.glob("*/conformance.json")):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        bench = data.get("bench") or BUILTIN_DRIVERS.get(data["name"])
        if bench:
            drivers[data["name"]] = Driver(
                data["name"],
                manifest.parent,
                [Driver.expand(command) for command in bench.get("setup", [])],
                Driver.expand(bench["run"]),
            )
    for name, bench in BUILTIN_DRIVERS.items():
        if name not in drivers and (CLIENTS / name).is_dir():
            drivers[name] = Driver(name, CLIENTS / name, [], Driver.expand(bench["run"]))
    chosen = [drivers[name] for name in only] if only else list(drivers.values())
    # Python first: the reference the others are compared with.
    return sorted(chosen, key=lambda driver: (driver.name != "python", driver.name))


# ----- filling the node ---------------------------------------------------------------------------------


MAX_BATCH = 100  # the node's limit on requests per batch


def batch(url: str, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Every call's result, in order, sent in batches of at most MAX_BATCH."""
    results: list[Any] = []
    for start in range(0, len(calls), MAX_BATCH):
        chunk = calls[start : start + MAX_BATCH]
        body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(chunk)]
        replies = httpx.post(url, json=body, timeout=120).json()
        errors = [reply["error"] for reply in replies if "error" in reply]
        if errors:
            raise RuntimeError(f"setup call refused: {errors[0]}")
        results += [reply["result"] for reply in sorted(replies, key=lambda reply: reply["id"])]
    return results


def task(number: int, title: str) -> dict[str, Any]:
    return {
        "title": f"{title} {number}",
        "description": f"Review module {number} of the benchmark corpus and report every defect found.",
        "task_type": [{"CodeAnalysis": {"language": "rust"}}, "GeneralTask"][number % 2],
        "reward_amount": str(6 * 10**9 + number),
        "deadline_hours": 24 * 60,
    }


def fill(url: str, active: int, events: int) -> dict[str, Any]:
    """`active` open tasks, then publish+cancel pairs until the log holds at least `events` events."""
    accounts = [account["address"] for account in batch(url, [("dev_accounts", {})])[0]]
    published = batch(
        url,
        [
            ("ai_publish_task", {"task_data": task(n, "Open"), "from": accounts[n % 10]})
            for n in range(active)
        ],
    )
    number = 0
    while batch(url, [("get_info", {})])[0]["head_seq"] < events:
        chunk = range(number, number + MAX_BATCH)
        owners = [accounts[n % 10] for n in chunk]
        made = batch(
            url,
            [
                ("ai_publish_task", {"task_data": task(n, "Cancelled"), "from": owners[i]})
                for i, n in enumerate(chunk)
            ],
        )
        batch(
            url,
            [("ai_cancel_task", {"task_id": r["task_id"], "from": owners[i]}) for i, r in enumerate(made)],
        )
        number += MAX_BATCH
    head = batch(url, [("get_info", {})])[0]["head_seq"]
    return {"address": accounts[3], "task_id": published[0]["task_id"], "head_seq": head, "active": active}


# ----- running the drivers ------------------------------------------------------------------------------


def run_driver(
    driver: Driver, node: NodeProcess, env: dict[str, str], timeout: float
) -> tuple[dict[str, Any], float, float]:
    """(the driver's JSON line, node cores, other cores) for one phase."""
    busy, node_cpu, started = machine_busy_seconds(), node.cpu_seconds(), time.monotonic()
    done = subprocess.run(
        driver.run, cwd=driver.folder, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    elapsed = time.monotonic() - started
    node_cores = (node.cpu_seconds() - node_cpu) / elapsed
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"{driver.name} driver failed ({done.returncode}):\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    # Machine CPU over the run minus the node's and the driver's own (whole run, start-up included).
    driver_cpu = _children_cpu_delta(driver)
    other = max(0.0, (machine_busy_seconds() - busy) / elapsed - node_cores - driver_cpu / elapsed)
    return result, node_cores, other


_children_cpu = [0.0]


def _children_cpu_delta(driver: Driver) -> float:
    times = os.times()
    total = times.children_user + times.children_system
    delta, _children_cpu[0] = total - _children_cpu[0], total
    return delta


def machine_speed() -> dict[str, float]:
    """A fixed single-core workload, best of three, so figures from another machine can be scaled:
    SHA-256 throughput (C code) and a pure-Python loop; and how busy the machine was (load average)."""
    data = b"\x5a" * (16 * 1024 * 1024)
    sha, loop = [], []
    for _ in range(3):
        started = time.perf_counter()
        hashlib.sha256(data).digest()
        sha.append(time.perf_counter() - started)
        started = time.perf_counter()
        total = 0
        for number in range(2_000_000):
            total += number * number
        loop.append(time.perf_counter() - started)
    return {
        "sha256_mb_per_s": round(16 / min(sha), 1),
        "python_loop_mops": round(2.0 / min(loop), 2),
        "loadavg_1min": float(Path("/proc/loadavg").read_text().split()[0]),
    }


def run(only: Sequence[str], seconds: float, warmup: float, events: int, active: int) -> dict[str, Any]:
    drivers = discover(only)
    if not drivers:
        raise SystemExit("no client has a bench driver (see bench/README.md)")
    for driver in drivers:
        for command in driver.setup:
            print(f"== {driver.name}: {' '.join(command)}", file=sys.stderr, flush=True)
            subprocess.run(command, cwd=driver.folder, check=True, stdout=sys.stderr)
    _children_cpu_delta(drivers[0])
    load_before = float(Path("/proc/loadavg").read_text().split()[0])
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="clients-bench-") as workdir:
        node = NodeProcess(Path(workdir), sys.executable, 1.0)
        node.start()
        try:
            url = f"http://127.0.0.1:{node.port}"
            print(f"filling the node: {active} open tasks, {events:,} events", file=sys.stderr, flush=True)
            filled = fill(url, active, events)
            base = {
                **os.environ,
                "TOS_NODE_URL": url,
                "TOS_NODE_WS_URL": f"ws://127.0.0.1:{node.port}/ai/ws",
                "TOS_BENCH_SECONDS": str(seconds),
                "TOS_BENCH_WARMUP": str(warmup),
                "TOS_BENCH_ADDRESS": filled["address"],
                "TOS_BENCH_TASK_ID": filled["task_id"],
                "TOS_BENCH_EVENTS": str(filled["head_seq"]),
            }
            phases = [
                *READ_PHASES,
                Phase("events", f"events replayed over `/ai/ws` ({filled['head_seq']:,})"),
            ]
            for phase in phases:
                for driver in drivers:
                    env = {
                        **base,
                        "TOS_BENCH_PHASE": phase.name,
                        "TOS_BENCH_CONCURRENCY": str(phase.concurrency),
                    }
                    result, node_cores, other = run_driver(driver, node, env, timeout=seconds + warmup + 120)
                    # A driver may name a variant of its client (the TypeScript one over node:http).
                    row = {**result, "phase": phase.label, "client": result.get("client", driver.name)}
                    row["rate"] = result["ops"] / result["seconds"] if result["seconds"] else 0.0
                    row["client_cores"] = (
                        result["cpu_seconds"] / result["seconds"] if result["seconds"] else 0.0
                    )
                    # CPU per operation is the figure that holds up on a shared machine: throughput
                    # falls when other processes take the cores, the client's cost per call does not.
                    row["cpu_us_per_op"] = (
                        result["cpu_seconds"] / result["ops"] * 1e6 if result["ops"] else 0.0
                    )
                    row["node_cores"] = node_cores
                    row["other_cores"] = other
                    rows.append(row)
                    print(_line(row), file=sys.stderr, flush=True)
        finally:
            node.stop()
    speed = machine_speed()
    return {
        "machine": {**machine(), **speed, "loadavg_before": load_before},
        "node": {"python": sys.version.split()[0], "node.js": _node_version()},
        "filled": filled,
        "rows": rows,
    }


def _node_version() -> str:
    done = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "not found"


def _line(row: dict[str, Any]) -> str:
    latency = f"{row['p50_ms']:6.2f} {row['p99_ms']:7.2f}" if "p50_ms" in row else " " * 14
    check = "" if row.get("in_order", True) else "  OUT OF ORDER"
    return (
        f"{row['phase']:<52} {row['client']:<11} {row['rate']:9,.0f}/s {latency} {row['cpu_us_per_op']:6,.0f} µs/op "
        f"client {row['client_cores']:.2f} node {row['node_cores']:.2f} other {row['other_cores']:.2f}"
        f"{'' if not row.get('errors') else '  errors ' + str(row['errors'])}{check}"
    )


def print_markdown(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(
        f"Machine: {m['nproc']} cores, {m['cpu']}; SHA-256 {m['sha256_mb_per_s']} MB/s and a Python loop at "
        f"{m['python_loop_mops']} M iterations/s on one core; load average {m['loadavg_before']} before, "
        f"{m['loadavg_1min']} after; Python {report['node']['python']}, Node.js {report['node']['node.js']}.\n"
    )
    print(
        "| phase | client | per second | p50 ms | p99 ms | client CPU µs/op | client cores | node cores | other |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in report["rows"]:
        p50 = f"{row['p50_ms']:.2f}" if "p50_ms" in row else "-"
        p99 = f"{row['p99_ms']:.2f}" if "p99_ms" in row else "-"
        print(
            f"| {row['phase']} | {row['client']} | {row['rate']:,.0f} | {p50} | {p99} | {row['cpu_us_per_op']:,.0f} | "
            f"{row['client_cores']:.2f} | {row['node_cores']:.2f} | {row['other_cores']:.2f} |"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--client", action="append", default=[], help="this client only (repeatable)")
    parser.add_argument("--quick", action="store_true", help="2 s phases and a smaller event log")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per read phase")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each read phase")
    parser.add_argument("--events", type=int, default=40_000, help="events in the log to replay")
    parser.add_argument("--active", type=int, default=200, help="open tasks (the list reads page them)")
    parser.add_argument("--json", type=Path, help="also write the whole report here")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.events = 2.0, 10_000
    report = run(args.client, args.seconds, args.warmup, args.events, args.active)
    print_markdown(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    bad = [row for row in report["rows"] if row.get("errors") or not row.get("in_order", True)]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
