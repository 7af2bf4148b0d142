"""Start a real devnode process for a test and stop it afterwards."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class DevnodeProcess:
    """A devnode started by a test: `url` for HTTP, `ws_url` for the event stream."""

    port: int
    state_file: Path | None
    block_time: float
    extra_args: Sequence[str] = ()
    log_path: Path | None = None
    #: The module run with `python -m` (tests.support.altered_node: a rule changed).
    module: str = "devnode"
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)
    # Pooled clients for rpc(), one per thread: a fresh httpx client per call costs ~40 ms (it builds an
    # SSL context). A restart drops them (never closes them: another thread may be mid-request).
    _clients: threading.local = field(default_factory=threading.local, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ai/ws"

    def start(self, timeout: float = 60.0) -> None:
        """Start the node and wait until it answers; nothing to do when it runs already."""
        if self.proc is not None and self.proc.poll() is None:
            return
        args = [sys.executable, "-m", self.module, "--host", "127.0.0.1", "--port", str(self.port)]
        args += ["--block-time", str(self.block_time)]
        args += ["--state-file", str(self.state_file)] if self.state_file else ["--ephemeral"]
        args += list(self.extra_args)
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"devnode exited with {self.proc.returncode}; log: {self.log_path}")
            with contextlib.suppress(httpx.HTTPError):
                reply = httpx.post(self.url, json={"jsonrpc": "2.0", "id": 1, "method": "get_version"})
                if reply.status_code == 200:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"devnode did not answer within {timeout}s; log: {self.log_path}")

    def stop(self, *, kill: bool = False) -> None:
        """Stop the process: SIGTERM (a clean stop) or SIGKILL (a crash)."""
        self._clients = threading.local()
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def restart(self, *, kill: bool = False) -> None:
        self.stop(kill=kill)
        self.start()

    @property
    def http(self) -> httpx.Client:
        """A pooled HTTP client for this node, this thread's own (a new one after a restart)."""
        client: httpx.Client | None = getattr(self._clients, "client", None)
        if client is None:
            client = self._clients.client = httpx.Client(timeout=10)
        return client

    def rpc_reply(self, method: str, params: object = None) -> dict[str, object]:
        """Call a JSON-RPC method and return the whole reply, `result` or `error` (for testing rejections)."""
        body: dict[str, object] = {"jsonrpc": "2.0", "id": 1, "method": method}
        if params is not None:
            body["params"] = params
        reply: dict[str, object] = self.http.post(self.url, json=body).json()
        return reply

    def rpc(self, method: str, params: object = None) -> object:
        """Call a JSON-RPC method and return its result; raise on an error reply."""
        reply: dict[str, Any] = self.rpc_reply(method, params)
        if "error" in reply:
            raise AssertionError(f"{method} failed: {reply['error']}")
        return reply["result"]


@contextlib.contextmanager
def run_devnode(
    tmp_path: Path,
    *,
    persistent: bool = False,
    block_time: float = 0.2,
    extra_args: Sequence[str] = (),
    module: str = "devnode",
) -> Iterator[DevnodeProcess]:
    """Run a devnode on a free port; `persistent` keeps state in a file under tmp_path."""
    node = DevnodeProcess(
        port=free_port(),
        state_file=tmp_path / "devnode.db" if persistent else None,
        block_time=block_time,
        extra_args=extra_args,
        log_path=tmp_path / "devnode.log",
        module=module,
    )
    node.start()
    try:
        yield node
    finally:
        node.stop()
