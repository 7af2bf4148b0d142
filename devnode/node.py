"""The node: state + store + event log, one transaction per write, and the JSON-RPC dispatcher.

Everything runs on one asyncio loop and each call is synchronous, so a request sees and leaves a
consistent state without locks. A write is committed to SQLite before its reply is sent and before its
events reach subscribers; a failed write reloads the records it touched from the store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from devnode import __version__, rules
from devnode.crypto import (
    DEVNET_NETWORK,
    AddressError,
    public_key_from_address,
    signing_payload,
    verify_signature,
)
from devnode.errors import METHOD_NOT_FOUND, PERMISSION_DENIED, RpcError, invalid_params
from devnode.events import EventLog
from devnode.methods import AUTH, METHODS, Method
from devnode.ratelimit import RateLimiter
from devnode.schema import Address, check_values
from devnode.state import State, StateConfig
from devnode.store import Store

if TYPE_CHECKING:
    from devnode.selfcheck import ReplyChecker

log = logging.getLogger("devnode")

T = TypeVar("T")

_FROM = Address(description="The account making an unsigned write (a dev account)")


@dataclass
class NodeConfig:
    state: StateConfig = field(default_factory=StateConfig)
    state_file: Path | None = None  # None: in memory
    block_time: float = 1.0
    require_signatures: bool = False
    # The dev methods (dev_faucet, dev_increase_time, dev_mine, dev_accounts): open to every caller when
    # True; otherwise only to a call made with the admin token (from loopback; the transport checks).
    dev_methods: bool = True
    admin_token: str | None = None
    # Origins a browser may call from (CORS); empty: none, the default. "*" allows any origin.
    cors_origins: tuple[str, ...] = ()
    check_replies: bool = False  # check every reply against its published schema (devnode.selfcheck)
    max_events: int = rules.DEFAULT_MAX_EVENTS
    ws_queue: int = 10_000  # events a WebSocket subscriber may fall behind before it is dropped


class Node:
    def __init__(self, config: NodeConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.version = f"devnode/{__version__}"
        self.store = Store(config.state_file)
        self.state = State(config.state, clock)
        self.limiter = RateLimiter(config.state.rate_limits)
        self.log = EventLog(config.max_events, 0)
        if self.store.is_empty():
            self.state.genesis()
            self.state.meta["seed"] = config.state.seed
            self._commit()
        else:
            meta, accounts, tasks = self.store.load()
            if meta.get("seed") != config.state.seed:
                raise SystemExit(
                    f"the state file was created with seed {meta.get('seed')!r}, not {config.state.seed!r}; "
                    "pass the same --seed or use another --state-file"
                )
            self.state.load(meta, accounts, tasks)
        self.log = EventLog(config.max_events, self.state.head_seq, self.store.load_events(config.max_events))
        self.reply_checker: ReplyChecker | None = None
        if config.check_replies:
            from devnode.selfcheck import ReplyChecker

            self.reply_checker = ReplyChecker()

    # ----- transactions -------------------------------------------------------------------------------

    def transact(self, operation: Callable[[], T]) -> T:
        """Run a state change; commit it, or undo it entirely if it raises."""
        try:
            result = operation()
        except BaseException:
            self._rollback()
            raise
        self._commit()
        return result

    def _rollback(self) -> None:
        if self.state.has_changes:
            meta, accounts, tasks = self.store.load()
            self.state.load(meta, accounts, tasks)
        self.state.clear_changes()

    def _commit(self) -> None:
        state = self.state
        if not state.has_changes:
            return
        events = EventLog.serialize(state.pending_events)
        head = state.head_seq
        try:
            self.store.commit(
                dict(state.meta) if state.meta_dirty else None,
                [state.accounts[address].to_dict() for address in state.dirty_accounts],
                [state.tasks[task_id].to_dict() for task_id in state.dirty_tasks],
                [(event.seq, event.text) for event in events],
                prune_through=max(0, head - self.config.max_events) if events else 0,
            )
        except BaseException:
            self._rollback()
            raise
        state.clear_changes()
        self.log.publish(events)

    def mine_blocks(self, count: int = 1) -> None:
        def mine() -> None:
            for _ in range(count):
                self.state.mine_block()

        self.transact(mine)

    def close(self) -> None:
        self.store.close()

    # ----- dispatch -----------------------------------------------------------------------------------

    def call(self, name: str, params: Any, *, admin: bool = False) -> Any:
        """Run one JSON-RPC method; raises RpcError for every rejection.

        `admin`: the transport vouches that the call came from loopback with the admin token, which
        opens the dev methods on a node that keeps them closed.
        """
        check_values(name, "method")
        check_values(params)
        method = METHODS.get(name)
        if method is None:
            raise RpcError(METHOD_NOT_FOUND, f"unknown method '{name}'", {"method": name})
        if method.dev and not (self.config.dev_methods or admin):
            raise RpcError(
                PERMISSION_DENIED,
                f"{name} is a dev method, and this node keeps them closed (it requires signatures): "
                "start it with --dev-methods, or call from this machine with its admin token "
                "(Authorization: Bearer ..., see --admin-token-file)",
                {"method": name, "rule": "dev_methods_closed"},
            )
        if params is None:
            params = {}
        if isinstance(params, list):
            raise invalid_params(
                "params", "params must be an object of named parameters, not an array", "named_params"
            )
        if not isinstance(params, dict):
            raise invalid_params("params", "params must be an object of named parameters", "named_params")
        caller = self._resolve_caller(method, params) if method.caller else None
        parsed = method.params.parse(
            {key: value for key, value in params.items() if key not in ("auth", "from")}, ""
        )
        if method.mutates or method.caller:
            return self.transact(lambda: method.handler(self, parsed, caller))
        return method.handler(self, parsed, None)

    def _resolve_caller(self, method: Method, params: dict[str, Any]) -> str:
        """Who makes this write: a verified signer, or an unlocked dev account."""
        named = _FROM.parse(params["from"], "from") if params.get("from") is not None else None
        if params.get("auth") is not None:
            auth = AUTH.parse(params["auth"], "auth")
            address: str = auth["address"]
            if named is not None and named != address:
                raise RpcError(
                    PERMISSION_DENIED,
                    "'from' and 'auth.address' name different accounts",
                    {"field": "from", "rule": "from_mismatch"},
                )
            chain_id = str(self.state.meta["chain_id"])
            if auth["chain_id"] != chain_id:
                raise RpcError(
                    PERMISSION_DENIED,
                    f"this request is signed for chain {auth['chain_id']!r}, but this node's chain id is "
                    f"{chain_id!r} (get_info): sign it for this chain",
                    {"field": "auth.chain_id", "rule": "chain_id", "expected": chain_id},
                )
            bare = {key: value for key, value in params.items() if key != "auth"}
            try:
                public_key = public_key_from_address(address)
            except AddressError:  # pragma: no cover - AUTH already checked the address
                raise invalid_params("auth.address", "not a valid address", "address") from None
            payload = signing_payload(
                method.name, bare, auth["nonce"], chain_id=chain_id, network=DEVNET_NETWORK
            )
            if not verify_signature(public_key, payload, auth["signature"]):
                raise RpcError(
                    PERMISSION_DENIED,
                    "the signature does not match this request, address and chain",
                    {"field": "auth.signature", "rule": "signature"},
                )
            expected = self.state.peek_account(address).nonce
            if auth["nonce"] != expected:
                raise RpcError(
                    PERMISSION_DENIED,
                    f"nonce {auth['nonce']} is not the account's next nonce ({expected}); "
                    "a request cannot be replayed",
                    {"field": "auth.nonce", "rule": "nonce", "expected": expected},
                )
            # The nonce is spent by a valid signature, whatever the method then does.
            self.transact(lambda: self.state.consume_nonce(address))
            return address
        if self.config.require_signatures:
            raise RpcError(
                PERMISSION_DENIED,
                "this node requires signed requests (--require-signatures): add an 'auth' object",
                {"field": "auth", "rule": "signature_required"},
            )
        if named is None:
            return self.state.dev[0].address
        if named not in self.state.dev_addresses:
            raise RpcError(
                PERMISSION_DENIED,
                f"{named} is not an unlocked dev account; sign the request with its key",
                {"field": "from", "rule": "not_unlocked"},
            )
        return named
