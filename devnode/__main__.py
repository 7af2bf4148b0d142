"""`python -m devnode`: start the devnet node and print its dev accounts, Anvil-style."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from devnode import rules
from devnode.state import NETWORK_ADDRESS, StateConfig


def parse_rate_limits(text: str) -> dict[str, int] | None:
    """`publish=10,submit=100,validate=500`, or `off` for none."""
    if text.strip().lower() in ("off", "none", "0", ""):
        return None
    limits = dict(rules.DEFAULT_RATE_LIMITS)
    for part in text.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in limits or not value.strip().isdigit():
            raise argparse.ArgumentTypeError(f"expected publish=N,submit=N,validate=N or off, got {part!r}")
        limits[name] = int(value)
    return limits


def cors_origins(text: str) -> tuple[str, ...]:
    """`https://a.example,http://localhost:3000` or `*`: each an origin (scheme://host[:port])."""
    origins = tuple(part.strip().rstrip("/") for part in text.split(",") if part.strip())
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
            raise argparse.ArgumentTypeError(
                f"expected origins like https://app.example or *, got {origin!r}"
            )
    return origins


def admin_token(path: Path | None) -> str | None:
    """The admin token: the file's first line, else DEVNODE_ADMIN_TOKEN; at least 16 characters."""
    token = path.read_text(encoding="utf-8").strip() if path else os.environ.get("DEVNODE_ADMIN_TOKEN")
    if not token:
        return None
    if len(token) < 16:
        raise SystemExit("the admin token must be at least 16 characters long")
    return token


MAX_DEV_ACCOUNTS = rules.MAX_SUPPLY // rules.GENESIS_BALANCE


def dev_account_count(text: str) -> int:
    """1 to 184: the genesis balances together may not pass the chain's maximum supply."""
    if not text.isdigit() or not 1 <= int(text) <= MAX_DEV_ACCOUNTS:
        raise argparse.ArgumentTypeError(
            f"expected 1 to {MAX_DEV_ACCOUNTS} accounts ({rules.format_tos(rules.GENESIS_BALANCE)} each, "
            f"within the maximum supply of {rules.format_tos(rules.MAX_SUPPLY)}), got {text!r}"
        )
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devnode", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8545)
    parser.add_argument(
        "--state-file",
        type=Path,
        default=Path(".run/devnode.db"),
        help="SQLite file for state and events (default .run/devnode.db)",
    )
    parser.add_argument("--ephemeral", action="store_true", help="keep everything in memory")
    parser.add_argument(
        "--block-time", type=float, default=1.0, help="seconds between blocks; 0 mines only on dev_mine"
    )
    parser.add_argument(
        "--require-signatures",
        action="store_true",
        help="lock the dev accounts; the dev methods close too, and dev_accounts never serves private keys",
    )
    parser.add_argument(
        "--dev-methods",
        action="store_true",
        help="with --require-signatures: keep dev_faucet, dev_mine, dev_increase_time and dev_accounts "
        "(without keys) open to every caller",
    )
    parser.add_argument(
        "--admin-token-file",
        type=Path,
        help="a file holding the admin token (also DEVNODE_ADMIN_TOKEN): a call from loopback with "
        "'Authorization: Bearer TOKEN' may use the dev methods when they are closed",
    )
    parser.add_argument("--seed", default="tos-devnet", help="seed of the dev accounts")
    parser.add_argument(
        "--accounts",
        type=dev_account_count,
        default=rules.DEV_ACCOUNT_COUNT,
        help=f"how many dev accounts (1 to {MAX_DEV_ACCOUNTS}: each holds 1,000,000 TOS of the maximum supply)",
    )
    parser.add_argument(
        "--dev-reputation",
        type=int,
        default=rules.REPUTATION_START,
        help="starting reputation of the dev accounts (default 500)",
    )
    parser.add_argument(
        "--rate-limits",
        type=parse_rate_limits,
        default=dict(rules.DEFAULT_RATE_LIMITS),
        help="per-address hourly limits, e.g. publish=10,submit=100,validate=500, or off",
    )
    parser.add_argument("--no-rate-limits", action="store_true", help="same as --rate-limits off")
    parser.add_argument(
        "--max-events", type=int, default=rules.DEFAULT_MAX_EVENTS, help="events kept for replay"
    )
    parser.add_argument(
        "--validation-window",
        type=int,
        default=rules.DEFAULT_VALIDATION_WINDOW,
        help="seconds after the deadline before a task completes without all validations",
    )
    parser.add_argument(
        "--ws-queue",
        type=int,
        default=10_000,
        help="events a WebSocket subscriber may fall behind before it is dropped",
    )
    parser.add_argument(
        "--cors-origins",
        type=cors_origins,
        help="comma-separated origins a browser page may call the node from (CORS), or '*' for any; "
        "default none",
    )
    parser.add_argument(
        "--check-replies",
        action="store_true",
        help="check every reply against its published schema and log a mismatch (needs jsonschema; "
        "the conformance harness uses it)",
    )
    parser.add_argument("--log-level", default="warning")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    import uvicorn

    from devnode.app import build_app
    from devnode.node import Node, NodeConfig

    config = NodeConfig(
        state=StateConfig(
            seed=args.seed,
            dev_accounts=args.accounts,
            dev_reputation=args.dev_reputation,
            validation_window=args.validation_window,
            rate_limits=None if args.no_rate_limits else args.rate_limits,
        ),
        state_file=None if args.ephemeral else args.state_file,
        block_time=args.block_time,
        require_signatures=args.require_signatures,
        dev_methods=args.dev_methods or not args.require_signatures,
        admin_token=admin_token(args.admin_token_file),
        cors_origins=args.cors_origins or (),
        check_replies=args.check_replies,
        max_events=args.max_events,
        ws_queue=args.ws_queue,
    )
    node = Node(config)
    print_banner(node, args.host, args.port)
    uvicorn.run(
        build_app(node),
        host=args.host,
        port=args.port,
        http=_http_protocol(),
        ws="websockets-sansio",
        log_level=args.log_level,
        access_log=False,
        lifespan="on",
        # Stopping must not wait on clients that keep a connection open (a dashboard's pooled HTTP
        # connections, a subscriber that does not answer the close): after 5 s it stops anyway.
        timeout_graceful_shutdown=5,
        timeout_keep_alive=rules.IDLE_CONNECTION_SECONDS,
    )


def _http_protocol() -> type[asyncio.Protocol] | str:
    """httptools (fast), with h2c upgrade offers declined; h11 where httptools is not installed."""
    if importlib.util.find_spec("httptools") is None:
        return "h11"
    from devnode.http_protocol import HttpProtocol

    return HttpProtocol


def print_banner(node: object, host: str, port: int) -> None:
    from devnode.node import Node

    assert isinstance(node, Node)
    state = node.state
    lines = ["", "TOS AI-mining devnode " + node.version, "", "Available accounts", "=================="]
    for dev in state.dev:
        balance = state.peek_account(dev.address).balance
        lines.append(f"({dev.index}) {dev.address} ({rules.format_tos(balance)})")
    config = node.config
    if config.require_signatures:
        # The keys may be the operator's secrets (a private --seed): not even the log gets them.
        lines += ["", "Private keys: not shown (--require-signatures); they derive from the seed"]
    else:
        lines += ["", "Private keys (hex ed25519 seeds)", "================================"]
        lines += [f"({dev.index}) {dev.private_key}" for dev in state.dev]
    signatures = "required" if config.require_signatures else "optional"
    if config.dev_methods:
        dev_methods = "open"
    else:
        dev_methods = "closed (open to the admin token from loopback)" if config.admin_token else "closed"
    lines += [
        "",
        f"Network account (5% share, fees, slashes): {NETWORK_ADDRESS}",
        f"State: {config.state_file or 'in memory (--ephemeral)'}; topoheight {state.topoheight}; "
        f"block time {config.block_time} s; signatures {signatures}; dev methods {dev_methods}",
        "",
        f"Listening on http://{host}:{port} (JSON-RPC at / and /json_rpc, REST at /ai/, events at ws://{host}:{port}/ai/ws)",
        "",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
