"""The live feed end to end: node event → relay → channel layer → daphne → N logged-in WebSocket clients.

    .venv/bin/python bench/relay_bench.py                       # both layers, N = 1, 100, 1,000, 10 and 50/s
    .venv/bin/python bench/relay_bench.py --quick               # the settings' layer, N = 1 and 1,000 at 10/s
    .venv/bin/python bench/relay_bench.py --layers pubsub --clients 1000 --rates 10 --py-spy /tmp/spy

Everything runs on loopback in a temp dir: a redis-server, a devnode (`--no-rate-limits`), a migrated SQLite
file, ONE `manage.py relay_events` and one daphne (`--daphnes 2` for two, clients alternating), started
with `CHANNEL_LAYER=core|pubsub` (tosweb/settings.py). N users get a database session each; every client
sends that session cookie and the page's Origin, as a browser would, and connects to `ws/live/?since_seq=`
the last stored seq (the consumer replays, then goes live). Clients live in `--client-processes` spawned
processes (asyncio + websockets); their CPU is reported so a reader can see they are not the limit.

This process publishes tasks on the node at a paced rate (open loop). Latency of a delivery = the time a
client read the frame minus the time this process put the `ai_publish_task` write that caused the event on
the wire: both `time.monotonic_ns()`, CLOCK_MONOTONIC, one clock for every process on the machine. The
frame's `data-seq` names the event; the stored event's `task_id` maps it to its write. So the figure holds
the node's write, the node → relay stream, the relay's SQLite commit, the layer's fan-out, daphne's
consumer and the client's wake-up. Every client must receive every event after its since_seq exactly once,
in order, with each frame's `data-prev-seq` equal to the previous frame's `data-seq` (what live.js checks).
CPU (cores) and RSS of the relay, daphne, Redis and the clients come from /proc.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import dataclasses
import datetime
import json
import math
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from devnode_bench import (  # noqa: E402
    HttpConnection,
    is_error,
    machine,
    machine_busy_seconds,
    open_connections,
    percentile,
    rpc,
    rpc_request,
    task_data,
)

from tests.support.daphne import (  # noqa: E402
    DaphneProcess,
    ManagedProcess,
    Stack,
    daphne_process,
    make_stack,
    relay_process,
)
from tests.support.devnode import DevnodeProcess, free_port, run_devnode  # noqa: E402
from tests.support.redis import run_redis  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
TARGET_P99_MS = 100.0
WARMUP_EVENTS = 5


# ----- processes, measured from /proc -------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Meter:
    """CPU (in cores) of named processes and of the whole machine over a window; RSS at its end."""

    pids: dict[str, list[int]]
    started: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    busy: float = 0.0

    def start(self) -> None:
        self.started = time.monotonic()
        self.cpu = {name: sum(map(cpu_seconds, pids)) for name, pids in self.pids.items()}
        self.cpu["bench"] = time.process_time()
        self.busy = machine_busy_seconds()

    def stop(self) -> dict[str, float]:
        elapsed = time.monotonic() - self.started
        out = {
            f"{name}_cpu": (sum(map(cpu_seconds, pids)) - self.cpu[name]) / elapsed
            for name, pids in self.pids.items()
        }
        out["bench_cpu"] = (time.process_time() - self.cpu["bench"]) / elapsed
        out["other_cpu"] = max(0.0, (machine_busy_seconds() - self.busy) / elapsed - sum(out.values()))
        for name, pids in self.pids.items():
            out[f"{name}_rss_mb"] = sum(map(rss_mb, pids))
        return {key: round(value, 2) for key, value in out.items()}


@contextlib.contextmanager
def started(*processes: ManagedProcess) -> Iterator[None]:
    try:
        for process in processes:
            process.start()
        yield
    finally:
        for process in reversed(processes):
            process.stop()


@contextlib.contextmanager
def sampled(out_dir: Path | None, label: str, pids: dict[str, int], seconds: float) -> Iterator[None]:
    """py-spy `raw` stacks of each process over the phase (summarise with bench/stack_summary.py)."""
    spies = []
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, pid in pids.items():
            args = [str(Path(sys.executable).parent / "py-spy"), "record", "-r", "100", "-f", "raw"]
            args += [
                "-d",
                str(math.ceil(seconds)),
                "-p",
                str(pid),
                "-o",
                str(out_dir / f"{label}-{name}.txt"),
            ]
            spies.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        yield
    finally:
        for spy in spies:
            try:
                spy.wait(timeout=seconds + 15)
            except subprocess.TimeoutExpired:
                spy.kill()
                spy.wait()


# ----- users and sessions -------------------------------------------------------------------------------


def make_sessions(stack: Stack, count: int) -> list[str]:
    """`count` users, each with a logged-in database session; returns the session keys (cookies)."""
    os.environ.update(stack.env())
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    # An unusable password: hashing a real one 1,000 times with Argon2 would take most of a minute.
    users = User.objects.bulk_create(
        [User(username=f"bench{index}", password=make_password(None)) for index in range(count)]
    )
    store = SessionStore()
    expires = timezone.now() + datetime.timedelta(days=1)
    sessions = [
        Session(
            session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
            session_data=store.encode(
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
            ),
            expire_date=expires,
        )
        for user in users
    ]
    Session.objects.bulk_create(sessions)
    return [session.session_key for session in sessions]


# ----- client processes ---------------------------------------------------------------------------------


@dataclass
class ClientReport:
    seqs: list[array.array[int]]
    prevs: list[array.array[int]]
    received_ns: list[array.array[int]]
    connect_seconds: float
    errors: list[str]


def client_worker(
    ports: list[int],
    sessions: list[str],
    since_seq: int,
    ready: Connection,
    low: Synchronized[int],
    stop: Synchronized[int],
    out: Connection,
) -> None:
    """A process holding one WebSocket per session; `low` is the lowest last seq any of them received."""
    report = asyncio.run(_clients(ports, sessions, since_seq, ready, low, stop))
    out.send(dataclasses.asdict(report))
    out.close()


async def _clients(
    ports: list[int],
    sessions: list[str],
    since_seq: int,
    ready: Connection,
    low: Synchronized[int],
    stop: Synchronized[int],
) -> ClientReport:
    from websockets.asyncio.client import ClientConnection, connect

    count = len(sessions)
    sockets: list[ClientConnection | None] = [None] * count
    errors: list[str] = []
    gate = asyncio.Semaphore(50)
    began = time.monotonic()

    async def open_one(index: int) -> None:
        port = ports[index % len(ports)]
        async with gate:
            sockets[index] = await connect(
                f"ws://127.0.0.1:{port}/ws/live/?since_seq={since_seq}",
                origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
                additional_headers={"Cookie": f"sessionid={sessions[index]}"},
                compression=None,
                max_queue=None,
                ping_interval=None,
                open_timeout=60,
            )

    await asyncio.gather(*(open_one(index) for index in range(count)))
    connect_seconds = time.monotonic() - began
    seqs = [array.array("q") for _ in range(count)]
    prevs = [array.array("q") for _ in range(count)]
    received = [array.array("q") for _ in range(count)]
    ready.send("ready")

    async def listen(index: int) -> None:
        ws = sockets[index]
        assert ws is not None
        add_seq, add_prev, add_ns = seqs[index].append, prevs[index].append, received[index].append
        try:
            async for message in ws:
                now = time.monotonic_ns()
                text = message if isinstance(message, str) else message.decode()
                if 'data-flag="heartbeat"' in text:
                    continue  # the relay's heartbeat, every 2 s: not an event
                start = text.find('data-seq="') + 10
                add_seq(int(text[start : text.find('"', start)]))
                start = text.find('data-prev-seq="', start) + 15
                add_prev(int(text[start : text.find('"', start)]))
                add_ns(now)
        except Exception as error:  # a dropped client is a finding, not a crash of the benchmark
            errors.append(f"client {index}: {error!r}")

    async def watch() -> None:
        while not stop.value:
            low.value = min((items[-1] if items else since_seq) for items in seqs)
            await asyncio.sleep(0.02)
        for ws in sockets:
            if ws is not None:
                await ws.close()

    await asyncio.gather(watch(), *(listen(index) for index in range(count)))
    return ClientReport(seqs, prevs, received, connect_seconds, errors)


@dataclass
class Clients:
    """The spawned client processes of one N."""

    processes: list[Any]
    lows: list[Synchronized[int]]
    stop: Synchronized[int]
    outs: list[Connection]

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def low(self) -> int:
        return min(low.value for low in self.lows)

    def finish(self) -> list[ClientReport]:
        self.stop.value = 1
        reports = []
        for process, out in zip(self.processes, self.outs, strict=True):
            if out.poll(60):
                reports.append(ClientReport(**out.recv()))
            process.join(10)
            if process.is_alive():
                process.kill()
        return reports


def start_clients(ports: list[int], sessions: list[str], since_seq: int, processes: int) -> Clients:
    context = multiprocessing.get_context("spawn")
    stop = context.Value("q", 0)
    clients = Clients([], [], stop, [])
    share = math.ceil(len(sessions) / processes)
    readies = []
    for index in range(processes):
        mine = sessions[index * share : (index + 1) * share]
        if not mine:
            break
        ready_recv, ready_send = context.Pipe(duplex=False)
        out_recv, out_send = context.Pipe(duplex=False)
        low = context.Value("q", since_seq)
        process = context.Process(
            target=client_worker,
            args=(ports, mine, since_seq, ready_send, low, stop, out_send),
            daemon=True,
        )
        process.start()
        clients.processes.append(process)
        clients.lows.append(low)
        clients.outs.append(out_recv)
        readies.append(ready_recv)
    for ready in readies:
        if not ready.poll(120):
            clients.finish()
            raise RuntimeError("the clients did not connect within 120 s")
        ready.recv()
    return clients


# ----- publishing ---------------------------------------------------------------------------------------


async def paced_publishes(
    port: int, accounts: list[str], rate: float, seconds: float, first_number: int
) -> tuple[dict[str, int], int]:
    """Publish tasks at a fixed rate (open loop); returns (task_id -> send time ns, failed writes)."""
    connections = await open_connections(port, 16)
    idle: asyncio.Queue[HttpConnection] = asyncio.Queue()
    for connection in connections:
        idle.put_nowait(connection)
    sent_at: dict[str, int] = {}
    failed = [0]

    async def publish(number: int) -> None:
        raw = rpc_request(
            port,
            "ai_publish_task",
            {"task_data": task_data(number), "from": accounts[number % len(accounts)]},
        )
        connection = await idle.get()
        try:
            status, body = await connection.request(raw)
        finally:
            idle.put_nowait(connection)
        if is_error(status, body):
            failed[0] += 1
        else:
            sent_at[json.loads(body)["result"]["task_id"]] = connection.sent_ns

    loop = asyncio.get_running_loop()
    start = loop.time()
    pending = []
    for index in range(max(1, round(rate * seconds))):
        delay = start + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(asyncio.create_task(publish(first_number + index)))
    await asyncio.gather(*pending)
    for connection in connections:
        connection.close()
    return sent_at, failed[0]


def wait_until(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


# ----- one layer ----------------------------------------------------------------------------------------


@dataclass
class Phase:
    layer: str
    clients: int
    rate: float
    first_seq: int
    last_seq: int
    sent_at: dict[str, int]
    failed_writes: int
    seconds: float
    drained: bool
    usage: dict[str, float]


@dataclass
class Options:
    layers: list[str]
    clients: list[int]
    rates: list[float]
    seconds: float
    daphnes: int
    server: str
    client_processes: int
    capacity: int | None
    py_spy: Path | None


def run_layer(
    layer: str, options: Options, base: Stack, node: DevnodeProcess, sessions: list[str], redis_pid: int
) -> list[dict[str, Any]]:
    extra = {"CHANNEL_LAYER": layer}
    if options.capacity:
        extra["CHANNEL_LAYER_CAPACITY"] = str(options.capacity)
    stack = dataclasses.replace(base, extra_env=extra)
    import redis

    redis.Redis.from_url(stack.redis_url).flushdb()
    relay = relay_process(stack, f"relay-{layer}")
    webs = [
        web_process(stack, options.server, f"{options.server}-{layer}-{i}") for i in range(options.daphnes)
    ]
    accounts = [item["address"] for item in rpc(node.port, "dev_accounts")]
    number = 0  # task_data(n) numbers the title; the reward grows with n, so it stays small
    rows: list[dict[str, Any]] = []
    with started(relay, *webs):
        relay.wait_for_log("this relay is now the active one")
        assert relay.proc is not None
        pids = {
            "relay": [relay.proc.pid],
            "daphne": [web.proc.pid for web in webs if web.proc],
            "redis": [redis_pid],
            "node": [node.proc.pid] if node.proc else [],
        }
        for count in options.clients:
            head = last_stored(stack)
            processes = 1 if count == 1 else options.client_processes
            clients = start_clients([web.port for web in webs], sessions[:count], head, processes)
            phases: list[Phase] = []
            try:
                # A few events first: connections, caches and the layer's subscriptions warm up.
                _, _ = asyncio.run(paced_publishes(node.port, accounts, 10, WARMUP_EVENTS / 10, number))
                number += WARMUP_EVENTS
                settle(stack, node, clients, 20)
                for rate in options.rates:
                    first = last_stored(stack) + 1
                    meter = Meter({**pids, "clients": clients.pids})
                    label = f"{layer}-{count}-{rate:g}"
                    spy = {"relay": relay.proc.pid, **{f"daphne{i}": p for i, p in enumerate(pids["daphne"])}}
                    with sampled(options.py_spy, label, spy, options.seconds):
                        meter.start()
                        sent_at, failed = asyncio.run(
                            paced_publishes(node.port, accounts, rate, options.seconds, number)
                        )
                        drained = settle(stack, node, clients, 30)
                        usage = meter.stop()
                    number += len(sent_at) + failed
                    elapsed = time.monotonic() - meter.started
                    phases.append(
                        Phase(
                            layer,
                            count,
                            rate,
                            first,
                            last_stored(stack),
                            sent_at,
                            failed,
                            elapsed,
                            drained,
                            usage,
                        )
                    )
                    print(
                        f"  {label}: published {len(sent_at)} ({failed} failed), drained={drained}",
                        flush=True,
                    )
            finally:
                reports = clients.finish()
            rows += summarise(stack, head, phases, reports, count)
            for row in rows[-len(phases) :]:
                print_row(row)
        check_relay(stack, node)
    return rows


def web_process(stack: Stack, server: str, name: str) -> DaphneProcess:
    """daphne, as deployed; or uvicorn on uvloop with the websockets library (the step past daphne)."""
    if server == "daphne":
        return daphne_process(stack, name=name)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
    ]
    command += ["--ws", "websockets", "--no-access-log", "--log-level", "warning", "tosweb.asgi:application"]
    return DaphneProcess(name, command, stack, stack.run_dir / f"{name}.log", port=port)


def last_stored(stack: Stack) -> int:
    return int(str(stack.query("SELECT COALESCE(MAX(seq), 0) FROM dashboard_nodeevent")[0][0]))


def settle(stack: Stack, node: DevnodeProcess, clients: Clients, timeout: float) -> bool:
    """Wait until the relay stored the node's head and every client has received it."""
    head = int(rpc(node.port, "get_info")["head_seq"])
    deadline = time.monotonic() + timeout
    stored = wait_until(lambda: last_stored(stack) >= head, timeout)
    return stored and wait_until(lambda: clients.low() >= head, max(0.1, deadline - time.monotonic()))


