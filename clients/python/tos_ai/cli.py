"""`python -m tos_ai`: talk to a TOS node from a shell.

Reads print readable text (or `--json`); errors print the node's message on stderr and exit 1.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from tos_ai.core import DEFAULT_RPC_URL
from tos_ai.errors import NodeError, WalletError
from tos_ai.models import TaskSolution, format_tos, to_atomic
from tos_ai.records import Record
from tos_ai.sync import Client
from tos_ai.wallet import Wallet

PASSPHRASE_ENV = "TOS_WALLET_PASSPHRASE"  # noqa: S105 - the name of the variable, not a secret


class CLIError(Exception):
    """A usage problem found after parsing (bad amount, unreadable file)."""


def parse_amount(text: str) -> int:
    """`5000000000` (atomic units) or `50tos` / `50.5 TOS`."""
    value = text.strip().lower().replace(" ", "")
    try:
        if value.endswith("tos"):
            return to_atomic(value[:-3])
        if value.isdigit():
            return int(value)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"not an amount: {text!r} (atomic units, or e.g. 50tos)")


def parse_task_type(text: str) -> str | dict[str, Any]:
    """`CodeAnalysis`, `CodeAnalysis:rust`, or the JSON form `{"CodeAnalysis":{"language":"rust"}}`."""
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"task type is not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise argparse.ArgumentTypeError("a JSON task type is an object")
        return value
    name, _, detail = text.partition(":")
    if not detail:
        return name
    keys = {
        "CodeAnalysis": "language",
        "SecurityAudit": "scope",
        "DataAnalysis": "data_type",
        "AlgorithmOptimization": "domain",
        "GeneralTask": "category",
    }
    if name == "LogicReasoning":
        return {name: {"complexity": int(detail)}}
    return {name: {keys.get(name, "category"): detail}}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tos_ai", description="TOS AI-mining node client.")
    parser.add_argument("--node", default=os.environ.get("TOS_NODE_URL", DEFAULT_RPC_URL), help="node URL")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--from", dest="sender", metavar="ADDRESS", help="act as this dev account (unsigned)")
    who.add_argument(
        "--wallet", type=Path, metavar="FILE", help=f"sign with this wallet file (${PASSPHRASE_ENV})"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("info", help="network info")
    tasks = sub.add_parser("tasks", help="list active tasks")
    tasks.add_argument("--type", dest="task_type")
    tasks.add_argument("--difficulty")
    tasks.add_argument("--min-reward", type=parse_amount)
    tasks.add_argument("--publisher")
    tasks.add_argument("--limit", type=int)
    show = sub.add_parser("task", help="show one task")
    show.add_argument("task_id")

    publish = sub.add_parser("publish", help="publish a task")
    publish.add_argument("--type", dest="task_type", type=parse_task_type, required=True)
    publish.add_argument("--reward", type=parse_amount, required=True)
    publish.add_argument("--title")
    publish.add_argument("--description")
    publish.add_argument("--difficulty")
    publish.add_argument("--deadline-hours", type=float)
    publish.add_argument("--max-participants", type=int)
    publish.add_argument("--stake-required", type=parse_amount)
    publish.add_argument("--quality-threshold", type=int)
    publish.add_argument("--reviewers", type=int, help="PeerReview required_reviewers")

    cancel = sub.add_parser("cancel", help="cancel a task you published")
    cancel.add_argument("task_id")
    register = sub.add_parser("register", help="register as a miner")
    register.add_argument("--fee", type=parse_amount)
    register.add_argument("--specialization", action="append", dest="specializations")

    participate = sub.add_parser("participate", help="join a task with a stake")
    participate.add_argument("task_id")
    participate.add_argument("--stake", type=parse_amount, required=True)

    submit = sub.add_parser("submit", help="submit a solution")
    submit.add_argument("task_id")
    content = submit.add_mutually_exclusive_group(required=True)
    content.add_argument("--content")
    content.add_argument("--content-file", type=Path)
    submit.add_argument("--code-file", type=Path)
    submit.add_argument("--documentation")

    validate = sub.add_parser("validate", help="approve a submission with a score")
    validate.add_argument("task_id")
    validate.add_argument("submission_id")
    validate.add_argument("--score", type=int, required=True)
    validate.add_argument("--reasoning", required=True)
    reject = sub.add_parser("reject", help="reject a submission")
    reject.add_argument("task_id")
    reject.add_argument("submission_id")
    reject.add_argument("--reason", required=True)
    reject.add_argument("--evidence")
    sub.add_parser("pending", help="submissions you may still validate")

    balance = sub.add_parser("balance", help="an account's balance")
    balance.add_argument("address", nargs="?")
    stats = sub.add_parser("stats", help="an account's miner stats")
    stats.add_argument("address", nargs="?")

    watch = sub.add_parser("watch", help="print node events as they happen")
    watch.add_argument("--since", type=int, help="replay events after this seq first")
    watch.add_argument("--event", action="append", dest="events", help="only this event (repeatable)")
    watch.add_argument("--count", type=int, help="stop after this many events")

    sub.add_parser("dev-accounts", help="the dev accounts (dev mode)")
    faucet = sub.add_parser("faucet", help="mint funds to an address (dev mode)")
    faucet.add_argument("address")
    faucet.add_argument("amount", type=parse_amount)

    wallet = sub.add_parser("wallet", help="create or inspect a wallet file")
    wallet_sub = wallet.add_subparsers(dest="wallet_command", required=True, metavar="ACTION")
    new = wallet_sub.add_parser("new", help="create a new wallet file")
    new.add_argument("file", type=Path)
    new.add_argument("--private-key", help="import this 32-byte seed (hex) instead of generating one")
    new.add_argument("--hrp", default="tst", choices=["tst", "tos"])
    wallet_sub.add_parser("address", help="print the address of --wallet FILE")
    return parser


def passphrase(prompt: str = "Wallet passphrase: ", *, confirm: bool = False) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value is not None:
        return value
    value = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat passphrase: ") != value:
        raise CLIError("the passphrases differ")
    return value


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc}") from None


class Printer:
    """Readable or JSON output for command results."""

    def __init__(self, out: TextIO, as_json: bool) -> None:
        self.out = out
        self.as_json = as_json

    def emit(self, value: Any, text: Callable[[Any], str] | None = None) -> None:
        if self.as_json:
            print(json.dumps(_plain(value), ensure_ascii=False, sort_keys=True), file=self.out, flush=True)
        else:
            print(text(value) if text else _describe(value), file=self.out, flush=True)


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


_AMOUNT_KEYS = {
    "reward_amount",
    "stake_required",
    "stake_amount",
    "total_rewards_distributed",
    "total_earnings",
    "current_stake",
    "balance",
    "amount",
    "refunded",
}


def _describe(value: Any, indent: str = "") -> str:
    if isinstance(value, Mapping):
        lines = []
        for key, item in value.items():
            if isinstance(item, Mapping | list) and item:
                lines.append(f"{indent}{key}:")
                lines.append(_describe(item, indent + "  "))
            elif key in _AMOUNT_KEYS and isinstance(item, int | str) and str(item).isdigit():
                lines.append(f"{indent}{key}: {format_tos(int(item))} ({item})")
            else:
                lines.append(f"{indent}{key}: {_scalar(item)}")
        return "\n".join(lines)
    if isinstance(value, list):
        if not value:
            return f"{indent}(none)"
        return "\n".join(f"{indent}- {_describe(item, indent + '  ').lstrip()}" for item in value)
    return f"{indent}{_scalar(value)}"


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, Mapping | list) else str(value)


def _task_table(tasks: list[Any]) -> str:
    if not tasks:
        return "no active tasks"
    rows = [("TASK", "TITLE", "DIFFICULTY", "REWARD", "STATUS", "PARTICIPANTS", "TIME LEFT")]
    for task in tasks:
        rows.append(
            (
                task.task_id[:16],
                task.title[:32],
                task.difficulty_level,
                format_tos(task.reward_amount),
                task.status,
                f"{task.participants_count}/{task.max_participants}",
                f"{task.time_left // 3600}h{task.time_left % 3600 // 60:02d}m",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def _event_line(event: Any) -> str:
    data = json.dumps(event.data, ensure_ascii=False, sort_keys=True)
    return f"#{event.seq} {event.event} (height {event.topoheight}) {data}"


def _make_client(args: argparse.Namespace) -> Client:
    wallet = None
    if args.wallet is not None:
        wallet = Wallet.load(args.wallet, passphrase())
    return Client(args.node, wallet, sender=args.sender)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Execute one parsed command; return the exit code."""
    printer = Printer(out, args.json)
    if args.command == "wallet":
        return _wallet_command(args, printer)
    with _make_client(args) as client:
        command = args.command
        if command == "info":
            printer.emit(client.get_network_info())
        elif command == "tasks":
            filters = {
                "task_type": args.task_type,
                "difficulty_level": args.difficulty,
                "min_reward": args.min_reward,
                "publisher": args.publisher,
            }
            tasks = client.list_active_tasks(
                {k: v for k, v in filters.items() if v is not None}, limit=args.limit
            )
            printer.emit(tasks, _task_table)
        elif command == "task":
            printer.emit(client.get_task_details(args.task_id))
        elif command == "publish":
            extra: dict[str, Any] = {}
            if args.reviewers is not None:
                extra["verification_type"] = {
                    "PeerReview": {"required_reviewers": args.reviewers, "consensus_threshold": 0.67}
                }
            printer.emit(
                client.publisher.publish_task(
                    args.task_type,
                    args.reward,
                    title=args.title,
                    description=args.description,
                    difficulty_level=args.difficulty,
                    deadline_hours=args.deadline_hours,
                    max_participants=args.max_participants,
                    stake_required=args.stake_required,
                    quality_threshold=args.quality_threshold,
                    **extra,
                )
            )
        elif command == "cancel":
            printer.emit(client.publisher.cancel_task(args.task_id))
        elif command == "register":
            printer.emit(client.miner.register(args.specializations, args.fee))
        elif command == "participate":
            printer.emit(client.miner.participate_task(args.task_id, args.stake))
        elif command == "submit":
            solution = TaskSolution(
                content=args.content if args.content is not None else _read(args.content_file),
                code=_read(args.code_file) if args.code_file else None,
                documentation=args.documentation,
            )
            printer.emit(client.miner.submit_solution(args.task_id, solution))
        elif command == "validate":
            printer.emit(
                client.validator.validate(args.task_id, args.submission_id, args.score, args.reasoning)
            )
        elif command == "reject":
            printer.emit(
                client.validator.reject(args.task_id, args.submission_id, args.reason, args.evidence)
            )
        elif command == "pending":
            pending = client.validator.pending_submissions()
            rows = [
                {"task_id": p.task_id, "submission_id": p.submission_id, "submitter": p.submitter}
                for p in pending
            ]
            printer.emit(rows)
        elif command == "balance":
            balance = client.get_balance(args.address)
            printer.emit(
                {"balance": balance}, lambda v: f"{format_tos(v['balance'])} ({v['balance']} atomic)"
            )
        elif command == "stats":
            printer.emit(client.get_miner_stats(args.address))
        elif command == "watch":
            return _watch(client, args, printer)
        elif command == "dev-accounts":
            accounts = client.dev.accounts()
            printer.emit(
                accounts, lambda rows: "\n".join(f"{a.address}  {format_tos(a.balance)}" for a in rows)
            )
        elif command == "faucet":
            printer.emit(client.dev.faucet(args.address, args.amount))
    return 0


