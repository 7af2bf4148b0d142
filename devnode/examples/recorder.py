"""A fresh devnode process on a free port, and a recorder that keeps every exchange made with it.

The recorder talks to the node the way a user does (HTTP JSON-RPC, REST, the WebSocket) and keeps each
request and reply under a key, rendered as Markdown for docs/node-api.md. Printed URLs use the default
address (`http://127.0.0.1:8545`) whatever port the run used, so the text does not change from run to run.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from nacl.signing import SigningKey
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from devnode.crypto import sign_request
from devnode.schema import printable

ROOT = Path(__file__).resolve().parents[2]
SHOWN_URL = "http://127.0.0.1:8545"


class ExampleError(RuntimeError):
    """The run did not go as the scenario expects (a call failed or succeeded unexpectedly)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def devnode_process(args: Sequence[str], timeout: float = 20.0) -> Iterator[str]:
    """Start `python -m devnode --ephemeral --block-time 0 ARGS` on a free port; yield its URL."""
    port = free_port()
    command = [sys.executable, "-m", "devnode", "--host", "127.0.0.1", "--port", str(port), "--ephemeral"]
    command += ["--block-time", "0", *args]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                error = proc.stderr.read().decode() if proc.stderr else ""
                raise ExampleError(f"the devnode exited with {proc.returncode}: {error}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "get_version"}).is_success:
                    break
            if time.monotonic() > deadline:
                raise ExampleError(f"the devnode did not answer within {timeout} s")
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


# Non-ASCII characters as themselves, except a lone surrogate (an example sends one on purpose), which
# only a JSON escape can carry.


def dumps(value: Any) -> str:
    return printable(json.dumps(value, indent=2, ensure_ascii=False))


def compact(value: Any) -> str:
    return printable(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def abbreviate_list(items: list[Any], keep: int, what: str) -> list[Any]:
    """The first `keep` items, then a marker string saying how many were left out of the doc."""
    if len(items) <= keep:
        return items
    return [*items[:keep], f"… {len(items) - keep} more {what} (left out of this page)"]


def abbreviate_dict(items: dict[str, Any], keep: int, what: str) -> dict[str, Any]:
    if len(items) <= keep:
        return items
    kept = dict(list(items.items())[:keep])
    kept["…"] = f"{len(items) - keep} more {what} (left out of this page)"
    return kept


@dataclass
class Recorder:
    """Calls one node and keeps rendered exchanges by key."""

    url: str
    sections: dict[str, str] = field(default_factory=dict)
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))
    # Every exchange of the run, rendered or not, for the tests that check replies against the schemas.
    exchanges: list[Exchange] = field(default_factory=list)
    transcripts: list[Transcript] = field(default_factory=list)

    def keep(self, key: str, text: str) -> None:
        if key in self.sections:
            raise ExampleError(f"two examples under the key {key!r}")
        self.sections[key] = text.rstrip() + "\n"

    # ----- JSON-RPC -------------------------------------------------------------------------------------

    def post(self, body: Any, path: str = "/") -> tuple[int, Any]:
        reply = self.client.post(self.url + path, content=compact(body).encode())
        payload = reply.json() if reply.content else None
        self.exchanges.append(Exchange("POST", path, body, reply.status_code, payload))
        return reply.status_code, payload

    def call(
        self,
        method: str,
        params: Any = None,
        *,
        key: str | None = None,
        error: int | None = None,
        show: Any = None,
        note: str = "",
    ) -> Any:
        """One JSON-RPC call; `error` is the code it must fail with. Returns the result or the error."""
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method}
        if params is not None:
            body["params"] = params
        status, reply = self.post(body)
        if error is None and "error" in reply:
            raise ExampleError(f"{method} failed: {reply['error']}")
        if error is not None and reply.get("error", {}).get("code") != error:
            raise ExampleError(f"{method} should have failed with {error}: {reply}")
        if key is not None:
            shown = reply if show is None else {**reply, "result": show(reply["result"])}
            self.keep(key, render_rpc(body, status, shown, note))
        return reply["error"] if error is not None else reply["result"]

    def chain_id(self) -> str:
        """The node's chain id (get_info), which every signature covers."""
        _, reply = self.post({"jsonrpc": "2.0", "id": 1, "method": "get_info"})
        return str(reply["result"]["chain_id"])

    def signed(
        self, signer: SigningKey, method: str, params: dict[str, Any], nonce: int, **options: Any
    ) -> Any:
        request = sign_request(signer, method, params, nonce, chain_id=self.chain_id())
        return self.call(method, request, **options)

    # ----- REST -----------------------------------------------------------------------------------------

    def rest(
        self,
        verb: str,
        path: str,
        body: Any = None,
        *,
        sender: str | None = None,
        key: str | None = None,
        status: int = 200,
        show: Any = None,
    ) -> Any:
        headers = {"X-TOS-From": sender} if sender else {}
        content = compact(body).encode() if body is not None else None
        if content is not None:
            headers["Content-Type"] = "application/json"
        reply = self.client.request(verb, self.url + path, content=content, headers=headers)
        payload = reply.json()
        self.exchanges.append(Exchange(verb, path, body, reply.status_code, payload))
        if reply.status_code != status:
            raise ExampleError(f"{verb} {path} answered {reply.status_code}, not {status}: {payload}")
        if key is not None:
            shown = payload if show is None else show(payload)
            self.keep(key, render_curl(verb, path, headers, body, reply.status_code, shown))
        return payload

    # ----- WebSocket ------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def websocket(self) -> Iterator[Transcript]:
        with connect(self.url.replace("http://", "ws://") + "/ai/ws", open_timeout=10) as ws:
            transcript = Transcript(ws)
            self.transcripts.append(transcript)
            yield transcript


