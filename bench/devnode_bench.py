"""Load benchmark of the devnode: point reads, the active-task list, writes, and WebSocket event fan-out.

Run it as `.venv/bin/python bench/devnode_bench.py [--quick] [--json out.json]`. It starts its own devnode
(`python -m devnode`, a persistent WAL SQLite state file in a temp dir, `--no-rate-limits`) on a free
loopback port, drives it from this process (and, for the WebSocket phase, from subscriber worker
processes), then stops it and reads the SQLite file back to prove every write was committed.

Why not httpx for the load: one httpx.AsyncClient with 50 requests in flight managed ~190 req/s on this
machine at 0.8 of a core (its connection pool), so it would measure the client. The load comes from a small keep-alive HTTP/1.1 client on a raw
asyncio.Protocol (one connection per simulated client); its CPU is printed beside every figure so a
reader can see that the node, not the client, is the limit.

Latency of an event = the time a subscriber process reads it off its socket minus the time the writer
process put the write that caused it on the wire. Both are `time.monotonic_ns()`, i.e. CLOCK_MONOTONIC,
one clock for every process on a Linux machine. The event's own `timestamp` is whole Unix seconds, far
too coarse for a 50 ms target.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import itertools
import json
import multiprocessing
import os
import platform
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# ----- targets ------------------------------------------------------------------------------------------

TARGET_POINT_READS = 2000.0  # req/s
TARGET_LIST = 500.0  # req/s
TARGET_WRITES = 300.0  # writes/s
TARGET_EVENT_P99_MS = 50.0


@dataclass
class Profile:
    """How long each phase runs; `--quick` shortens everything but keeps the 1,000 tasks."""

    read_seconds: float
    warmup_seconds: float
    write_seconds: float
    event_seconds: float
    tasks: int = 1000
    clients: int = 50
    subscribers: int = 100
    subscriber_processes: int = 2
    event_rate: float = 200.0


FULL = Profile(read_seconds=10.0, warmup_seconds=1.0, write_seconds=10.0, event_seconds=15.0)
QUICK = Profile(read_seconds=2.0, warmup_seconds=0.5, write_seconds=2.0, event_seconds=3.0)


# ----- the node process ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class NodeProcess:
    """A devnode for the benchmark (like tests/support/devnode.py, plus a choice of interpreter)."""

    workdir: Path
    python: str
    block_time: float
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def state_file(self) -> Path:
        return self.workdir / "devnode.db"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 30.0) -> None:
        args = [self.python, "-m", "devnode", "--host", "127.0.0.1", "--port", str(self.port)]
        args += ["--state-file", str(self.state_file), "--block-time", str(self.block_time)]
        args += ["--no-rate-limits"]
        log = open(self.workdir / "devnode.log", "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"devnode exited with {self.proc.returncode}; see {self.workdir}/devnode.log"
                )
            with contextlib.suppress(OSError, ValueError, KeyError):
                rpc(self.port, "get_version")
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"devnode did not answer within {timeout}s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def cpu_seconds(self) -> float:
        """User + system CPU the node has used so far (from /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rpc(port: int, method: str, params: object = None) -> Any:
    """A blocking JSON-RPC call for setup and checks (not for load)."""
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        body["params"] = params
    payload = json.dumps(body).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(http_post(port, payload, keep_alive=False))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    raw = b"".join(chunks)
    reply = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    if "error" in reply:
        raise RuntimeError(f"{method} failed: {reply['error']}")
    return reply["result"]


# ----- a lean HTTP/1.1 keep-alive client ----------------------------------------------------------------


def http_post(port: int, body: bytes, *, keep_alive: bool = True) -> bytes:
    connection = b"keep-alive" if keep_alive else b"close"
    return (
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
        b"Connection: %s\r\nContent-Length: %d\r\n\r\n%s" % (port, connection, len(body), body)
    )


def rpc_request(port: int, method: str, params: object) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, separators=(",", ":"))
    return http_post(port, body.encode())