def _watch(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    seen = 0
    with client.events(since_seq=args.since, events=args.events) as stream:
        for event in stream:
            printer.emit(event, _event_line)
            seen += 1
            if args.count is not None and seen >= args.count:
                break
    return 0


def _wallet_command(args: argparse.Namespace, printer: Printer) -> int:
    if args.wallet_command == "new":
        if args.file.exists():
            raise CLIError(f"{args.file} exists; not overwriting it")
        if args.private_key:
            wallet = Wallet.from_private_key(args.private_key, args.hrp)
        else:
            wallet = Wallet.generate(args.hrp)
        wallet.save(args.file, passphrase("New wallet passphrase: ", confirm=True))
        printer.emit(
            {"address": wallet.address, "file": str(args.file)}, lambda v: f"{v['address']}  ->  {v['file']}"
        )
        return 0
    if args.wallet is None:
        raise CLIError("give the wallet file with --wallet FILE")
    wallet = Wallet.load(args.wallet, passphrase())
    printer.emit({"address": wallet.address}, lambda v: v["address"])
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point: parse `argv`, run the command, map failures to an exit code."""
    stdout = out or sys.stdout
    stderr = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        return run(args, stdout)
    except (NodeError, WalletError, CLIError) as exc:
        if args.json:
            print(json.dumps(_error_json(exc), ensure_ascii=False), file=stderr)
        else:
            print(f"error: {exc}", file=stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _error_json(exc: Exception) -> dict[str, Any]:
    body: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
    for key in ("method", "code", "data"):
        if hasattr(exc, key):
            body[key] = getattr(exc, key)
    if hasattr(exc, "message"):
        body["node_message"] = exc.message
    return body
