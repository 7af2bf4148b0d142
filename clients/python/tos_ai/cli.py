"""`tos-ai` / `python -m tos_ai`: talk to a TOS node from a shell.

Reads print readable text (or `--json`: JSON with integer amounts, one object per line for streams);
errors print the node's message on stderr and exit 1; a closed pipe (`| head`) ends quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from tos_ai import __version__
from tos_ai.completion import SHELLS, completion_script
from tos_ai.errors import NodeError, WalletError
from tos_ai.mining import AutoMiningReport
from tos_ai.models import AutoMiningConfig, TaskSolution, format_tos, to_atomic
from tos_ai.records import Record
from tos_ai.rules import DIFFICULTY_LEVELS, EVENT_NAMES
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


PROG = "tos-ai"
EPILOG = """\
The node is --node, else $TOS_NODE_URL, else http://localhost:8545. Amounts are atomic units
(1 TOS = 100000000) or TOS with a suffix: 50tos, 1.5TOS. --json, --node, --from and --wallet may
also come after the command. Shell completion: eval "$(tos-ai completion bash)" (or zsh, fish).
"""


def _common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The options every command takes, before or after the command name (after it: no defaults)."""

    def default(value: Any) -> Any:
        return value if top else argparse.SUPPRESS

    parser.add_argument(
        "--node",
        default=default(None),
        metavar="URL",
        help="the node's JSON-RPC URL (default: $TOS_NODE_URL, else http://localhost:8545)",
    )
    parser.add_argument(
        "--from",
        dest="sender",
        default=default(None),
        metavar="ADDRESS",
        help="act as this dev account, unsigned (dev mode only)",
    )
    parser.add_argument(
        "--wallet",
        type=Path,
        default=default(None),
        metavar="FILE",
        help=f"sign writes with this wallet file (passphrase from ${PASSPHRASE_ENV}, else asked)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print JSON (one object per line for streams; amounts as integers) instead of text",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Talk to a TOS node's AI-mining API: tasks, mining, validation, events, wallets.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".")
        _common_options(cmd, top=False)
        return cmd

    command("info", "the network's summary: active tasks, miners, rewards paid")
    tasks = command("tasks", "list the active tasks")
    tasks.add_argument(
        "--type", dest="task_type", metavar="TYPE", help="only this task type, e.g. CodeAnalysis"
    )
    tasks.add_argument("--difficulty", choices=DIFFICULTY_LEVELS, help="only this difficulty level")
    tasks.add_argument(
        "--min-reward", type=parse_amount, metavar="AMOUNT", help="only rewards of at least this"
    )
    tasks.add_argument("--publisher", metavar="ADDRESS", help="only tasks this address published")
    tasks.add_argument("--limit", type=int, metavar="N", help="at most N tasks (node default 50)")
    show = command("task", "show one task with its participants, submissions and rewards")
    show.add_argument("task_id", help="the task's id (64 hex characters)")

    publish = command("publish", "publish a task; its reward moves from your balance into escrow")
    publish.add_argument(
        "--type",
        dest="task_type",
        type=parse_task_type,
        required=True,
        metavar="TYPE",
        help='CodeAnalysis, CodeAnalysis:rust, or JSON such as \'{"LogicReasoning":{"complexity":3}}\'',
    )
    publish.add_argument("--reward", type=parse_amount, required=True, metavar="AMOUNT", help="the reward")
    publish.add_argument("--title", help="a short title (default: from the type)")
    publish.add_argument("--description", help="what to do, 10 to 2048 bytes (default: the title)")
    publish.add_argument(
        "--difficulty",
        choices=DIFFICULTY_LEVELS,
        help="default: the lowest level whose range holds the reward",
    )
    publish.add_argument(
        "--deadline-hours", type=float, metavar="HOURS", help="default: by difficulty (1-14 days)"
    )
    publish.add_argument("--max-participants", type=int, metavar="N", help="1 to 1000 (default 10)")
    publish.add_argument("--stake-required", type=parse_amount, metavar="AMOUNT", help="default: reward/10")
    publish.add_argument("--quality-threshold", type=int, metavar="SCORE", help="0 to 100 (default 70)")
    publish.add_argument("--reviewers", type=int, metavar="N", help="peer review by N validators")

    cancel = command("cancel", "cancel a task you published, before anyone joins it")
    cancel.add_argument("task_id", help="the task's id")
    register = command("register", "register as a miner (pays the registration fee)")
    register.add_argument("--fee", type=parse_amount, metavar="AMOUNT", help="default: the node's fee")
    register.add_argument(
        "--specialization",
        action="append",
        dest="specializations",
        metavar="TYPE",
        help="a task type you prefer (repeatable)",
    )

    participate = command("participate", "join a task with a stake")
    participate.add_argument("task_id", help="the task's id")
    participate.add_argument(
        "--stake", type=parse_amount, required=True, metavar="AMOUNT", help="between reward/10 and reward/2"
    )

    submit = command("submit", "submit a solution to a task you joined")
    submit.add_argument("task_id", help="the task's id")
    content = submit.add_mutually_exclusive_group(required=True)
    content.add_argument("--content", help="the answer (at least 10 bytes)")
    content.add_argument("--content-file", type=Path, metavar="FILE", help="read the answer from FILE")
    submit.add_argument("--code-file", type=Path, metavar="FILE", help="attach code from FILE")
    submit.add_argument("--documentation", help="notes for the validators")

    validate = command("validate", "approve a submission with a quality score")
    validate.add_argument("task_id", help="the task's id")
    validate.add_argument("submission_id", help="the submission's id")
    validate.add_argument("--score", type=int, required=True, metavar="SCORE", help="quality, 0 to 100")
    validate.add_argument("--reasoning", required=True, help="why this score")
    reject = command("reject", "reject a submission")
    reject.add_argument("task_id", help="the task's id")
    reject.add_argument("submission_id", help="the submission's id")
    reject.add_argument("--reason", required=True, help="why it is rejected")
    reject.add_argument("--evidence", help="what shows it")
    command("pending", "submissions you may still validate")

    balance = command("balance", "an account's balance")
    balance.add_argument("address", nargs="?", help="default: your account")
    stats = command("stats", "an account's miner statistics and reputation")
    stats.add_argument("address", nargs="?", help="default: your account")

    watch = command("watch", "print node events as they happen")
    watch.add_argument(
        "--since", type=int, metavar="SEQ", help="replay the events after SEQ first (0: all kept)"
    )
    watch.add_argument(
        "--event", action="append", dest="events", choices=EVENT_NAMES, help="only this event (repeatable)"
    )
    watch.add_argument("--count", type=int, metavar="N", help="stop after N events")
    watch.add_argument(
        "--until", type=int, metavar="SEQ", help="stop after the event with seq SEQ (or past it)"
    )

    auto = command("auto-mine", "run the TOS design's auto-mining loop, one status line updated in place")
    auto.add_argument(
        "--difficulty",
        action="append",
        dest="difficulties",
        choices=DIFFICULTY_LEVELS,
        help="a difficulty level to take (repeatable; default Beginner and Intermediate)",
    )
    auto.add_argument(
        "--max-concurrent", type=int, default=1, metavar="N", help="joined tasks at once (default 1)"
    )
    auto.add_argument(
        "--min-success",
        type=float,
        default=0.0,
        metavar="P",
        help="skip tasks estimated below P, 0..1 (default 0)",
    )
    auto.add_argument(
        "--min-time-left",
        type=int,
        default=600,
        metavar="SECONDS",
        help="skip tasks ending sooner (default 600)",
    )
    auto.add_argument(
        "--check-interval",
        type=float,
        default=60,
        metavar="SECONDS",
        help="seconds between scans (default 60)",
    )
    auto.add_argument("--no-submit", action="store_true", help="join tasks but do not submit solutions")
    auto.add_argument(
        "--no-events", action="store_true", help="scan on the timer only, ignore task_published"
    )
    auto.add_argument(
        "--duration", type=float, metavar="SECONDS", help="stop after SECONDS (default: Ctrl-C)"
    )

    command("dev-accounts", "the devnode's funded dev accounts and their keys (dev mode)")
    faucet = command("faucet", "mint funds to an address (dev mode)")
    faucet.add_argument("address", help="who receives them")
    faucet.add_argument("amount", type=parse_amount, help="how much")

    wallet = command("wallet", "create a wallet file or show its address")
    wallet_sub = wallet.add_subparsers(dest="wallet_command", required=True, metavar="ACTION")
    new = wallet_sub.add_parser("new", help="create a new wallet file (passphrase-encrypted)")
    _common_options(new, top=False)
    new.add_argument("file", type=Path, help="where to write it (never overwritten)")
    new.add_argument(
        "--private-key", metavar="HEX", help="import this 32-byte seed instead of generating one"
    )
    new.add_argument(
        "--hrp", default="tst", choices=["tst", "tos"], help="address prefix (default tst, devnet)"
    )
    _common_options(wallet_sub.add_parser("address", help="print the address of --wallet FILE"), top=False)

    completion = command("completion", "print a shell completion script")
    completion.add_argument("shell", choices=SHELLS, help='e.g. eval "$(tos-ai completion bash)"')
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


def _plain(value: Any, key: str | None = None) -> Any:
    """A JSON-ready copy: records become objects and every amount an integer (the node sends strings)."""
    if isinstance(value, Record):
        value = value.to_dict()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v, k) for k, v in value.items()}
    if key in _AMOUNT_KEYS and isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
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
    "escrow",
    "registration_fee",
    "min_reward",
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
    if args.wallet is not None and args.sender is not None:
        raise CLIError("give --from or --wallet, not both")
    wallet = None
    if args.wallet is not None:
        wallet = Wallet.load(args.wallet, passphrase())
    return Client(args.node, wallet, sender=args.sender)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Execute one parsed command; return the exit code."""
    printer = Printer(out, args.json)
    if args.command == "wallet":
        return _wallet_command(args, printer)
    if args.command == "completion":
        print(completion_script(build_parser(), args.shell), file=out)
        return 0
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
        elif command == "auto-mine":
            return _auto_mine(client, args, printer)
        elif command == "dev-accounts":
            accounts = client.dev.accounts()
            printer.emit(
                accounts, lambda rows: "\n".join(f"{a.address}  {format_tos(a.balance)}" for a in rows)
            )
        elif command == "faucet":
            printer.emit(client.dev.faucet(args.address, args.amount))
    return 0


def _watch(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    if args.count is not None and args.count <= 0:
        return 0
    seen = 0
    with client.events(since_seq=args.since, events=args.events) as stream:
        if args.until is not None and stream.last_seq is not None and stream.last_seq >= args.until:
            return 0
        for event in stream:
            printer.emit(event, _event_line)
            seen += 1
            if args.count is not None and seen >= args.count:
                break
            if args.until is not None and event.seq >= args.until:
                break
    return 0


def _auto_mine(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    """The design's loop in a thread; the main thread redraws one status line until it stops."""
    config = AutoMiningConfig(
        target_difficulty=args.difficulties or ("Beginner", "Intermediate"),
        max_concurrent_tasks=args.max_concurrent,
        min_success_probability=args.min_success,
        min_time_left=args.min_time_left,
        check_interval=args.check_interval,
        auto_submit_solutions=not args.no_submit,
        listen_events=not args.no_events,
    )
    done = threading.Event()
    outcome: dict[str, Any] = {}

    def mine() -> None:
        try:
            outcome["report"] = client.miner.start_auto_mining(config)
        except BaseException as exc:  # handed to the main thread, which reports it
            outcome["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=mine, name="tos-ai-auto-mine", daemon=True)
    thread.start()
    status = StatusLine(printer.out, as_json=printer.as_json)
    deadline = time.monotonic() + args.duration if args.duration is not None else None
    try:
        while not done.wait(0.25):
            report = client.miner.auto_mining_report
            if report is not None:
                status.show(report.status_line(), _report_json(report))
            if deadline is not None and time.monotonic() >= deadline:
                break
    except KeyboardInterrupt:
        pass
    finally:
        client.miner.stop_auto_mining()
        done.wait(10)
    status.end()
    if "error" in outcome:
        raise outcome["error"]
    report = outcome.get("report")
    if report is None:
        raise CLIError("auto-mining did not stop within 10 s")
    printer.emit(_report_json(report), lambda v: "stopped: " + report.status_line())
    return 0


def _report_json(report: AutoMiningReport) -> dict[str, Any]:
    return {
        "scans": report.scans,
        "joined": list(report.joined),
        "submitted": dict(report.submitted),
        "active": list(report.active),
        "errors": list(report.errors),
        "next_scan_at": report.next_scan_at,
    }


class StatusLine:
    """One line redrawn in place on a terminal; elsewhere (a pipe, a log) one line per change."""

    def __init__(self, out: TextIO, *, as_json: bool) -> None:
        self.out = out
        self.as_json = as_json
        self.tty = not as_json and out.isatty()
        self._last = ""
        self._width = 0

    def show(self, text: str, data: Mapping[str, Any]) -> None:
        if self.as_json:
            line = json.dumps({"status": _plain(data)}, sort_keys=True)
            changed_part = json.dumps({k: v for k, v in data.items() if k != "next_scan_at"}, sort_keys=True)
        else:
            line = changed_part = text
        if self.tty:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            shown = line[:width]
            self.out.write("\r" + shown.ljust(self._width))
            self._width = len(shown)
            self.out.flush()
        elif changed_part != self._last:
            print(line, file=self.out, flush=True)
        self._last = changed_part

    def end(self) -> None:
        if self.tty and self._width:
            self.out.write("\r" + " " * self._width + "\r")
            self.out.flush()


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
    except BrokenPipeError:
        # The reader went away (`tos-ai watch | head -3`): stop quietly, as Unix tools do.
        if stdout is sys.stdout:
            with contextlib.suppress(OSError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
        return 141


def _error_json(exc: Exception) -> dict[str, Any]:
    body: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
    for key in ("method", "code", "data"):
        if hasattr(exc, key):
            body[key] = getattr(exc, key)
    if hasattr(exc, "message"):
        body["node_message"] = exc.message
    return body