def check_relay(stack: Stack, node: DevnodeProcess) -> None:
    head = int(rpc(node.port, "get_info")["head_seq"])
    stored = stack.stored_seqs()
    if stored != list(range(stored[0], head + 1)) if stored else head != 0:
        raise AssertionError(f"the relay stored {len(stored)} seqs, the node's head is {head}")


def summarise(
    stack: Stack, head: int, phases: list[Phase], reports: list[ClientReport], count: int
) -> list[dict[str, Any]]:
    """Per phase: latency percentiles, deliveries/s and loss, plus exactly-once-in-order per client."""
    events = stack.query(
        "SELECT seq, task_id, name FROM dashboard_nodeevent WHERE seq > ? ORDER BY seq", head
    )
    task_of = {int(str(seq)): str(task_id) for seq, task_id, _ in events}
    expected = [int(str(seq)) for seq, _, _ in events]  # the bench only makes task_published: all public
    in_order = 0
    problems: list[str] = []
    connected = 0
    # Missing events are `lost` when a later one arrived (a gap: the layer dropped it) and `late` when
    # the client had not got that far when the drain timed out (still queued somewhere, not dropped).
    gaps: list[int] = []
    late: list[int] = []
    for report in reports:
        problems += report.errors
        for seqs, prevs in zip(report.seqs, report.prevs, strict=True):
            connected += 1
            got = list(seqs)
            chain = [head, *got][: len(got)] == list(prevs)
            if got == expected and chain:
                in_order += 1
                continue
            last, have = (got[-1] if got else head), set(got)
            gaps += [seq for seq in expected if seq < last and seq not in have]
            late += [seq for seq in expected if seq > last]
            if len(problems) < 5:
                problems.append(f"a client got {len(got)} of {len(expected)} events (chain ok: {chain})")
    rows = []
    for phase in phases:
        latencies: list[float] = []
        by_event: dict[int, list[float]] = {}
        deliveries = 0
        for report in reports:
            for seqs, times in zip(report.seqs, report.received_ns, strict=True):
                for seq, received_ns in zip(seqs, times, strict=True):
                    if phase.first_seq <= seq <= phase.last_seq:
                        deliveries += 1
                        sent = phase.sent_at.get(task_of.get(seq, ""))
                        if sent is not None:
                            latencies.append((received_ns - sent) / 1e6)
                            by_event.setdefault(seq - phase.first_seq, []).append(latencies[-1])
        # Where the tail comes from: the events whose slowest delivery was slowest (index in the phase).
        slowest = sorted(by_event.items(), key=lambda item: -max(item[1]))[:3]
        wanted = (phase.last_seq - phase.first_seq + 1) * count
        rows.append(
            {
                "layer": phase.layer,
                "clients": count,
                "connected": connected,
                "rate": phase.rate,
                "events": phase.last_seq - phase.first_seq + 1,
                "deliveries": deliveries,
                "missing": wanted - deliveries,
                "lost": sum(phase.first_seq <= seq <= phase.last_seq for seq in gaps),
                "late": sum(phase.first_seq <= seq <= phase.last_seq for seq in late),
                "deliveries_per_s": round(deliveries / phase.seconds, 1),
                "p50_ms": round(percentile(latencies, 0.50), 1),
                "p90_ms": round(percentile(latencies, 0.90), 1),
                "p99_ms": round(percentile(latencies, 0.99), 1),
                "max_ms": round(max(latencies, default=float("nan")), 1),
                "slowest_events": [
                    f"#{index}: p50 {percentile(times, 0.5):.0f} ms, max {max(times):.0f} ms"
                    for index, times in slowest
                ],
                "failed_writes": phase.failed_writes,
                "drained": phase.drained,
                "clients_exact_in_order": f"{in_order}/{count}",
                **phase.usage,
                "problems": problems[:5],
            }
        )
    return rows


