"""A real devnode refuses values outside its limits in words, and the refusal changes nothing.

Bodies are written by hand where JSON's own encoder would not write them (NaN, Infinity, 1e400).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.devnode.test_app import snapshot
from tests.support.devnode import DevnodeProcess, run_devnode

R = 10_000_000_000


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    with run_devnode(
        tmp_path_factory.mktemp("limits"), block_time=0, extra_args=["--rate-limits", "off"]
    ) as started:
        yield started


def send(node: DevnodeProcess, method: str, params: str) -> dict[str, Any]:
    body = f'{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}'
    reply = node.http.post(node.url, content=body, headers={"content-type": "application/json"}, timeout=10)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()
    return answer


def refused(node: DevnodeProcess, method: str, params: str) -> dict[str, Any]:
    """The error of a call that must fail without changing anything."""
    before = snapshot(node)
    reply = send(node, method, params)
    assert "error" in reply, reply
    assert snapshot(node) == before
    error: dict[str, Any] = reply["error"]
    return error


def task_with(member: str) -> str:
    return f'{{"task_data":{{"task_type":"CodeAnalysis","reward_amount":{R},{member}}}}}'


# ----- numbers that are not finite, or absurdly large -------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("NaN", "finite"),
        ("Infinity", "finite"),
        ("-Infinity", "finite"),
        ("1e400", "finite"),
        ("1e308", "maximum"),
        ("-1e308", "minimum"),
        ("8784.5", "maximum"),
        ("-1", "minimum"),
    ],
)
def test_deadline_hours_must_be_a_finite_number_of_hours_within_a_year(
    node: DevnodeProcess, value: str, rule: str
) -> None:
    error = refused(node, "ai_publish_task", task_with(f'"deadline_hours":{value}'))
    assert error["code"] == -32602
    assert error["data"]["field"] == "task_data.deadline_hours"
    assert error["data"]["rule"] == rule
    assert "deadline_hours" in error["message"]


def test_deadline_hours_at_the_edges_of_the_year_still_publish(node: DevnodeProcess) -> None:
    for hours in ("8784", "0.5", "1e-3"):
        reply = send(node, "ai_publish_task", task_with(f'"deadline_hours":{hours}'))
        assert "result" in reply, (hours, reply)


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        (
            "ai_publish_task",
            task_with('"verification_type":{"PeerReview":{"consensus_threshold":NaN}}'),
            "task_data.verification_type.PeerReview.consensus_threshold",
        ),
        (
            "ai_submit_solution",
            '{"task_id":"'
            + "a" * 64
            + '","solution_data":{"content":"long enough","test_results":{"t":Infinity}}}',
            "solution_data.test_results.t",
        ),
        (
            "ai_submit_solution",
            '{"task_id":"'
            + "a" * 64
            + '","solution_data":{"content":"long enough","performance_metrics":[1,-1e999]}}',
            "solution_data.performance_metrics[1]",
        ),
        ("get_info", '{"x":NaN}', "x"),
    ],
)
def test_nan_and_infinity_are_refused_in_any_param(
    node: DevnodeProcess, method: str, params: str, field: str
) -> None:
    error = refused(node, method, params)
    assert error["code"] == -32602
    assert error["data"] == {"field": field, "rule": "finite"}


@pytest.mark.parametrize("value", ["NaN", "1e308", "1.0", "-0.0", "12345678901234567890123"])
def test_a_number_where_an_integer_is_expected_is_refused(node: DevnodeProcess, value: str) -> None:
    for method, params in [
        ("dev_mine", f'{{"blocks":{value}}}'),
        ("dev_increase_time", f'{{"seconds":{value}}}'),
        ("ai_list_active_tasks", f'{{"limit":{value}}}'),
        ("ai_get_events", f'{{"since_seq":{value}}}'),
        ("ai_publish_task", task_with(f'"max_participants":{value}')),
    ]:
        error = refused(node, method, params)
        assert error["code"] in (-32602, -32005), (method, value, error)


# ----- amounts: u64 and the chain's maximum supply -----------------------------------------------------

MAX_SUPPLY = 18_400_000_000_000_000  # 184,000,000 TOS
FAUCET_CAP = 5_000_000_000_000_000  # 50,000,000 TOS


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        (
            "ai_register_miner",
            '{"miner_config":{"registration_fee":"10000000000000000000"}}',
            "miner_config.registration_fee",
        ),
        (
            "ai_publish_task",
            '{"task_data":{"task_type":"CodeAnalysis","reward_amount":18400000000000001}}',
            "task_data.reward_amount",
        ),
        (
            "ai_publish_task",
            task_with('"stake_required":"' + "9" * 40 + '"'),
            "task_data.stake_required",
        ),
        (
            "ai_participate_task",
            '{"task_id":"' + "a" * 64 + '","stake_amount":18446744073709551616}',
            "stake_amount",
        ),
        ("ai_list_active_tasks", '{"filters":{"min_reward":"18446744073709551615"}}', "filters.min_reward"),
        ("dev_faucet", '{"address":"%s","amount":18400000000000001}', "amount"),
    ],
)
def test_no_amount_may_exceed_the_maximum_supply(
    node: DevnodeProcess, method: str, params: str, field: str
) -> None:
    if "%s" in params:
        params = params % node_address(node)
    error = refused(node, method, params)
    assert error["code"] == -32602
    assert error["data"] == {"field": field, "rule": "max_supply", "max": str(MAX_SUPPLY)}
    assert "184,000,000 TOS" in error["message"]


def node_address(node: DevnodeProcess, index: int = 1) -> str:
    accounts = node.rpc("dev_accounts")
    assert isinstance(accounts, list)
    return str(accounts[index]["address"])


def test_the_faucet_mints_up_to_its_cap_then_refuses_in_words(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with run_devnode(tmp_path_factory.mktemp("faucet"), persistent=True, block_time=0) as node:
        address = node_address(node)
        node.rpc("dev_faucet", {"address": address, "amount": str(FAUCET_CAP - 10)})
        error = refused(node, "dev_faucet", f'{{"address":"{address}","amount":11}}')
        assert error["code"] == -32002
        assert error["data"]["rule"] == "faucet_cap"
        assert error["data"]["remaining"] == "10"
        assert "faucet" in error["message"]
        assert "0.0000001 TOS" in error["message"]
        node.rpc("dev_faucet", {"address": address, "amount": 10})
        assert (
            refused(node, "dev_faucet", f'{{"address":"{address}","amount":1}}')["data"]["remaining"] == "0"
        )
        node.stop()
        node.start()  # the cap survives a restart: mints are part of the state
        assert refused(node, "dev_faucet", f'{{"address":"{address}","amount":1}}')["code"] == -32002
        balance = node.rpc("get_balance", {"address": address})
        assert isinstance(balance, dict)
        assert int(balance["balance"]) <= MAX_SUPPLY


def test_the_node_refuses_more_dev_accounts_than_the_supply_can_fund(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "devnode", "--ephemeral", "--accounts", "185"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert run.returncode == 2
    assert "1 to 184 accounts" in run.stderr
    assert "maximum supply of 184,000,000 TOS" in run.stderr


# ----- batches and replies: bounded, and one client's batch does not hold up the others ---------------

LONG = "Review this module and report every defect you find, with the line it is on. " * 26  # ~2 KB


def publish_many(node: DevnodeProcess, count: int) -> list[str]:
    """`count` tasks with long descriptions, published in batches (rate limits are off here)."""
    task_ids: list[str] = []
    for start in range(0, count, 100):
        batch = [
            {
                "jsonrpc": "2.0",
                "id": number,
                "method": "ai_publish_task",
                "params": {
                    "task_data": {"task_type": "CodeAnalysis", "reward_amount": R, "description": LONG[:2000]}
                },
            }
            for number in range(start, min(count, start + 100))
        ]
        replies = node.http.post(node.url, json=batch).json()
        task_ids += [reply["result"]["task_id"] for reply in replies]
    return task_ids


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DevnodeProcess, list[str]]]:
    with run_devnode(
        tmp_path_factory.mktemp("crowded"), block_time=0, extra_args=["--rate-limits", "off"]
    ) as started:
        yield started, publish_many(started, 250)


def test_a_batch_longer_than_100_is_refused_in_words(node: DevnodeProcess) -> None:
    batch = [{"jsonrpc": "2.0", "id": number, "method": "get_version"} for number in range(101)]
    reply = node.http.post(node.url, json=batch).json()
    assert reply["error"]["code"] == -32600
    assert reply["error"]["data"] == {"rule": "batch", "max": 100}
    assert "at most 100 requests (this one holds 101)" in reply["error"]["message"]
    full = node.http.post(node.url, json=batch[:100]).json()
    assert len(full) == 100


def test_get_ai_mining_state_is_paged_oldest_first(crowded: tuple[DevnodeProcess, list[str]]) -> None:
    node, task_ids = crowded
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = node.rpc("get_ai_mining_state", {"offset": offset})
        assert isinstance(page, dict)
        assert len(page["tasks"]) <= 100
        seen += list(page["tasks"])
        offset = page["next_offset"]
    assert seen == task_ids
    assert isinstance(page, dict)
    assert page["statistics"]["total_tasks"] == 250
    error = node.rpc_reply("get_ai_mining_state", {"limit": 101})["error"]
    assert isinstance(error, dict)
    assert error["data"] == {"field": "limit", "rule": "maximum", "maximum": 100}


def test_a_batch_stops_running_once_its_replies_pass_8_mib(crowded: tuple[DevnodeProcess, list[str]]) -> None:
    node, _ = crowded
    heavy = [{"jsonrpc": "2.0", "id": number, "method": "get_ai_mining_state"} for number in range(99)]
    write = {
        "jsonrpc": "2.0",
        "id": "the write",
        "method": "ai_publish_task",
        "params": {"task_data": {"task_type": "CodeAnalysis", "reward_amount": R}},
    }
    before = node.rpc("get_info")
    assert isinstance(before, dict)
    reply = node.http.post(node.url, json=[*heavy, write])
    assert reply.status_code == 200
    assert len(reply.content) < 8 * 2**20 + 400_000  # the cap, plus the one reply that crossed it
    answers = reply.json()
    assert len(answers) == 100
    ran = [answer for answer in answers if "result" in answer]
    not_run = [answer for answer in answers if "error" in answer]
    assert 10 < len(ran) < 99
    assert answers[: len(ran)] == ran  # in order: every request after the cap is left unrun
    assert not_run[-1]["id"] == "the write"
    for answer in not_run:
        assert answer["error"]["code"] == -32600
        assert answer["error"]["data"] == {"rule": "max_reply_bytes", "max": 8 * 2**20}
        assert "not run" in answer["error"]["message"]
    after = node.rpc("get_info")
    assert isinstance(after, dict)
    assert (after["head_seq"], after["topoheight"]) == (before["head_seq"], before["topoheight"])