@dataclass
class Exchange:
    """One HTTP request of the run and the node's reply."""

    verb: str
    path: str
    body: Any
    status: int
    reply: Any


@dataclass
class Transcript:
    """A WebSocket conversation as `>` (sent) and `<` (received) lines."""

    ws: ClientConnection
    lines: list[str] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None

    def send(self, message: dict[str, Any]) -> None:
        self.lines.append("> " + compact(message))
        self.ws.send(compact(message))

    def receive_all(self, quiet: float = 0.75) -> list[dict[str, Any]]:
        """Everything the node sends until it is quiet for `quiet` seconds or closes."""
        got: list[dict[str, Any]] = []
        while True:
            try:
                text = self.ws.recv(timeout=quiet)
            except TimeoutError:
                break
            except ConnectionClosed as closed:
                self.close_code = closed.rcvd.code if closed.rcvd else None
                self.lines.append(f"(the node closed the connection: code {self.close_code})")
                break
            message = json.loads(text)
            got.append(message)
            self.lines.append("< " + compact(message))
        self.received += got
        return got

    def note(self, text: str) -> None:
        self.lines.append(f"# {text}")

    def render(self) -> str:
        return "```text\n" + "\n".join(self.lines) + "\n```\n"


def render_rpc(body: Any, status: int, reply: Any, note: str = "") -> str:
    text = f"Request (`POST {SHOWN_URL}/`):\n\n```json\n{dumps(body)}\n```\n\n"
    text += f"Response (HTTP {status}){note}:\n\n```json\n{dumps(reply)}\n```\n"
    return text


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def render_curl(verb: str, path: str, headers: dict[str, str], body: Any, status: int, reply: Any) -> str:
    parts = ["curl -s"] + ([f"-X {verb}"] if verb != "GET" else []) + [_shell_quote(SHOWN_URL + path)]
    lines = [" ".join(parts)]
    lines += [f"  -H {_shell_quote(f'{name}: {value}')}" for name, value in headers.items()]
    if body is not None:
        lines.append(f"  -d {_shell_quote(compact(body))}")
    command = " \\\n".join(lines)
    return f"```sh\n{command}\n```\n\n```text\nHTTP {status}\n{dumps(reply)}\n```\n"
