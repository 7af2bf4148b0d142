"""Every example in docs/client.md and docs/node-api.md runs as written against a fresh devnode.

docs/client.md: its ```python and ```sh blocks run in order, each as a script in one working directory,
against one fresh devnode (`TOS_NODE_URL` names it, as the page says to set). A block preceded by
`<!-- not run: why -->` (starting a node, the test suite itself) is skipped, with its reason.

docs/node-api.md: its examples are recordings of one story told to fresh devnodes (`python -m
devnode.examples`). What "runs as written" means for them:
- the requests that depend on no earlier step (reads of the network, the node, the dev accounts, the
  discovery documents) are sent exactly as written, only the host and port changed, to a fresh devnode
  started as the page says (`--block-time 0`, seed `tos-devnet`), and the reply must have the recorded
  shape: the same HTTP status, the same keys at every depth with values of the same JSON types;
- every other example names tasks and submissions whose ids are hashes over the chain's random id,
  created by steps of the story the page does not all show, so it cannot be pasted into another chain:
  the story is told again to fresh devnodes and each recorded request and reply must keep its shape
  (the same method or route, the same status, error code and `data.rule`, the same keys and types).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.devnode import DevnodeProcess, run_devnode

ROOT = Path(__file__).resolve().parents[2]
CLIENT_DOC = ROOT / "docs" / "client.md"
NODE_DOC = ROOT / "docs" / "node-api.md"
BLOCK_RE = re.compile(
    r"(?:<!-- not run: (?P<skip>[^>]*?) -->\n)?```(?P<lang>[\w-]*)\n(?P<code>.*?)^```", re.M | re.S
)
RUN = {"python", "sh"}
ID_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Block:
    line: int
    lang: str
    code: str
    skip: str | None


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    return [
        Block(text.count("\n", 0, m.start()) + 1, m["lang"], m["code"], m["skip"])
        for m in BLOCK_RE.finditer(text)
    ]


def test_every_block_of_the_client_page_runs_in_order(tmp_path: Path) -> None:
    found = [b for b in blocks(CLIENT_DOC) if b.lang in RUN]
    skipped = [b for b in found if b.skip is not None]
    assert all(b.skip for b in skipped), "a skipped block must say why"
    assert len(found) - len(skipped) >= 10
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TOS_WALLET_PASSPHRASE", None)
    (tmp_path / "node").mkdir()
    with run_devnode(tmp_path / "node") as node:
        env.update(TOS_NODE_URL=node.url, TOS_NODE_WS_URL=node.ws_url)
        work = tmp_path / "work"
        work.mkdir()
        for block in found:
            if block.skip is not None:
                continue
            if block.lang == "python":
                script = work / f"example_{block.line}.py"
                script.write_text(block.code, encoding="utf-8")
                command = [sys.executable, str(script)]
            else:
                command = ["bash", "-euo", "pipefail", "-c", block.code]
            done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, (
                f"docs/client.md line {block.line} ({block.lang}) failed:\n{done.stdout}\n{done.stderr}"
            )
            assert "Traceback" not in done.stderr, f"docs/client.md line {block.line}:\n{done.stderr}"


# --- docs/node-api.md ---------------------------------------------------------------------------

SECTION_RE = re.compile(
    r"<!-- BEGIN generated:(?P<key>\S+) -->\n(?P<body>.*?)<!-- END generated:(?P=key) -->", re.S
)
RPC_RE = re.compile(
    r"Request \(`POST (?P<url>\S+)`\):\n\n```json\n(?P<request>.*?)```\n\nResponse \(HTTP (?P<status>\d+)\):"
    r"\n\n```json\n(?P<reply>.*?)```",
    re.S,
)
CURL_RE = re.compile(
    r"```sh\n(?P<curl>curl .*?)```\n\n```text\nHTTP (?P<status>\d+)\n(?P<reply>.*?)```", re.S
)
DOC_ADDRESS = "http://127.0.0.1:8545"
# Requests that depend on no earlier step: sent exactly as written to a fresh node.
STATELESS = {
    "rpc:get_version",
    "rpc:get_info",
    "rpc:get_network_info",
    "rpc:ai_get_network_info",
    "rpc:get_ai_mining_statistics",
    "rpc:dev_accounts",
    "rpc:rpc.discover",
    "error:parse",
    "error:method_not_found",
    "error:unknown_field",
    "error:positional",
    "error:unknown_task",
    "rest:network-info",
    "rest:openapi",
}


@dataclass(frozen=True)
class Exchange:
    section: str
    request: Any  # the JSON-RPC body, or the curl command's words
    status: int
    reply: Any


def exchanges(text: str) -> list[Exchange]:
    found: list[Exchange] = []
    for section in SECTION_RE.finditer(text):
        key, body = section["key"], section["body"]
        for rpc in RPC_RE.finditer(body):
            found.append(
                Exchange(key, json.loads(rpc["request"]), int(rpc["status"]), json.loads(rpc["reply"]))
            )
        for curl in CURL_RE.finditer(body):
            reply = curl["reply"].strip()
            found.append(
                Exchange(
                    key,
                    shlex.split(curl["curl"].replace("\\\n", " ")),
                    int(curl["status"]),
                    _json_or_text(reply),
                )
            )
    return found


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def shape(value: Any) -> Any:
    """The JSON value's structure: keys at every depth and the type of each leaf (lists by their first item).

    Keys that are ids (64 hex characters) read as `{id}`; the page's abbreviations (a `"…"` key standing
    for left-out entries) are dropped, and lists match any list.
    """
    if isinstance(value, dict):
        return {ID_RE.sub("{id}", key): shape(item) for key, item in value.items() if key != "…"}
    if isinstance(value, list):
        return ["list"]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return "str"


def error_of(reply: Any) -> tuple[Any, Any] | None:
    if isinstance(reply, dict) and isinstance(reply.get("error"), dict):
        data = reply["error"].get("data")
        return reply["error"].get("code"), data.get("rule") if isinstance(data, dict) else None
    return None


def same_shape(recorded: Exchange, live: Exchange) -> list[str]:
    problems = []
    if recorded.status != live.status:
        problems.append(f"HTTP {live.status}, recorded {recorded.status}")
    if error_of(recorded.reply) != error_of(live.reply):
        problems.append(f"error {error_of(live.reply)}, recorded {error_of(recorded.reply)}")
    elif not _covers(shape(live.reply), shape(recorded.reply)):
        problems.append(f"reply shape {shape(live.reply)}, recorded {shape(recorded.reply)}")
    return problems


def _covers(live: Any, recorded: Any) -> bool:
    """Whether the live shape has every key the page shows, with the same kinds of values.

    null on either side matches anything (an optional value set in one run and not the other).
    """
    if recorded == "null" or live == "null":
        return True
    if isinstance(recorded, dict):
        return isinstance(live, dict) and all(k in live and _covers(live[k], v) for k, v in recorded.items())
    return bool(live == recorded)


def send(node: DevnodeProcess, exchange: Exchange) -> Exchange:
    """Send a page's request as written, but to `node` instead of the page's address."""
    if isinstance(exchange.request, dict):
        reply = httpx.post(node.url + "/", json=exchange.request, timeout=30)
        return Exchange(exchange.section, exchange.request, reply.status_code, reply.json())
    words = [word.replace(DOC_ADDRESS, node.url) for word in exchange.request]
    done = subprocess.run([*words, "-w", "\nHTTP %{http_code}"], capture_output=True, text=True, timeout=30)
    body, _, status = done.stdout.rpartition("\nHTTP ")
    return Exchange(exchange.section, exchange.request, int(status), _json_or_text(body.strip()))


@pytest.fixture(scope="module")
def page() -> list[Exchange]:
    return exchanges(NODE_DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fresh_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    with run_devnode(tmp_path_factory.mktemp("node-api"), block_time=0) as node:
        yield node


def test_the_node_page_has_its_examples(page: list[Exchange]) -> None:
    sections = {exchange.section for exchange in page}
    assert len(page) >= 75
    assert sections >= STATELESS, STATELESS - sections


def test_the_stateless_node_examples_run_as_written_on_a_fresh_node(
    page: list[Exchange], fresh_node: DevnodeProcess
) -> None:
    problems = {}
    for exchange in page:
        if exchange.section in STATELESS:
            found = same_shape(exchange, send(fresh_node, exchange))
            if found:
                problems[exchange.section] = found
    assert not problems


def test_every_node_example_keeps_its_shape_when_the_story_is_told_again(page: list[Exchange]) -> None:
    from devnode.examples import scenario

    live = exchanges(
        "".join(
            f"<!-- BEGIN generated:{k} -->\n{v}<!-- END generated:{k} -->\n"
            for k, v in scenario.run().items()
        )
    )
    by_section: dict[str, list[Exchange]] = {}
    for exchange in live:
        by_section.setdefault(exchange.section, []).append(exchange)
    problems = {}
    for section in dict.fromkeys(e.section for e in page):
        recorded = [e for e in page if e.section == section]
        again = by_section.get(section, [])
        if len(again) != len(recorded):
            problems[section] = [f"{len(again)} exchanges, the page shows {len(recorded)}"]
            continue
        for before, after in zip(recorded, again, strict=True):
            found = same_shape(before, after)
            if _method_or_route(before) != _method_or_route(after):
                found.append(f"{_method_or_route(after)}, recorded {_method_or_route(before)}")
            if found:
                problems.setdefault(section, []).extend(found)
    assert not problems


def _method_or_route(exchange: Exchange) -> str:
    if isinstance(exchange.request, dict):
        return str(exchange.request.get("method"))
    words = [w for w in exchange.request if w.startswith("http")]
    return re.sub(r"[0-9a-f]{64}", "{id}", words[0].split("?")[0]) if words else "?"
