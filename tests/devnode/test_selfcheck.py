"""--check-replies: a reply that does not match its published schema is logged, and the reply still goes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from devnode.selfcheck import MARKER, ReplyChecker
from tests.support.devnode import run_devnode


def test_a_result_that_breaks_its_schema_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    checker = ReplyChecker()
    with caplog.at_level(logging.ERROR, logger="devnode"):
        checker.check_reply("get_balance", {"result": {"address": "tst1", "balance": 5}})
        checker.check_reply("get_version", {"error": {"code": "x"}})
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2
    assert all(MARKER in line for line in lines)
    assert "the result of get_balance" in lines[0]


def test_a_node_checking_its_replies_finds_nothing_wrong_in_a_short_run(tmp_path: Path) -> None:
    with run_devnode(tmp_path, block_time=0, extra_args=["--check-replies", "--log-level", "info"]) as node:
        accounts = node.rpc("dev_accounts")
        assert isinstance(accounts, list)
        result = node.rpc(
            "ai_publish_task", {"task_data": {"task_type": "CodeAnalysis", "reward_amount": 10**10}}
        )
        assert isinstance(result, dict)
        node.rpc("ai_get_task_details", {"task_id": result["task_id"]})
        node.rpc("get_ai_mining_state")
        node.rpc_reply("ai_get_task_details", {"task_id": "0" * 64})
        node.http.get(node.url + f"/ai/tasks/{result['task_id']}")
        node.http.get(node.url + "/ai/miners/" + accounts[1]["address"])
        node.stop()
        assert node.log_path is not None
        assert MARKER not in node.log_path.read_text()
