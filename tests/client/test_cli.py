"""`python -m tos_ai`: readable output, --json, and a non-zero exit with the node's message."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.client.conftest import REWARD, DevAccounts, next_publisher
from tests.support.devnode import DevnodeProcess, run_devnode
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
    code, out, _ = run("wallet", "address", "--wallet", str(path))  # --wallet after the action too
    assert (code, out.strip()) == (0, address)
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


def test_version_and_help_on_every_option() -> None:
    from tos_ai import __version__
    from tos_ai.cli import build_parser
    from tos_ai.completion import commands_of

    code, out, _ = run_exit("--version")
    assert (code, out.strip()) == (0, f"tos-ai {__version__}")
    parser = build_parser()
    undocumented = [
        f"{name or 'tos-ai'} {option}"
        for name, spec in commands_of(parser).items()
        for option in spec.options + spec.subcommands
        if option not in ("-h", "--help") and not spec.helps.get(option)
    ]
    assert not undocumented
    for name in commands_of(parser):
        if name:
            code, out, _ = run_exit(name, "--help")
            assert code == 0
            assert "--json" in out


def run_exit(*argv: str) -> tuple[int, str, str]:
    """`run`, for arguments argparse answers itself (--help, --version) by exiting."""
    out, err = io.StringIO(), io.StringIO()
    with (
        pytest.raises(SystemExit) as exited,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        main(list(argv), out, err)
    return int(exited.value.code or 0), out.getvalue(), err.getvalue()


def test_json_may_follow_the_command_and_amounts_are_integers(node: DevnodeProcess, dev: DevAccounts) -> None:
    code, out, _ = run("info", "--node", node.url, "--json")
    assert code == 0
    assert isinstance(json.loads(out)["total_rewards_distributed"], int)
    publisher = dev.address(next_publisher())
    code, out, _ = run("--node", node.url, "publish", "--from", publisher, "--type", "GeneralTask",
                       "--reward", "80tos", "--json")  # fmt: skip
    assert code == 0
    task_id = json.loads(out)["task_id"]
    code, out, _ = run("task", task_id, "--node", node.url, "--json")
    task = json.loads(out)
    assert (task["reward_amount"], task["stake_required"]) == (8_000_000_000, 800_000_000)
    code, out, _ = run("balance", publisher, "--node", node.url, "--json")
    assert isinstance(json.loads(out)["balance"], int)
    code, out, _ = run("dev-accounts", "--node", node.url, "--json")
    assert all(isinstance(row["balance"], int) for row in json.loads(out))
    code, _, err = run("balance", "--node", node.url, "--from", dev.address(1), "--wallet", "w.json")
    assert code == 1
    assert "not both" in err


def test_watch_stops_at_a_count_or_a_seq(node: DevnodeProcess, dev: DevAccounts) -> None:
    node.rpc("ai_publish_task", {"task_data": {"task_type": "GeneralTask", "reward_amount": str(REWARD)},
                                 "from": dev.address(next_publisher())})  # fmt: skip
    head = node.rpc("get_info")["head_seq"]  # type: ignore[index]
    code, out, _ = run("watch", "--node", node.url, "--since", "0", "--until", str(head), "--json")
    assert code == 0
    seqs = [json.loads(line)["seq"] for line in out.splitlines()]
    assert seqs == list(range(1, head + 1))
    code, out, _ = run("watch", "--node", node.url, "--since", "0", "--count", "2")
    assert (code, len(out.splitlines())) == (0, 2)
    code, out, _ = run("watch", "--node", node.url, "--since", str(head), "--until", str(head))
    assert (code, out) == (0, "")


def test_a_closed_pipe_ends_the_cli_quietly(node: DevnodeProcess, dev: DevAccounts) -> None:
    def publish() -> None:
        node.rpc("ai_publish_task", {"task_data": {"task_type": "GeneralTask", "reward_amount": str(REWARD)},
                                     "from": dev.address(next_publisher())})  # fmt: skip

    publish()
    watch = subprocess.Popen(
        [sys.executable, "-m", "tos_ai", "--node", node.url, "watch", "--since", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert watch.stdout is not None
        assert watch.stdout.readline()
        watch.stdout.close()  # what `| head -1` does once it has its line
        for _ in range(3):  # new events make the CLI write into the closed pipe
            publish()
        assert watch.wait(timeout=30) == 141
        assert watch.stderr is not None
        assert watch.stderr.read() == b""
    finally:
        watch.kill()
        watch.wait()


def test_auto_mine_runs_the_designs_loop_and_reports(tmp_path: Path) -> None:
    with run_devnode(tmp_path) as node:
        accounts = node.rpc("dev_accounts")
        publisher, miner = accounts[1]["address"], accounts[8]["address"]  # type: ignore[index]
        task = node.rpc("ai_publish_task", {"task_data": {"task_type": "GeneralTask", "reward_amount": str(REWARD),
                                                          "max_participants": 1}, "from": publisher})  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "tos_ai", "auto-mine", "--node", node.url, "--from", miner,
             "--difficulty", "Beginner", "--duration", "3", "--json"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert all("status" in line for line in lines[:-1])
    final = lines[-1]
    assert final["joined"] == [task["task_id"]]  # type: ignore[index]
    assert task["task_id"] in final["submitted"]  # type: ignore[index]
    assert final["scans"] >= 1


def test_the_status_line_updates_in_place_on_a_terminal() -> None:
    from tos_ai import AutoMiningReport
    from tos_ai.cli import StatusLine

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    status = StatusLine(screen, as_json=False)
    report = AutoMiningReport(scans=1, next_scan_at=100.0)
    status.show(report.status_line(now=40.0), {})
    report.joined.append("t1")
    status.show(report.status_line(now=41.0), {})
    status.end()
    text = screen.getvalue()
    assert "\n" not in text
    assert text.count("\r") == 4  # two redraws, then the line is wiped
    assert "scans 1 | active 0 | joined 1 | submitted 0 | errors 0 | next scan in 59s" in text
    piped = io.StringIO()
    status = StatusLine(piped, as_json=False)
    for _ in range(3):
        status.show("same", {})
    assert piped.getvalue() == "same\n"  # a log gets one line per change


def test_bash_completion_completes_commands_options_and_choices() -> None:
    code, script, _ = run("completion", "bash")
    assert code == 0

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in words)
        probe = (
            f'{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _tos_ai; echo "${{COMPREPLY[@]}}"'
        )
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30, check=True)
        return done.stdout.split()

    assert complete("tos-ai", "wa") == ["watch", "wallet"]
    assert complete("tos-ai", "--json", "watch", "--un") == ["--until"]
    assert complete("tos-ai", "publish", "--difficulty", "") == [
        "Beginner",
        "Intermediate",
        "Advanced",
        "Expert",
    ]
    for shell in ("zsh", "fish"):
        code, other, _ = run("completion", shell)
        assert code == 0
        assert "auto-mine" in other
