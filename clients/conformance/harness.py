"""Run every client's tests against one real devnode, with a control endpoint to restart or reset it.

    .venv/bin/python clients/conformance/harness.py                 # every client under clients/*/
    .venv/bin/python clients/conformance/harness.py --client go     # one (repeat --client for more)
    .venv/bin/python clients/conformance/harness.py -- go test ./... # any command, with the node's env

A client takes part by shipping `clients/<name>/conformance.json`:

    {"name": "go", "requires": ["go"], "setup": [["go", "vet", "./..."]], "test": [["go", "test", "./..."]]}

Commands run in that folder, one after the other; `{python}` is replaced by this interpreter and `{root}`
by the repository root. Each gets in its environment:

- `TOS_NODE_URL`, `TOS_NODE_WS_URL`: the devnode (dev mode, no rate limits, a state file, 0.2 s blocks,
  `--check-replies`: a reply that does not match its published schema fails the run);
- `TOS_CONFORMANCE_CONTROL`: an HTTP endpoint that can restart the node (`POST /restart`, state kept),
  reset it (`POST /reset`: a new chain with a new chain id), stop it (`POST /stop`) and start it again
  (`POST /start`); `GET /node` describes it. Every POST answers once the node is up (or down) again;
- `TOS_CONFORMANCE_DIR`: this folder (vectors/, scenario.json);
- `TOS_CONFORMANCE=1`: tests that need the node must run, not skip.

The node is shared by every client in the run, so each run of the scenario makes its own fresh wallets.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CLIENTS = HERE.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rpc(url: str, method: str, timeout: float = 5.0) -> Any:
    reply = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method}, timeout=timeout)
    return reply.json()["result"]


@dataclass
class Devnode:
    """One devnode process on a fixed port and state file, restartable in place."""

    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ai/ws"

    @property
    def state_file(self) -> Path:
        return self.workdir / "devnode.db"

    @property
    def log_file(self) -> Path:
        return self.workdir / "devnode.log"

    def log_lines(self) -> list[str]:
        return self.log_file.read_text(errors="replace").splitlines() if self.log_file.exists() else []

    def start(self, timeout: float = 30.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        command = [sys.executable, "-m", "devnode", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--state-file", str(self.state_file), "--block-time", "0.2", "--no-rate-limits"]
        # The node checks every reply of every client's run against the schemas it publishes.
        command += ["--check-replies"]
        log = self.log_file.open("ab")
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the devnode exited with {self.proc.returncode}; see {self.log_file}")
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                rpc(self.url, "get_version", timeout=1)
                return
            time.sleep(0.05)
        raise RuntimeError(f"the devnode did not answer within {timeout} s; see {self.log_file}")

    def stop(self, *, kill: bool = False) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def describe(self) -> dict[str, Any]:
        running = self.proc is not None and self.proc.poll() is None
        info = rpc(self.url, "get_info") if running else {}
        return {
            "url": self.url,
            "ws_url": self.ws_url,
            "running": running,
            "chain_id": info.get("chain_id"),
            "head_seq": info.get("head_seq"),
        }

    def control(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            started = time.monotonic()
            if action == "restart":
                self.stop(kill=bool(body.get("kill")))
                self.start()
            elif action == "reset":
                self.stop()
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.state_file}{suffix}").unlink(missing_ok=True)
                self.start()
            elif action == "stop":
                self.stop(kill=bool(body.get("kill")))
            elif action == "start":
                self.start()
            else:
                raise KeyError(action)
            return {**self.describe(), "seconds": round(time.monotonic() - started, 3)}


def control_server(node: Devnode) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/node":
                self._reply(200, node.describe())
            else:
                self._reply(404, {"error": f"no such path {self.path}; try GET /node"})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw.strip() else {}
                self._reply(200, node.control(self.path.strip("/"), body if isinstance(body, dict) else {}))
            except KeyError:
                self._reply(404, {"error": f"no such action {self.path}: restart, reset, stop or start"})
            except Exception as error:  # the caller's test reads the words
                self._reply(500, {"error": str(error)})

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class ClientSuite:
    name: str
    folder: Path
    requires: list[str]
    setup: list[list[str]]
    test: list[list[str]]

    @classmethod
    def load(cls, manifest: Path) -> ClientSuite:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return cls(
            name=data["name"],
            folder=manifest.parent,
            requires=list(data.get("requires", [])),
            setup=[list(command) for command in data.get("setup", [])],
            test=[list(command) for command in data.get("test", [])],
        )

    def commands(self) -> Iterator[list[str]]:
        for command in [*self.setup, *self.test]:
            yield [part.replace("{python}", sys.executable).replace("{root}", str(ROOT)) for part in command]


def discover() -> dict[str, ClientSuite]:
    suites = [ClientSuite.load(path) for path in sorted(CLIENTS.glob("*/conformance.json"))]
    # Python first: it is the reference the others are compared with.
    suites.sort(key=lambda suite: (suite.name != "python", suite.name))
    return {suite.name: suite for suite in suites}


@contextlib.contextmanager
def running_node() -> Iterator[tuple[Devnode, dict[str, str]]]:
    workdir = Path(tempfile.mkdtemp(prefix="tos-conformance-"))
    node = Devnode(workdir)
    node.start()
    server = control_server(node)
    env = {
        **os.environ,
        "TOS_NODE_URL": node.url,
        "TOS_NODE_WS_URL": node.ws_url,
        "TOS_CONFORMANCE_CONTROL": f"http://127.0.0.1:{server.server_address[1]}",
        "TOS_CONFORMANCE_DIR": str(HERE),
        "TOS_CONFORMANCE": "1",
    }
    try:
        yield node, env
    finally:
        server.shutdown()
        node.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def run_suites(suites: Sequence[ClientSuite], env: dict[str, str], node: Devnode) -> int:
    results: list[tuple[str, str, float]] = []
    for suite in suites:
        missing = [tool for tool in suite.requires if shutil.which(tool) is None]
        if missing:
            print(
                f"== {suite.name}: missing {', '.join(missing)} (make test installs what it can)", flush=True
            )
            results.append((suite.name, "missing " + ", ".join(missing), 0.0))
            continue
        started = time.monotonic()
        outcome = "passed"
        for command in suite.commands():
            print(f"== {suite.name}: {' '.join(command)}", flush=True)
            node.start()  # a client that stopped the node leaves it running for the next
            if subprocess.run(command, cwd=suite.folder, env=env).returncode != 0:
                outcome = "FAILED"
                break
        results.append((suite.name, outcome, time.monotonic() - started))
    print("\nconformance results (one devnode for all):")
    for name, outcome, seconds in results:
        print(f"  {name:<12} {outcome:<10} {seconds:6.1f} s")
    failed = [name for name, outcome, _ in results if outcome != "passed"]
    if reply_mismatches(node):
        failed.append("reply schemas")
    if failed:
        tail = node.log_file.read_text(errors="replace").splitlines()[-20:]
        print("devnode log (last lines):\n  " + "\n  ".join(tail), file=sys.stderr)
    return 1 if failed else 0


def reply_mismatches(node: Devnode) -> int:
    """How many replies the node logged as not matching their published schemas (each printed)."""
    mismatches = [line for line in node.log_lines() if "does not match its schema" in line]
    if mismatches:
        print("replies that do not match their published schemas:\n  " + "\n  ".join(mismatches[:20]))
    return len(mismatches)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--client", action="append", default=[], help="run this client only (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the clients that take part, and stop")
    parser.add_argument("command", nargs="*", help="after --: run this command instead of the clients")
    args = parser.parse_args(argv)
    suites = discover()
    if args.list:
        for suite in suites.values():
            print(f"{suite.name}: {suite.folder.relative_to(ROOT)}")
        return 0
    unknown = sorted(set(args.client) - set(suites))
    if unknown:
        parser.error(f"no client named {', '.join(unknown)}; have {', '.join(suites)}")
    chosen = [suites[name] for name in args.client] if args.client else list(suites.values())
    with running_node() as (node, env):
        if args.command:
            returncode = subprocess.run(args.command, env=env).returncode
            return returncode or (1 if reply_mismatches(node) else 0)
        return run_suites(chosen, env, node)


if __name__ == "__main__":
    raise SystemExit(main())
