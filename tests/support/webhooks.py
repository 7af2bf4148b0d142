"""A real webhook receiver on loopback: it records each POST, checks its signature, and answers from a script
per path (`/ok`, `/flaky`, `/hang`, ...), so the delivery's whole HTTP path runs."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """What each path answers (statuses in turn, then 200) and how long it waits first, and what it got."""

    url: str = ""
    statuses: dict[str, list[int]] = field(default_factory=dict)
    #: Seconds a path waits before answering (longer than the sender's timeout: it "hangs").
    delays: dict[str, float] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, path: str) -> list[Received]:
        with self.lock:
            return [item for item in self.received if item.path == path]


def signed_correctly(item: Received, secret: str) -> bool:
    """The receiver's check, as the settings page explains it: HMAC-SHA256 of "<timestamp>.<body>"."""
    timestamp = item.headers.get("X-TOS-Timestamp", "")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + item.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(item.headers.get("X-TOS-Signature", ""), f"sha256={expected}")


@contextmanager
def run_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    stopping = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with receiver.lock:
                receiver.received.append(Received(self.path, dict(self.headers), body, time.monotonic()))
                script = receiver.statuses.get(self.path) or []
                status = script.pop(0) if script else 200
            stopping.wait(receiver.delays.get(self.path, 0))
            try:
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()
