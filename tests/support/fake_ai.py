"""A local stand-in for a paid AI service: OpenAI-compatible chat completions and Anthropic Messages.

A real HTTP server on loopback (the solver's whole HTTP path runs), answering from a script the test sets.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeAI:
    """What the fake answers and what it was asked."""

    url: str = ""
    answer: str = "Here is the answer.\n```python\nprint('solved')\n```"
    failures: list[int] = field(default_factory=list)  # HTTP statuses to answer first, one per request
    failure_body: bytes | None = None  # sent as text/html with those statuses instead of a JSON error
    delays: list[float] = field(default_factory=list)  # seconds to wait before answering, one per request
    delay: float = 0.0  # seconds to wait before every other answer (a slow AI service)
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: Requests under way and the most at once, per API key (the Authorization header): one per user.
    in_flight: dict[str, int] = field(default_factory=dict)
    most_at_once: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _begin(self, key: str) -> None:
        with self._lock:
            self.in_flight[key] = self.in_flight.get(key, 0) + 1
            self.most_at_once[key] = max(self.most_at_once.get(key, 0), self.in_flight[key])

    def _end(self, key: str) -> None:
        with self._lock:
            self.in_flight[key] -= 1


@contextmanager
def run_fake_ai() -> Iterator[FakeAI]:
    fake = FakeAI()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            key = str(self.headers.get("authorization") or self.headers.get("x-api-key") or "")
            fake._begin(key)
            try:
                time.sleep(fake.delays.pop(0) if fake.delays else fake.delay)
                self._answer()
            finally:
                fake._end(key)

        def _answer(self) -> None:
            if fake.failures and fake.failure_body is not None:
                self._send(fake.failures.pop(0), fake.failure_body, "text/html; charset=utf-8")
            elif fake.failures:
                self._reply(fake.failures.pop(0), {"error": {"message": "scripted failure"}})
            elif self.path.endswith("/chat/completions"):
                self._reply(
                    200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": fake.answer}}]}
                )
            elif self.path.endswith("/v1/messages"):
                self._reply(200, {"content": [{"type": "text", "text": fake.answer}], "role": "assistant"})
            else:
                self._reply(404, {"error": "no such endpoint"})

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