COLUMNS = [
    "layer",
    "clients",
    "rate",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "max_ms",
    "deliveries_per_s",
    "lost",
    "late",
    "relay_cpu",
    "relay_rss_mb",
    "daphne_cpu",
    "daphne_rss_mb",
    "redis_cpu",
    "clients_cpu",
    "other_cpu",
]


def print_row(row: dict[str, Any]) -> None:
    print("  " + " ".join(f"{name}={row[name]}" for name in COLUMNS), flush=True)
    print(
        f"    every event once, in order, chained: {row['clients_exact_in_order']}; drained: {row['drained']}"
    )
    print(f"    slowest events: {'; '.join(row['slowest_events'])}")
    for problem in row["problems"]:
        print(f"    ! {problem}")


def print_table(rows: list[dict[str, Any]]) -> None:
    print()
    print(
        "| layer | clients | events/s | p50 ms | p99 ms | deliveries/s | lost | late | relay CPU / RSS MB "
        "| daphne CPU / RSS MB | redis CPU | clients CPU | other CPU | met |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        met = row["p99_ms"] <= TARGET_P99_MS and row["missing"] == 0 and row["drained"]
        print(
            f"| {row['layer']} | {row['clients']:,} | {row['rate']:g} | {row['p50_ms']} | {row['p99_ms']} "
            f"| {row['deliveries_per_s']:,.0f} | {row['lost']} | {row['late']} | {row['relay_cpu']} / {row['relay_rss_mb']:.0f} "
            f"| {row['daphne_cpu']} / {row['daphne_rss_mb']:.0f} | {row['redis_cpu']} | {row['clients_cpu']} "
            f"| {row['other_cpu']} | {'yes' if met else 'no'} |"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="the settings' layer, N = 1 and 1,000 at 10/s, 4 s phases"
    )
    parser.add_argument("--layers", default="core,pubsub", help="comma-separated: core, pubsub")
    parser.add_argument("--clients", default="1,100,1000", help="comma-separated client counts")
    parser.add_argument("--rates", default="10,50", help="comma-separated events per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="publishing time per phase")
    parser.add_argument("--daphnes", type=int, default=1, help="web server processes (clients alternate)")
    parser.add_argument("--server", choices=("daphne", "uvicorn"), default="daphne")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--capacity", type=int, help="CHANNEL_LAYER_CAPACITY for the core layer")
    parser.add_argument("--py-spy", type=Path, help="record py-spy raw stacks of relay and daphne here")
    parser.add_argument("--json", type=Path, help="write the rows here")
    args = parser.parse_args(argv)
    options = Options(
        layers=args.layers.split(","),
        clients=[int(value) for value in args.clients.split(",")],
        rates=[float(value) for value in args.rates.split(",")],
        seconds=args.seconds,
        daphnes=args.daphnes,
        server=args.server,
        client_processes=args.client_processes,
        capacity=args.capacity,
        py_spy=args.py_spy,
    )
    if args.quick:
        options.layers = [os.environ.get("CHANNEL_LAYER", "pubsub")]  # the settings default
        options.clients, options.rates, options.seconds = [1, 1000], [10.0], 4.0
    print(json.dumps(machine()), flush=True)
    began = time.monotonic()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="relay-bench-") as temp:
        workdir = Path(temp)
        with (
            run_redis(workdir / "redis") as redis_url,
            run_devnode(workdir, persistent=True, block_time=1.0, extra_args=["--no-rate-limits"]) as node,
        ):
            import redis

            redis_pid = int(redis.Redis.from_url(redis_url).info()["process_id"])
            stack = make_stack(workdir, redis_url, node.url)
            sessions = make_sessions(stack, max(options.clients))
            for layer in options.layers:
                print(f"layer {layer}: {options.daphnes} {options.server}, 1 relay", flush=True)
                rows += run_layer(layer, options, stack, node, sessions, redis_pid)
    print_table(rows)
    print(f"\n{time.monotonic() - began:.0f} s in all")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