class HttpConnection(asyncio.Protocol):
    """One keep-alive connection, one request in flight; replies must carry Content-Length."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.body_start = -1
        self.body_length = 0
        self.status = 0
        self.sent_ns = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.body_start < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            self.status = int(head[9:12])
            marker = head.find(b"content-length:")
            if marker < 0:
                raise RuntimeError("the benchmark client needs Content-Length replies")
            line_end = head.find(b"\r\n", marker)
            self.body_length = int(head[marker + 15 : line_end if line_end > 0 else len(head)])
            self.body_start = end + 4
        if len(self.buffer) - self.body_start < self.body_length:
            return
        stop = self.body_start + self.body_length
        body = bytes(self.buffer[self.body_start : stop])
        del self.buffer[:stop]
        self.body_start = -1
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((self.status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"connection lost: {exc}"))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.sent_ns = time.monotonic_ns()
        self.transport.write(raw)
        return await self.waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def open_connections(port: int, count: int) -> list[HttpConnection]:
    loop = asyncio.get_running_loop()
    connections = []
    for _ in range(count):
        _, protocol = await loop.create_connection(HttpConnection, "127.0.0.1", port)
        connections.append(protocol)
    return connections


# ----- measuring ----------------------------------------------------------------------------------------


@dataclass
class PhaseResult:
    name: str
    requests: int
    errors: int
    seconds: float
    throughput: float  # per second
    p50_ms: float
    p99_ms: float
    target: str
    met: bool
    node_cpu: float  # share of one core, 1.0 = 100 %
    client_cpu: float  # share of one core, every client process together
    other_cpu: float  # cores busy with anything else on the machine (other people's tests...)
    notes: list[str] = field(default_factory=list)


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine has spent busy since boot (from /proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


@dataclass
class Meter:
    """CPU of the node, of this process and of the whole machine across a measured window."""

    node: NodeProcess
    started: float = 0.0
    node_cpu: float = 0.0
    own_cpu: float = 0.0
    machine_cpu: float = 0.0

    def start(self) -> None:
        self.started = time.monotonic()
        self.node_cpu = self.node.cpu_seconds()
        self.own_cpu = time.process_time()
        self.machine_cpu = machine_busy_seconds()

    def stop(self) -> tuple[float, float, float, float]:
        """(elapsed seconds, node, this process, whole machine), CPU in cores."""
        elapsed = time.monotonic() - self.started
        node = (self.node.cpu_seconds() - self.node_cpu) / elapsed
        own = (time.process_time() - self.own_cpu) / elapsed
        whole = (machine_busy_seconds() - self.machine_cpu) / elapsed
        return elapsed, node, own, whole


def is_error(status: int, body: bytes) -> bool:
    return status != 200 or body.startswith(b'{"jsonrpc":"2.0","id":1,"error"') or b'"error":{"code"' in body


async def closed_loop(
    node: NodeProcess,
    requests: Callable[[int], bytes | None],
    *,
    clients: int,
    seconds: float,
    warmup: float,
    on_reply: Callable[[int, int, bytes], None] | None = None,
) -> tuple[list[float], int, int, float, float, float, float]:
    """`clients` connections each sending its next request as soon as the last is answered.

    `requests(n)` gives the n-th request (None: no more). Returns (latencies in ms, replies, errors,
    measured seconds, node / client / whole-machine CPU in cores), counting only what completes after the warmup.
    """
    connections = await open_connections(node.port, clients)
    counter = itertools.count()
    latencies: list[float] = []
    counts = [0, 0]
    measuring = False
    meter = Meter(node)
    stop_at = time.monotonic() + warmup + seconds

    async def client(connection: HttpConnection) -> None:
        while time.monotonic() < stop_at:
            number = next(counter)
            raw = requests(number)
            if raw is None:
                return
            status, body = await connection.request(raw)
            done = time.monotonic_ns()
            if on_reply is not None:
                on_reply(number, status, body)
            if measuring:
                latencies.append((done - connection.sent_ns) / 1e6)
                counts[0] += 1
                if is_error(status, body):
                    counts[1] += 1

    workers = [asyncio.create_task(client(connection)) for connection in connections]
    if warmup > 0:
        await asyncio.sleep(warmup)
    measuring = True
    meter.start()
    await asyncio.gather(*workers)
    elapsed, node_cpu, own_cpu, machine_cpu = meter.stop()
    for connection in connections:
        connection.close()
    return latencies, counts[0], counts[1], elapsed, node_cpu, own_cpu, machine_cpu


def phase_result(
    name: str,
    measured: tuple[list[float], int, int, float, float, float, float],
    target: float,
    notes: list[str] | None = None,
) -> PhaseResult:
    latencies, replies, errors, elapsed, node_cpu, own_cpu, machine_cpu = measured
    throughput = (replies - errors) / elapsed if elapsed > 0 else 0.0
    return PhaseResult(
        name=name,
        requests=replies,
        errors=errors,
        seconds=round(elapsed, 2),
        throughput=round(throughput, 1),
        p50_ms=round(percentile(latencies, 0.50), 2),
        p99_ms=round(percentile(latencies, 0.99), 2),
        target=f">= {target:,.0f}/s",
        met=throughput >= target and errors == 0,
        node_cpu=round(node_cpu, 2),
        client_cpu=round(own_cpu, 2),
        other_cpu=round(max(0.0, machine_cpu - node_cpu - own_cpu), 2),
        notes=notes or [],
    )


# ----- the phases ---------------------------------------------------------------------------------------


def task_data(number: int) -> dict[str, Any]:
    """A realistic task: Beginner or Intermediate, a long deadline, mixed task types."""
    intermediate = number % 2 == 1
    reward = 20 * 10**9 + number * 1000 if intermediate else 6 * 10**9 + number * 1000
    task_types: list[Any] = [
        {"CodeAnalysis": {"language": "rust"}},
        {"DataAnalysis": {"data_type": "TimeSeries"}},
        {"SecurityAudit": {"scope": "SmartContract"}},
        "GeneralTask",
    ]
    return {
        "title": f"Benchmark task {number}",
        "description": f"Review module {number} of the benchmark corpus and report every defect found.",
        "task_type": task_types[number % len(task_types)],
        "difficulty_level": "Intermediate" if intermediate else "Beginner",
        "reward_amount": str(reward),
        "deadline_hours": 24 * 60,
        "max_participants": 10,
    }


async def publish_tasks(
    node: NodeProcess, accounts: list[str], profile: Profile
) -> tuple[PhaseResult, dict[str, str]]:
    """Publish the tasks the reads need, 50 clients at once: this is also the first write figure."""
    bodies = [
        rpc_request(
            node.port, "ai_publish_task", {"task_data": task_data(n), "from": accounts[n % len(accounts)]}
        )
        for n in range(profile.tasks)
    ]
    publishers: dict[str, str] = {}  # task_id -> publisher

    def collect(number: int, status: int, body: bytes) -> None:
        if not is_error(status, body):
            publishers[json.loads(body)["result"]["task_id"]] = accounts[number % len(accounts)]

    measured = await closed_loop(
        node,
        lambda n: bodies[n] if n < len(bodies) else None,
        clients=profile.clients,
        seconds=3600,
        warmup=0,
        on_reply=collect,
    )
    result = phase_result(
        f"write ai_publish_task ({profile.tasks:,} tasks)",
        measured,
        TARGET_WRITES,
        ["unsigned, from 10 dev accounts; 1 commit + 1 event each"],
    )
    return result, publishers


async def point_reads(
    node: NodeProcess, method: str, params: list[dict[str, Any]], profile: Profile
) -> PhaseResult:
    bodies = [rpc_request(node.port, method, item) for item in params]
    random.Random(7).shuffle(bodies)
    measured = await closed_loop(
        node,
        lambda n: bodies[n % len(bodies)],
        clients=profile.clients,
        seconds=profile.read_seconds,
        warmup=profile.warmup_seconds,
    )
    return phase_result(f"read {method}", measured, TARGET_POINT_READS)


async def list_reads(node: NodeProcess, profile: Profile) -> PhaseResult:
    pages = max(1, profile.tasks // 50)
    bodies = [
        rpc_request(node.port, "ai_list_active_tasks", {"limit": 50, "offset": 50 * page})
        for page in range(pages)
    ]
    measured = await closed_loop(
        node,
        lambda n: bodies[n % len(bodies)],
        clients=profile.clients,
        seconds=profile.read_seconds,
        warmup=profile.warmup_seconds,
    )
    return phase_result(
        f"read ai_list_active_tasks limit 50 ({profile.tasks:,} active)",
        measured,
        TARGET_LIST,
        [f"offset cycles over all {pages} pages, default sort (created_at desc)"],
    )


async def participate_writes(
    node: NodeProcess, accounts: list[str], task_ids: list[str], publishers: dict[str, str], profile: Profile
) -> tuple[PhaseResult, int]:
    # Every (task, dev account) pair once, never the publisher; consecutive writes touch different tasks.
    pairs = [
        (task_id, account) for account in accounts for task_id in task_ids if publishers[task_id] != account
    ]
    bodies = [
        rpc_request(node.port, "ai_participate_task", {"task_id": task_id, "from": account})
        for task_id, account in pairs
    ]
    successes = [0]

    def count(number: int, status: int, body: bytes) -> None:
        if not is_error(status, body):
            successes[0] += 1

    measured = await closed_loop(
        node,
        lambda n: bodies[n] if n < len(bodies) else None,
        clients=profile.clients,
        seconds=profile.write_seconds,
        warmup=profile.warmup_seconds,
        on_reply=count,
    )
    notes = ["unsigned, from 10 dev accounts; stake locked, 1 commit + 1-2 events each"]
    if measured[1] + successes[0] >= len(bodies):
        notes.append(f"ran out of (task, account) pairs ({len(bodies):,})")
    return phase_result("write ai_participate_task", measured, TARGET_WRITES, notes), successes[0]


# ----- the WebSocket phase ------------------------------------------------------------------------------


@dataclass
class SubscriberReport:
    head_seqs: list[int]
    seqs: list[array.array[int]]  # per connection, in the order received
    received_ns: list[array.array[int]]
    task_of_seq: dict[int, str]  # from the first connection
    cpu_seconds: float
    errors: list[str]


def subscriber_worker(
    port: int,
    count: int,
    ready: Connection,
    target: Synchronized[int],
    stop: Synchronized[int],
    out: Connection,
) -> None:
    """A process holding `count` subscribers; reports what each received and when."""
    report = asyncio.run(_subscribe_all(port, count, ready, target, stop))
    out.send(asdict(report))  # plain data: classes of a spawned __main__ do not unpickle by name
    out.close()


async def _subscribe_all(
    port: int, count: int, ready: Connection, target: Synchronized[int], stop: Synchronized[int]
) -> SubscriberReport:
    from websockets.asyncio.client import connect

    started_cpu = time.process_time()
    sockets = []
    head_seqs = []
    for _ in range(count):
        ws = await connect(f"ws://127.0.0.1:{port}/ai/ws", max_queue=None, compression=None)
        await ws.send(
            json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": {"events": "*"}})
        )
        reply = json.loads(await ws.recv())
        head_seqs.append(int(reply["result"]["head_seq"]))
        sockets.append(ws)
    seqs = [array.array("q") for _ in sockets]
    received = [array.array("q") for _ in sockets]
    first_texts: list[str] = []
    errors: list[str] = []
    ready.send("ready")

    async def listen(index: int) -> None:
        ws = sockets[index]
        got_seq, got_ns = seqs[index].append, received[index].append
        try:
            async for message in ws:
                now = time.monotonic_ns()
                text = message if isinstance(message, str) else message.decode()
                start = text.find('"seq":') + 6
                got_seq(int(text[start : text.find(",", start)]))
                got_ns(now)
                if index == 0:
                    first_texts.append(text)
        except Exception as error:  # a dropped subscriber is a finding, not a crash of the benchmark
            errors.append(f"subscriber {index}: {error!r}")

    async def watch() -> None:
        # Close every socket once all have the last event (or the writer gave up waiting).
        while not stop.value:
            wanted = target.value
            if wanted and all(items and items[-1] >= wanted for items in seqs):
                break
            await asyncio.sleep(0.02)
        for ws in sockets:
            await ws.close()

    await asyncio.gather(watch(), *(listen(index) for index in range(len(sockets))))
    task_of_seq = {}
    for text in first_texts:
        event = json.loads(text)
        task_of_seq[int(event["seq"])] = str(event["data"].get("task_id"))
    return SubscriberReport(head_seqs, seqs, received, task_of_seq, time.process_time() - started_cpu, errors)


async def paced_publishes(
    node: NodeProcess, accounts: list[str], rate: float, seconds: float, first_number: int
) -> tuple[dict[str, int], int, int, float]:
    """Publish at a fixed rate (open loop); returns (task_id -> send time ns, replies, errors, own CPU s)."""
    connections = await open_connections(node.port, 32)
    idle: asyncio.Queue[HttpConnection] = asyncio.Queue()
    for connection in connections:
        idle.put_nowait(connection)
    sent_at: dict[str, int] = {}
    counts = [0, 0]
    total = int(rate * seconds)
    cpu = time.process_time()

    async def publish(number: int) -> None:
        raw = rpc_request(
            node.port,
            "ai_publish_task",
            {"task_data": task_data(number), "from": accounts[number % len(accounts)]},
        )
        connection = await idle.get()
        try:
            status, body = await connection.request(raw)
        finally:
            idle.put_nowait(connection)
        counts[0] += 1
        if is_error(status, body):
            counts[1] += 1
            return
        sent_at[json.loads(body)["result"]["task_id"]] = connection.sent_ns

    loop = asyncio.get_running_loop()
    start = loop.time()
    pending = []
    for index in range(total):
        delay = start + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(asyncio.create_task(publish(first_number + index)))
    await asyncio.gather(*pending)
    for connection in connections:
        connection.close()
    return sent_at, counts[0], counts[1], time.process_time() - cpu


def event_phase(
    node: NodeProcess, accounts: list[str], profile: Profile, first_number: int
) -> tuple[PhaseResult, int]:
    """Paced writes fanned out to subscriber processes; returns the result and the tasks it published."""
    context = multiprocessing.get_context("spawn")
    target = context.Value("q", 0)
    stop = context.Value("q", 0)
    per_process = profile.subscribers // profile.subscriber_processes
    workers = []
    for index in range(profile.subscriber_processes):
        count = (
            per_process
            if index < profile.subscriber_processes - 1
            else profile.subscribers - per_process * index
        )
        ready_recv, ready_send = context.Pipe(duplex=False)
        out_recv, out_send = context.Pipe(duplex=False)
        process = context.Process(
            target=subscriber_worker, args=(node.port, count, ready_send, target, stop, out_send), daemon=True
        )
        process.start()
        workers.append((process, ready_recv, out_recv))
    for _, ready_recv, _ in workers:
        if not ready_recv.poll(60):
            raise RuntimeError("subscriber processes did not connect within 60 s")
        ready_recv.recv()

    meter = Meter(node)
    meter.start()
    sent_at, replies, errors, writer_cpu = asyncio.run(
        paced_publishes(node, accounts, profile.event_rate, profile.event_seconds, first_number)
    )
    final_head = int(rpc(node.port, "get_info")["head_seq"])
    target.value = final_head
    drain_deadline = time.monotonic() + 10
    reports: list[SubscriberReport] = []
    for process, _, out_recv in workers:
        if not out_recv.poll(max(0.1, drain_deadline - time.monotonic())):
            stop.value = 1
            out_recv.poll(10)
        reports.append(SubscriberReport(**out_recv.recv()))
        process.join(10)
    elapsed, node_cpu, _, machine_cpu = meter.stop()

    # Exactly once, in order: each subscriber's seqs are head+1 .. final_head with no gap and no repeat.
    task_of_seq: dict[int, str] = {}
    latencies: list[float] = []
    subscribers = 0
    complete = 0
    problems: list[str] = []
    for report in reports:
        task_of_seq.update(report.task_of_seq)
        problems += report.errors
    for report in reports:
        for head, seqs, times in zip(report.head_seqs, report.seqs, report.received_ns, strict=True):
            subscribers += 1
            expected = list(range(head + 1, final_head + 1))
            if list(seqs) == expected:
                complete += 1
            else:
                problems.append(
                    f"subscriber from seq {head}: got {len(seqs)} events, expected {len(expected)} "
                    f"(first {list(seqs[:3])}, last {list(seqs[-3:])})"
                )
            for seq, received_ns in zip(seqs, times, strict=True):
                sent = sent_at.get(task_of_seq.get(seq, ""))
                if sent is not None:
                    latencies.append((received_ns - sent) / 1e6)
    subscriber_cpu = sum(report.cpu_seconds for report in reports)
    events = final_head - min((head for report in reports for head in report.head_seqs), default=final_head)
    p99 = percentile(latencies, 0.99)
    notes = [
        f"{replies:,} paced ai_publish_task writes at {profile.event_rate:.0f}/s, 1 task_published event each "
        f"({errors} write errors); {events:,} events x {subscribers} subscribers = {len(latencies):,} deliveries timed",
        f"every event exactly once and in order: {complete}/{subscribers} subscribers",
        f"client CPU: writer {writer_cpu / elapsed:.2f} core, {profile.subscriber_processes} subscriber "
        f"processes {subscriber_cpu / elapsed:.2f} core (includes connecting)",
        *problems[:5],
    ]
    result = PhaseResult(
        name=f"events to {subscribers} WebSocket subscribers at {profile.event_rate:.0f}/s",
        requests=len(latencies),
        errors=errors + (subscribers - complete),
        seconds=round(elapsed, 2),
        throughput=round(len(latencies) / elapsed, 1),
        p50_ms=round(percentile(latencies, 0.50), 2),
        p99_ms=round(p99, 2),
        target=f"p99 <= {TARGET_EVENT_P99_MS:.0f} ms",
        met=p99 <= TARGET_EVENT_P99_MS and complete == subscribers == profile.subscribers and errors == 0,
        node_cpu=round(node_cpu, 2),
        client_cpu=round((writer_cpu + subscriber_cpu) / elapsed, 2),
        other_cpu=round(max(0.0, machine_cpu - node_cpu - (writer_cpu + subscriber_cpu) / elapsed), 2),
        notes=notes,
    )
    return result, len(sent_at)


# ----- checking the state file --------------------------------------------------------------------------


def check_state_file(path: Path, tasks: int, participations: int, head_seq: int) -> list[str]:
    """After the node stopped: every acknowledged write is in the SQLite file."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [json.loads(row[0]) for row in db.execute("SELECT data FROM tasks")]
        stored_events = db.execute("SELECT COUNT(*), MAX(seq) FROM events").fetchone()
    finally:
        db.close()
    stored_participations = sum(len(row.get("participants", [])) for row in rows)
    problems = []
    if len(rows) != tasks:
        problems.append(f"{len(rows)} tasks in the state file, {tasks} acknowledged")
    if stored_participations != participations:
        problems.append(f"{stored_participations} participations stored, {participations} acknowledged")
    if stored_events[1] != head_seq:
        problems.append(f"last stored event seq {stored_events[1]}, node said {head_seq}")
    return problems


