"""A real devnode process over raw sockets: requests that offer h2c, or expect 100-continue, still POST."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.devnode import DevnodeProcess, run_devnode

VERSION = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "get_version"}).encode()
# What Java's java.net.http.HttpClient sends with its first request on a connection to an http:// URL.
H2C_OFFER = (
    b"Connection: Upgrade, HTTP2-Settings\r\n"
    b"Upgrade: h2c\r\n"
    b"HTTP2-Settings: AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA\r\n"
    b"User-Agent: Java-http-client/17.0.15\r\n"
)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    with run_devnode(tmp_path_factory.mktemp("http"), block_time=0) as started:
        yield started


class Connection:
    """One TCP connection to the node, reading HTTP/1.1 replies off it by hand."""

    def __init__(self, node: DevnodeProcess) -> None:
        self.sock = socket.create_connection(("127.0.0.1", node.port), timeout=5)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"the node closed the connection; unread: {self.buffer!r}")
        self.buffer += chunk

    def reply(self) -> tuple[int, dict[str, str], bytes]:
        """The next reply: status, headers (lower-case names) and body."""
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        status = int(status_line.split()[1])
        if status == 100:
            return status, headers, b""
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def conn(node: DevnodeProcess) -> Iterator[Connection]:
    opened = Connection(node)
    yield opened
    opened.close()


def post(path: str, body: bytes, extra: bytes = b"", *, chunked: bool = False) -> tuple[bytes, bytes]:
    """A POST's header block and its body bytes as sent (chunked: one chunk, then the last chunk)."""
    framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Content-Length: %d\r\n" % len(body)
    head = b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    sent = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if chunked else body
    return head + framing + extra + b"\r\n", sent


def assert_version_reply(reply: tuple[int, dict[str, str], bytes]) -> None:
    status, _, body = reply
    assert status == 200, body
    assert json.loads(body)["result"].startswith("devnode/")


def test_a_post_offering_h2c_is_served_as_http_1_1(conn: Connection) -> None:
    head, body = post("/", VERSION, H2C_OFFER)
    conn.send(head + body)
    assert_version_reply(conn.reply())


def test_the_body_may_follow_the_h2c_offer_in_later_packets(conn: Connection) -> None:
    head, body = post("/", VERSION, H2C_OFFER)
    conn.send(head)
    time.sleep(0.2)
    conn.send(body[:10])
    time.sleep(0.1)
    conn.send(body[10:])
    assert_version_reply(conn.reply())


def test_a_chunked_body_after_an_h2c_offer_arrives_whole(conn: Connection) -> None:
    head, body = post("/json_rpc", VERSION, H2C_OFFER, chunked=True)
    conn.send(head + body[:7])
    time.sleep(0.1)
    conn.send(body[7:])
    assert_version_reply(conn.reply())


def test_a_rest_publish_offering_h2c_keeps_its_body(conn: Connection) -> None:
    task = json.dumps({"task_type": "CodeAnalysis", "reward_amount": 10_000_000_000}).encode()
    head, body = post("/ai/tasks", task, H2C_OFFER)
    conn.send(head + body)
    status, _, reply = conn.reply()
    assert status == 201, reply
    assert json.loads(reply)["task_id"]


def test_expect_100_continue_gets_its_continue_then_the_reply(conn: Connection) -> None:
    head, body = post("/", VERSION, b"Expect: 100-continue\r\n")
    conn.send(head)
    assert conn.reply()[0] == 100
    conn.send(body)
    assert_version_reply(conn.reply())


def test_expect_100_continue_together_with_an_h2c_offer(conn: Connection) -> None:
    head, body = post("/", VERSION, H2C_OFFER + b"Expect: 100-continue\r\n")
    conn.send(head)
    assert conn.reply()[0] == 100
    conn.send(body)
    assert_version_reply(conn.reply())


def test_the_connection_keeps_serving_after_a_declined_offer(conn: Connection) -> None:
    for extra in (H2C_OFFER, b"", H2C_OFFER):
        head, body = post("/", VERSION, extra)
        conn.send(head + body)
        assert_version_reply(conn.reply())
    conn.send(b"GET /ai/network-info HTTP/1.1\r\nHost: 127.0.0.1\r\n" + H2C_OFFER + b"\r\n")
    status, _, reply = conn.reply()
    assert status == 200
    assert "active_tasks" in json.loads(reply)


def test_an_idle_connection_outlives_a_client_pools_keep_alive(conn: Connection) -> None:
    # At uvicorn's default (5 s, httpx's own expiry) the node closed a pooled connection just as a
    # test's client sent its next request on it: "server disconnected without sending a response".
    head, body = post("/", VERSION)
    conn.send(head + body)
    assert_version_reply(conn.reply())
    time.sleep(6)
    conn.send(head + body)
    assert_version_reply(conn.reply())


def test_pipelined_requests_after_an_h2c_offer_are_all_answered(conn: Connection) -> None:
    first = b"".join(post("/", VERSION, H2C_OFFER))
    second = b"".join(post("/", VERSION))
    third = b"GET /ai/network-info HTTP/1.1\r\nHost: 127.0.0.1\r\n" + H2C_OFFER + b"\r\n"
    fourth = b"".join(post("/", VERSION, H2C_OFFER, chunked=True))
    conn.send(first + second + third + fourth)
    assert_version_reply(conn.reply())
    assert_version_reply(conn.reply())
    assert conn.reply()[0] == 200
    assert_version_reply(conn.reply())


def test_a_malformed_body_after_an_h2c_offer_is_a_400_not_a_hang(conn: Connection) -> None:
    head, _ = post("/", VERSION, H2C_OFFER, chunked=True)
    conn.send(head + b"zz\r\nnot a chunk\r\n")
    status, _, _ = conn.reply()
    assert status == 400


JAVA_PROBE = """
import java.net.URI;
import java.net.http.*;
public class Probe {
  public static void main(String[] args) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    String body = "{\\"jsonrpc\\":\\"2.0\\",\\"id\\":1,\\"method\\":\\"get_version\\"}";
    for (boolean expect : new boolean[] {false, false, true}) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(args[0])).expectContinue(expect)
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
      HttpResponse<String> reply = client.send(request, HttpResponse.BodyHandlers.ofString());
      System.out.println(reply.statusCode() + " " + reply.body());
    }
  }
}
"""


@pytest.mark.skipif(shutil.which("java") is None, reason="no JDK on this machine")
def test_the_jdks_own_http_client_can_post(node: DevnodeProcess, tmp_path: Path) -> None:
    source = tmp_path / "Probe.java"
    source.write_text(JAVA_PROBE)
    run = subprocess.run(
        ["java", str(source), node.url + "/"], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 3
    for line in lines:
        status, _, body = line.partition(" ")
        assert status == "200", line
        assert json.loads(body)["result"].startswith("devnode/")
