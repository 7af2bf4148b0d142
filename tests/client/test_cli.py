"""`python -m tos_ai`: readable output, --json, and a non-zero exit with the node's message."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.client.conftest import REWARD, DevAccounts
from tests.support.devnode import DevnodeProcess
from tos_ai import Wallet
from tos_ai.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_info_prints_readable_text_and_json(node: DevnodeProcess) -> None:
    code, out, _ = run("--node", node.url, "info")
    assert code == 0
    assert "network: devnet" in out
    assert "TOS" in out
    code, out, _ = run("--node", node.url, "--json", "info")
    assert code == 0
    assert json.loads(out)["network"] == "devnet"


def test_a_task_round_through_the_cli(node: DevnodeProcess, dev: DevAccounts) -> None:
    code, out, _ = run(
        "--node", node.url, "--from", dev.address(5), "--json", "publish",
        "--type", "CodeAnalysis:rust", "--reward", "100tos", "--title", "CLI published task",
    )  # fmt: skip
    assert code == 0
    task_id = json.loads(out)["task_id"]
    code, out, _ = run("--node", node.url, "tasks", "--publisher", dev.address(5))
    assert code == 0
    assert task_id[:16] in out
    assert "CLI published task" in out
    code, out, _ = run("--node", node.url, "task", task_id)
    assert code == 0
    assert "title: CLI published task" in out
    assert "reward_amount: 100 TOS" in out
    code, out, _ = run(
        "--node", node.url, "--from", dev.address(7), "participate", task_id, "--stake", "10tos"
    )
    assert code == 0
    assert "stake_amount: 10 TOS" in out
    code, out, _ = run(
        "--node",
        node.url,
        "--from",
        dev.address(7),
        "--json",
        "submit",
        task_id,
        "--content",
        "An answer from the CLI",
    )
    submission_id = json.loads(out)["submission_id"]
    code, out, _ = run("--node", node.url, "--from", dev.address(8), "--json", "pending")
    assert {"task_id": task_id, "submission_id": submission_id, "submitter": dev.address(7)} in json.loads(
        out
    )
    code, out, _ = run(
        "--node", node.url, "--from", dev.address(8), "validate", task_id, submission_id,
        "--score", "88", "--reasoning", "Looks right",
    )  # fmt: skip
    assert code == 0
    assert "validation_id" in out
    code, out, _ = run(
        "--node", node.url, "--json", "watch", "--since", "0", "--event", "task_published", "--count", "1"
    )
    assert code == 0
    assert json.loads(out.splitlines()[0])["event"] == "task_published"


def test_an_error_exits_non_zero_with_the_nodes_message(node: DevnodeProcess) -> None:
    code, out, err = run("--node", node.url, "task", "ab" * 32)
    assert code == 1
    assert out == ""
    assert "ai_get_task_details" in err
    assert "unknown task" in err
    assert "-32001" in err
    code, _, err = run("--node", node.url, "--json", "participate", "ab" * 32, "--stake", "5")
    body = json.loads(err)
    assert body["code"] == -32001
    assert body["method"] == "ai_participate_task"
    assert "unknown task" in body["message"]


def test_a_wallet_file_signs_cli_writes(
    node: DevnodeProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOS_WALLET_PASSPHRASE", "cli pass")
    path = tmp_path / "cli-wallet.json"
    code, out, _ = run("--json", "wallet", "new", str(path))
    address = json.loads(out)["address"]
    assert code == 0
    assert Wallet.load(path, "cli pass").address == address
    node.rpc("dev_faucet", {"address": address, "amount": str(2 * REWARD)})
    code, out, _ = run("--node", node.url, "--wallet", str(path), "--json", "register")
    assert code == 0
    assert json.loads(out)["miner_address"] == address
    code, out, _ = run("--node", node.url, "--wallet", str(path), "balance")
    assert code == 0
    assert "190 TOS" in out
    monkeypatch.setenv("TOS_WALLET_PASSPHRASE", "wrong")
    code, _, err = run("--node", node.url, "--wallet", str(path), "balance")
    assert code == 1
    assert "wrong passphrase" in err


def test_the_module_runs_as_a_program(node: DevnodeProcess) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tos_ai", "--node", node.url, "dev-accounts"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0
    assert done.stdout.count("tst1") == 10
    failed = subprocess.run(
        [sys.executable, "-m", "tos_ai", "--node", "http://127.0.0.1:9", "info"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert failed.returncode == 1
    assert "cannot reach the node" in failed.stderr