# ----- running and reporting ----------------------------------------------------------------------------


def heavy_client(port: int, heavy: bytes, seconds: float, out: Connection) -> None:
    """Worker process: send `heavy` back to back for `seconds`; report (seconds, bytes, requests not run)
    per reply (-1: the node refused the whole batch)."""

    async def amplify() -> list[tuple[float, int, int]]:
        (big,) = await open_connections(port, 1)
        replies: list[tuple[float, int, int]] = []
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at:
            status, body = await big.request(heavy)
            not_run = body.count(b'"rule":"max_reply_bytes"') if status == 200 else -1
            replies.append(((time.monotonic_ns() - big.sent_ns) / 1e9, len(body), not_run))
        big.close()
        return replies

    out.send(asyncio.run(amplify()))
    out.close()


POINT_READ_RATE = 200.0  # per second, open loop


async def point_reads_for(
    node: NodeProcess, task_ids: list[str], seconds: float
) -> tuple[list[float], float, float]:
    """A second client's point reads, paced at POINT_READ_RATE whatever the node does (open loop).

    Latency runs from when a read was due, not from when a connection was free to send it, so a stall
    counts once for every read it delays (a closed loop would count it once in all). Returns latencies
    in ms, node CPU and machine CPU.
    """
    connections = await open_connections(node.port, 20)
    idle: asyncio.Queue[HttpConnection] = asyncio.Queue()
    for connection in connections:
        idle.put_nowait(connection)
    bodies = [rpc_request(node.port, "ai_get_task_details", {"task_id": task_id}) for task_id in task_ids]
    latencies: list[float] = []
    meter = Meter(node)
    meter.start()

    async def read(number: int, due_ns: int) -> None:
        connection = await idle.get()
        try:
            status, body = await connection.request(bodies[number % len(bodies)])
        finally:
            idle.put_nowait(connection)
        latencies.append((time.monotonic_ns() - due_ns) / 1e6)
        if is_error(status, body):
            raise RuntimeError(f"a point read failed: {body[:200]!r}")

    start_ns = time.monotonic_ns()
    pending = []
    for number in range(int(POINT_READ_RATE * seconds)):
        due_ns = start_ns + int(number * 1e9 / POINT_READ_RATE)
        delay = (due_ns - time.monotonic_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(asyncio.create_task(read(number, due_ns)))
    await asyncio.gather(*pending)
    _, node_cpu, _, machine_cpu = meter.stop()
    for connection in connections:
        connection.close()
    return latencies, node_cpu, machine_cpu


def amplification_phase(node: NodeProcess, task_ids: list[str], batch: int, seconds: float) -> dict[str, Any]:
    """p99 of a second client's point reads, alone and while one client sends the largest batches."""
    heavy_body = json.dumps(
        [{"jsonrpc": "2.0", "id": index, "method": "get_ai_mining_state"} for index in range(batch)],
        separators=(",", ":"),
    ).encode()
    heavy = http_post(node.port, heavy_body)
    report: dict[str, Any] = {"batch": batch, "request_bytes": len(heavy_body)}
    for label, load in (("alone", None), ("beside_batches", heavy)):
        # The batches come from another process, so reading their big replies costs this one nothing.
        worker, receiver = None, None
        if load is not None:
            receiver, sender = multiprocessing.Pipe(duplex=False)
            worker = multiprocessing.Process(
                target=heavy_client, args=(node.port, load, seconds + 0.5, sender)
            )
            worker.start()
            time.sleep(0.5)  # the first batch is under way
        latencies, node_cpu, machine_cpu = asyncio.run(point_reads_for(node, task_ids, seconds))
        replies: list[tuple[float, int, int]] = []
        if worker is not None and receiver is not None:
            replies = receiver.recv()
            worker.join(timeout=120)
        report[label] = {
            "reads": len(latencies),
            "p50_ms": round(percentile(latencies, 0.50), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2),
            "max_ms": round(max(latencies, default=float("nan")), 2),
            "node_cpu": round(node_cpu, 2),
            "other_cpu": round(max(0.0, machine_cpu - node_cpu), 2),  # includes both clients
        }
        if load is not None:
            report[label]["batches"] = len(replies)
            report[label]["reply_mb"] = [round(size / 1e6, 1) for _, size, _ in replies[:5]]
            report[label]["reply_seconds"] = [round(spent, 2) for spent, _, _ in replies[:5]]
            report[label]["not_run_per_batch"] = [not_run for _, _, not_run in replies[:5]]
    return report


def machine() -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def node_stack(python: str) -> dict[str, str]:
    """Which HTTP parser and event loop uvicorn will pick in the node's interpreter."""
    probe = (
        "import importlib.util as u, json, sqlite3, starlette, uvicorn;"
        "print(json.dumps({'http': 'httptools' if u.find_spec('httptools') else 'h11',"
        "'loop': 'uvloop' if u.find_spec('uvloop') else 'asyncio',"
        "'uvicorn': uvicorn.__version__, 'starlette': starlette.__version__, 'sqlite': sqlite3.sqlite_version}))"
    )
    output = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    stack: dict[str, str] = json.loads(output.stdout)
    return stack


@dataclass
class IdleGate:
    """Other processes on a 2-core machine skew every figure: before a phase, wait (within a total budget)
    until the machine is quiet apart from the node's own block loop."""

    budget: float

    def wait(self) -> None:
        while self.budget > 0:
            before = machine_busy_seconds()
            time.sleep(0.5)
            self.budget -= 0.5
            busy = (machine_busy_seconds() - before) / 0.5
            if busy < 0.25:
                return
        if self.budget <= 0:
            print("the machine is still busy with other work; measuring anyway", file=sys.stderr)
            self.budget = 0


@contextlib.contextmanager
def sampled(node: NodeProcess, out_dir: Path | None, phase: str) -> Iterator[None]:
    """With `--py-spy DIR`: sample the node's stacks during one phase into DIR/<phase>.txt (collapsed)."""
    if out_dir is None:
        yield
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    spy = subprocess.Popen(
        [
            *(str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(node.pid), "--rate", "250"),
            *("--format", "raw", "--nonblocking", "--output", str(out_dir / f"{phase}.txt")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # let it attach
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        spy.wait(timeout=30)


def run_amplification(profile: Profile, python: str, block_time: float, batch: int | None) -> dict[str, Any]:
    """`--only amplification`: publish the tasks, then the batch-amplification phase alone."""
    with tempfile.TemporaryDirectory(prefix="devnode-bench-") as tmp:
        node = NodeProcess(Path(tmp), python, block_time)
        node.start()
        try:
            accounts = [item["address"] for item in rpc(node.port, "dev_accounts")]
            _, publishers = asyncio.run(publish_tasks(node, accounts, profile))
            size = batch or largest_batch(node)
            phase = amplification_phase(node, list(publishers), size, profile.read_seconds)
        finally:
            node.stop()
    return {
        "machine": machine(),
        "node": {**node_stack(python), "block_time": block_time},
        "amplification": phase,
    }


def largest_batch(node: NodeProcess) -> int:
    """The largest batch the node allows: it says so when refusing one larger than that."""
    # 15,000 short requests: more than any batch cap, less than the 1 MiB body cap.
    requests = [{"jsonrpc": "2.0", "id": n, "method": "get_version"} for n in range(15_000)]
    probe = json.dumps(requests, separators=(",", ":")).encode()
    with socket.create_connection(("127.0.0.1", node.port), timeout=30) as sock:
        sock.sendall(http_post(node.port, probe, keep_alive=False))
        raw = b"".join(iter(lambda: sock.recv(65536), b""))
    error = json.loads(raw.split(b"\r\n\r\n", 1)[1])["error"]
    return int(error["data"]["max"])


def run(
    profile: Profile, python: str, block_time: float, py_spy: Path | None = None, wait_idle: float = 0.0
) -> dict[str, Any]:
    results: list[PhaseResult] = []
    gate = IdleGate(wait_idle)
    with tempfile.TemporaryDirectory(prefix="devnode-bench-") as tmp:
        node = NodeProcess(Path(tmp), python, block_time)
        node.start()
        try:
            accounts = [item["address"] for item in rpc(node.port, "dev_accounts")]
            gate.wait()
            with sampled(node, py_spy, "publish"):
                publish, publishers = asyncio.run(publish_tasks(node, accounts, profile))
            results.append(publish)
            task_ids = list(publishers)
            gate.wait()
            with sampled(node, py_spy, "amplification"):
                amplification = amplification_phase(node, task_ids, largest_batch(node), profile.read_seconds)
            details = [{"task_id": task_id} for task_id in task_ids]
            gate.wait()
            with sampled(node, py_spy, "task_details"):
                results.append(asyncio.run(point_reads(node, "ai_get_task_details", details, profile)))
            balances = [{"address": address} for address in accounts]
            gate.wait()
            with sampled(node, py_spy, "balance"):
                results.append(asyncio.run(point_reads(node, "get_balance", balances, profile)))
            gate.wait()
            with sampled(node, py_spy, "list"):
                results.append(asyncio.run(list_reads(node, profile)))
            gate.wait()
            with sampled(node, py_spy, "participate"):
                participate, participations = asyncio.run(
                    participate_writes(node, accounts, task_ids, publishers, profile)
                )
            results.append(participate)
            gate.wait()
            with sampled(node, py_spy, "events"):
                events, event_tasks = event_phase(node, accounts, profile, first_number=profile.tasks)
            results.append(events)
            head_seq = int(rpc(node.port, "get_info")["head_seq"])
            tasks_total = len(publishers) + event_tasks
        finally:
            node.stop()
        problems = check_state_file(node.state_file, tasks_total, participations, head_seq)
        log_tail = (Path(tmp) / "devnode.log").read_text(errors="replace")[-2000:]
    errors_in_log = [line for line in log_tail.splitlines() if "ERROR" in line or "Traceback" in line]
    return {
        "machine": machine(),
        "node": {
            **node_stack(python),
            "block_time": block_time,
            "state": "WAL SQLite file, --no-rate-limits",
        },
        "client": "raw asyncio HTTP/1.1 keep-alive (1 process) + websockets subscribers "
        f"({profile.subscriber_processes} processes)",
        "results": [asdict(result) for result in results],
        "amplification": amplification,
        "state_file_check": problems or ["ok: every acknowledged write is in the SQLite file"],
        "node_log_errors": errors_in_log,
    }


def print_table(report: dict[str, Any]) -> None:
    m, n = report["machine"], report["node"]
    print(f"\nmachine: {m['nproc']} x {m['cpu']}, Python {m['python']}")
    print(
        f"node: uvicorn {n['uvicorn']} ({n['http']}, {n['loop']} loop), starlette {n['starlette']}, "
        f"SQLite {n['sqlite']}, block time {n['block_time']} s"
    )
    header = f"{'phase':<58} {'ok/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'target':>14} {'met':>4} {'node':>5} {'client':>6} {'other':>5}"
    print(header)
    print("-" * len(header))
    for row in report["results"]:
        print(
            f"{row['name']:<58} {row['throughput']:>9,.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
            f"{row['target']:>14} {'yes' if row['met'] else 'NO':>4} {row['node_cpu']:>5.2f} {row['client_cpu']:>6.2f} {row['other_cpu']:>5.2f}"
        )
        for note in row["notes"]:
            print(f"    {note}")
        if row["errors"]:
            print(f"    errors: {row['errors']} of {row['requests']}")
    print(
        "(node / client / other: CPU in cores over the measured window, 1.00 = one core busy; "
        "'other' is everything else running on the machine and makes a figure unreliable)"
    )
    print(f"state file: {'; '.join(report['state_file_check'])}")
    if report["node_log_errors"]:
        print("node log errors:", *report["node_log_errors"], sep="\n  ")
    print_amplification(report["amplification"])


def print_amplification(phase: dict[str, Any]) -> None:
    alone, beside = phase["alone"], phase["beside_batches"]
    print(
        f"\nbatch amplification: a second client's ai_get_task_details ({POINT_READ_RATE:.0f}/s, open loop) while "
        f"one client sends batches of {phase['batch']} get_ai_mining_state ({phase['request_bytes']:,} B each)"
    )
    for label, row in (("alone", alone), ("beside the batches", beside)):
        print(
            f"  {label:<20} {row['reads']:>7,} reads  p50 {row['p50_ms']:>8.2f} ms  p99 {row['p99_ms']:>8.2f} ms  "
            f"max {row['max_ms']:>8.2f} ms  node {row['node_cpu']:.2f}  other {row['other_cpu']:.2f}"
        )
    print(
        f"  batches answered: {beside['batches']}; first replies {beside['reply_mb']} MB "
        f"in {beside['reply_seconds']} s, requests not run {beside['not_run_per_batch']}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="short phases (about 30 s in all)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--node-python", default=sys.executable, help="interpreter that runs the devnode (default: this one)"
    )
    parser.add_argument("--block-time", type=float, default=1.0, help="the node's --block-time (default 1.0)")
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="sample the node with py-spy, one collapsed-stack file per phase",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each phase wait for the machine to be idle (< 0.25 core busy), at most SECONDS in all",
    )
    parser.add_argument(
        "--only",
        choices=["amplification"],
        help="publish the tasks, then run only this phase",
    )
    parser.add_argument(
        "--batch", type=int, help="batch length for the amplification phase (default: the largest allowed)"
    )
    args = parser.parse_args(argv)
    profile = QUICK if args.quick else FULL
    started = time.monotonic()
    if args.only == "amplification":
        report = run_amplification(profile, args.node_python, args.block_time, args.batch)
        print_amplification(report["amplification"])
        print(f"wall time {round(time.monotonic() - started, 1)} s")
        if args.json:
            args.json.write_text(json.dumps(report, indent=2) + "\n")
        return
    report = run(profile, args.node_python, args.block_time, args.py_spy, args.wait_idle)
    report["wall_seconds"] = round(time.monotonic() - started, 1)
    report["mode"] = "quick" if args.quick else "full"
    print_table(report)
    print(f"wall time {report['wall_seconds']} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
