"""The one JSON-RPC core under both transports: calls, plans, request building, replies, retries, nonces.

Nothing here does I/O. A *call* is `(method, params, parse)`; a *plan* is a generator that yields calls
(or a tuple of calls to run together, or a `Compute` step) and receives their parsed results, so a
composite operation (`pending_submissions`, one auto-mining scan) is written once and driven by the
async client (`tos_ai.aio`) and the sync client (`tos_ai.sync`) alike. Errors raised by a step are
thrown back into the plan, so plans may catch and handle them.
"""

from __future__ import annotations

import inspect
import itertools
import json
import os
import random
import re
import threading
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from tos_ai.errors import (
    AlreadyDone,
    ChainReset,
    InsufficientFunds,
    InvalidContent,
    InvalidTaskState,
    NodeConnectionError,
    NodeError,
    NodeHTTPError,
    NodeResponseError,
    NodeTimeoutError,
    NonceMismatch,
    RateLimited,
    ResyncRequired,
    UnknownObject,
    WrongChain,
    rpc_error,
)
from tos_ai.records import Event, Malformed, as_int
from tos_ai.wallet import Wallet

T = TypeVar("T")

DEFAULT_RPC_URL = "http://localhost:8545"
#: Read when a client is made without a URL (then `TOS_NODE_WS_URL` names the event WebSocket too).
NODE_URL_ENV = "TOS_NODE_URL"
NODE_WS_URL_ENV = "TOS_NODE_WS_URL"


def node_urls(rpc_url: str | None, ws_url: str | None) -> tuple[str, str]:
    """(JSON-RPC URL, event WebSocket URL): the ones given, else `TOS_NODE_URL` / `TOS_NODE_WS_URL`,
    else `http://localhost:8545` and the `/ai/ws` beside it."""
    if rpc_url is None:
        rpc_url = os.environ.get(NODE_URL_ENV) or DEFAULT_RPC_URL
        ws_url = ws_url or os.environ.get(NODE_WS_URL_ENV) or None
    return rpc_url, ws_url or ws_url_for(rpc_url)


#: Reads: safe to send twice, so the client retries them (connection errors, timeouts, 429/5xx, -32007).
READ_METHODS: frozenset[str] = frozenset(
    {
        "get_network_info",
        "ai_get_network_info",
        "ai_list_active_tasks",
        "ai_get_task_details",
        "ai_get_miner_stats",
        "ai_get_events",
        "ai_get_rules",
        "get_info",
        "get_version",
        "get_balance",
        "get_nonce",
        "get_ai_mining_statistics",
        "get_ai_mining_task",
        "get_ai_mining_miner",
        "get_ai_mining_active_tasks",
        "get_ai_mining_state",
        "dev_accounts",
    }
)

#: Writes made in an account's name: signed when the client has a wallet, else sent with `from`.
ACCOUNT_WRITES: frozenset[str] = frozenset(
    {
        "ai_publish_task",
        "ai_register_miner",
        "ai_participate_task",
        "ai_submit_solution",
        "ai_validate_submission",
        "ai_cancel_task",
    }
)

# Domain refusals that happen after the node checked the signature and nonce, so the nonce is spent.
_NONCE_SPENDING_ERRORS = (
    UnknownObject,
    InsufficientFunds,
    InvalidTaskState,
    InvalidContent,
    AlreadyDone,
    RateLimited,
)


def parse_any(value: object, path: str) -> Any:
    return value


@dataclass(frozen=True)
class Call(Generic[T]):
    """One JSON-RPC call: method, params (None sends none) and the parser of its result."""

    method: str
    params: Mapping[str, Any] | None = None
    parse: Callable[[object, str], T] = parse_any


@dataclass(frozen=True)
class Compute(Generic[T]):
    """A plan step that runs local code (a solution generator); async drivers await awaitables."""

    func: Callable[..., T | Awaitable[T]]
    args: tuple[Any, ...] = ()


Step = Call[Any] | tuple[Call[Any], ...] | Compute[Any]
Plan = Generator[Step, Any, T]


def describe_method(method: Callable[..., Any], spec: Callable[..., Any], *, takes_core: bool) -> None:
    """Give a client method built from `spec` its name, docstring and signature (for help() and IDEs)."""
    signature = inspect.signature(spec)
    params = list(signature.parameters.values())[1 if takes_core else 0 :]
    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    # The spec returns Call[X] or Plan[X]; the method returns X.
    returns = re.fullmatch(r"(?:Call|Plan)\[(.*)\]", str(signature.return_annotation))
    method.__name__ = spec.__name__
    method.__qualname__ = spec.__name__
    method.__doc__ = spec.__doc__ or f"`{spec.__name__}` on the node."
    method.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[self_param, *params],
        return_annotation=returns.group(1) if returns else inspect.Signature.empty,
    )


def single(call: Call[T]) -> Plan[T]:
    """The plan of one call."""
    result: T = yield call
    return result


@dataclass(frozen=True)
class Timeouts:
    """Explicit default timeouts, in seconds."""

    connect: float = 5.0
    read: float = 15.0
    write: float = 15.0
    pool: float = 5.0

    def for_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@dataclass(frozen=True)
class RetryPolicy:
    """Retries for reads on the allow-list `methods`, with exponential backoff and jitter.

    `attempts` counts the first try. A retry waits `backoff(attempt)` (half fixed, half random, doubling
    up to `max_delay`) or the node's `retry_after`, whichever is longer; a `retry_after` beyond
    `max_retry_after` is not waited for: the error is raised.
    """

    attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 4.0
    max_retry_after: float = 10.0
    statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    methods: frozenset[str] = READ_METHODS

    def backoff(self, attempt: int) -> float:
        cap = min(self.max_delay, self.base_delay * 2 ** max(attempt - 1, 0))
        return float(cap / 2 + random.uniform(0, cap / 2))

    def delay(self, method: str, error: NodeError, attempt: int) -> float | None:
        """Seconds to wait before retrying after `attempt` failed tries, or None to give up."""
        if method not in self.methods or attempt >= self.attempts:
            return None
        hint: float | None
        if isinstance(error, RateLimited) or (
            isinstance(error, NodeHTTPError) and error.status_code in self.statuses
        ):
            hint = error.retry_after
        elif isinstance(error, NodeConnectionError | NodeTimeoutError):
            hint = None
        else:
            return None
        if hint is not None and hint > self.max_retry_after:
            return None
        return max(hint or 0.0, self.backoff(attempt))


NO_RETRIES = RetryPolicy(attempts=1)


def ws_url_for(rpc_url: str) -> str:
    """The event WebSocket (`/ai/ws`) of the node serving `rpc_url`."""
    parts = urlsplit(rpc_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    path = parts.path.rstrip("/").removesuffix("/json_rpc")
    return urlunsplit((scheme, parts.netloc, path + "/ai/ws", "", ""))


_NOT_JSON = object()


@dataclass
class RpcCore:
    """Request ids, request bodies, reply checking, error mapping, retry decisions and nonce state."""

    rpc_url: str = DEFAULT_RPC_URL
    wallet: Wallet | None = None
    sender: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    ws_url: str = ""
    default_address: str | None = None
    nonces: dict[str, int] = field(default_factory=dict)
    #: (network, chain id) that signatures cover, read once from `get_info` before the first signed write.
    chain: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        self.ws_url = self.ws_url or ws_url_for(self.rpc_url)
        self._ids = itertools.count(1)
        self._id_lock = threading.Lock()

    def next_id(self) -> int:
        with self._id_lock:
            return next(self._ids)

    # --- requests -----------------------------------------------------------------------------

    def is_signed(self, call: Call[Any]) -> bool:
        """Whether `call` needs a nonce: an account write made by a client holding a wallet."""
        return self.wallet is not None and call.method in ACCOUNT_WRITES

    def request(self, call: Call[Any], nonce: int | None = None) -> tuple[int, bytes]:
        """(request id, body bytes) for `call`; `nonce` is required for a signed write."""
        request_id, body = self.request_object(call, nonce)
        return request_id, json.dumps(body, ensure_ascii=False).encode("utf-8")

    def request_object(self, call: Call[Any], nonce: int | None = None) -> tuple[int, dict[str, Any]]:
        """(request id, JSON-RPC request object) for `call`; `nonce` is required for a signed write."""
        params = dict(call.params) if call.params is not None else None
        if call.method in ACCOUNT_WRITES:
            params = params or {}
            if self.wallet is not None:
                if nonce is None or self.chain is None:
                    raise ValueError(f"{call.method} is signed and needs a nonce and the node's chain id")
                network, chain_id = self.chain
                params = self.wallet.sign_params(
                    call.method, params, nonce, chain_id=chain_id, network=network
                )
            elif self.sender is not None:
                params.setdefault("from", self.sender)
        request_id = self.next_id()
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": call.method}
        if params is not None:
            body["params"] = params
        return request_id, body

    # --- replies ------------------------------------------------------------------------------

    def reply(
        self, call: Call[T], request_id: int, status_code: int, content: bytes, headers: Mapping[str, str]
    ) -> T:
        """The parsed result of an HTTP reply, or the matching `NodeError`."""
        method = call.method
        try:
            body = json.loads(content)
        except ValueError:
            body = _NOT_JSON
        if status_code < 500 and isinstance(body, dict) and isinstance(body.get("error"), dict):
            raise self.error_of(method, body, request_id)
        if status_code != 200:
            retry_after = retry_after_header(headers.get("retry-after"))
            raise NodeHTTPError(method, status_code, content.decode("utf-8", "replace"), retry_after)
        if body is _NOT_JSON:
            raise NodeResponseError(method, "body", "not valid JSON")
        return self.result_of(call, request_id, body)

    def result_of(self, call: Call[T], request_id: int, body: object) -> T:
        """The parsed result of one JSON-RPC reply object (alone or inside a batch), or its `NodeError`."""
        method = call.method
        if not isinstance(body, dict):
            raise NodeResponseError(method, "body", f"expected a JSON-RPC object, got {type(body).__name__}")
        if isinstance(body.get("error"), dict):
            raise self.error_of(method, body, request_id)
        self._check_envelope(method, body, request_id)
        if "result" not in body:
            raise NodeResponseError(method, "result", "missing")
        try:
            return call.parse(body["result"], "result")
        except Malformed as exc:
            raise NodeResponseError(method, exc.path, exc.reason) from None

    def _check_envelope(self, method: str, body: Mapping[str, Any], request_id: int) -> None:
        if body.get("jsonrpc") != "2.0":
            raise NodeResponseError(method, "jsonrpc", f"expected '2.0', got {body.get('jsonrpc')!r}")
        if body.get("id") != request_id:
            raise NodeResponseError(method, "id", f"expected {request_id}, got {body.get('id')!r}")

    def error_of(self, method: str, body: Mapping[str, Any], request_id: int | None) -> NodeError:
        """The `NodeError` of a JSON-RPC error reply (a malformed one is a `NodeResponseError`)."""
        error = body["error"]
        code, message = error.get("code"), error.get("message")
        if isinstance(code, bool) or not isinstance(code, int):
            return NodeResponseError(method, "error.code", "expected an integer")
        if not isinstance(message, str):
            return NodeResponseError(method, "error.message", "expected a string")
        if body.get("id") not in (request_id, None):
            return NodeResponseError(method, "id", f"expected {request_id}, got {body.get('id')!r}")
        return rpc_error(method, code, message, error.get("data"))

    def retry_delay(self, call: Call[Any], error: NodeError, attempt: int) -> float | None:
        return self.retry.delay(call.method, error, attempt)

    # --- transport errors ---------------------------------------------------------------------

    def transport_error(self, call: Call[Any], exc: Exception) -> NodeError:
        """Map an httpx exception to a `NodeError`."""
        if isinstance(exc, httpx.TimeoutException):
            limit = self.timeouts.connect if isinstance(exc, httpx.ConnectTimeout) else self.timeouts.read
            return NodeTimeoutError(call.method, self.rpc_url, limit, type(exc).__name__)
        return NodeConnectionError(call.method, self.rpc_url, str(exc) or type(exc).__name__)

    # --- nonces (the caller holds the account's lock) -----------------------------------------

    def nonce_call(self, address: str) -> Call[int]:
        return Call("get_nonce", {"address": address}, parse_count)

    def chain_call(self) -> Call[tuple[str, str]]:
        """`get_info`, read for the (network, chain id) that signatures cover."""
        return Call("get_info", None, parse_chain)

    def forget_chain(self) -> None:
        """Read the chain id and every nonce again before the next signed write (the chain was reset)."""
        self.chain = None
        self.nonces.clear()

    def resend_after(self, error: BaseException, attempt: int) -> bool:
        """Whether a signed write refused with `error` is signed again and sent once more.

        Only a `WrongChain` refusal on the first attempt: the node spends nothing and does nothing for
        it, so re-signing for the chain `get_info` names now is the same as a first write would do.
        """
        return isinstance(error, WrongChain) and attempt == 1

    def settle_nonce(self, address: str, used: int, error: BaseException | None) -> None:
        """Record what a signed write did to the account's next nonce (and forget a chain that changed)."""
        if isinstance(error, WrongChain):
            # The node is on another chain than the one we signed for (a reset devnet): read it again,
            # and the nonces with it, before the next write.
            self.forget_chain()
        elif error is None or isinstance(error, _NONCE_SPENDING_ERRORS):
            self.nonces[address] = used + 1
        elif isinstance(error, NonceMismatch) and error.expected is not None:
            self.nonces[address] = error.expected
        else:
            # Unknown whether the node counted it (timeout, broken connection, bad signature...):
            # ask the node again before the next write.
            self.nonces.pop(address, None)


def parse_chain(value: object, path: str) -> tuple[str, str]:
    """(network, chain id) from a `get_info` result."""
    if not isinstance(value, Mapping):
        raise Malformed(path, "expected an object")
    network, chain_id = value.get("network"), value.get("chain_id")
    if not isinstance(network, str) or not network:
        raise Malformed(f"{path}.network", "expected a network name")
    if not isinstance(chain_id, str) or not chain_id:
        raise Malformed(f"{path}.chain_id", "expected a chain id")
    return network, chain_id


def parse_count(value: object, path: str) -> int:
    """A nonce or a count: an integer, a decimal string, or an object holding `nonce`/`balance`."""
    if isinstance(value, Mapping):
        for key in ("nonce", "balance"):
            if key in value:
                return parse_count(value[key], f"{path}.{key}")
        raise Malformed(path, "expected a number or an object with one")
    if isinstance(value, str):
        if not value.isdigit():
            raise Malformed(path, f"expected a decimal string, got {value!r}")
        return int(value)
    return as_int(value, path)


def retry_after_header(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


# --- the event stream, without I/O ------------------------------------------------------------


#: What an event stream does when the node is on another chain than its cursor: see `ChainReset`.
OnChainReset = Literal["raise", "resubscribe"]
ON_CHAIN_RESET: tuple[OnChainReset, ...] = ("raise", "resubscribe")


class EventCursor:
    """Subscription state shared by the async and sync event streams.

    It remembers the last seq handed out and the chain it belongs to, builds the subscribe message that
    resumes after it, and drops any replayed event at or below it, so a reconnect neither skips nor
    repeats an event. When a subscribe reply shows another chain (its `chain_id` differs, or its
    `head_seq` is below the cursor) it raises `ChainReset`; `restart()` then follows the new chain from 0.
    """

    def __init__(
        self, since_seq: int | None = None, events: Sequence[str] | None = None, chain_id: str | None = None
    ) -> None:
        self.last_seq = since_seq
        self.chain_id = chain_id
        self.events: list[str] | str = list(events) if events else "*"
        self.head_seq: int | None = None
        self._request_id: int | None = None

    def subscribe_message(self, request_id: int) -> str:
        self._request_id = request_id
        params = {"events": self.events, "since_seq": self.last_seq}
        return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "subscribe", "params": params})

    def restart(self, chain_id: str | None) -> None:
        """Follow `chain_id` from its first event (after a `ChainReset`)."""
        self.chain_id = chain_id
        self.last_seq = 0

    def on_message(self, message: str | bytes) -> Event | None:
        """The next event to hand out, or None for a message that carries none."""
        try:
            body = json.loads(message)
        except ValueError:
            raise NodeResponseError("subscribe", "message", "not valid JSON") from None
        if not isinstance(body, dict):
            raise NodeResponseError("subscribe", "message", "expected an object")
        if "event" not in body and ("result" in body or "error" in body):
            self._on_reply(body)
            return None
        if body.get("event") == "subscription_dropped":
            # The node dropped a consumer that fell behind and closes the socket next; the stream
            # reconnects and resumes after `last_seq`, so nothing is lost.
            return None
        if body.get("event") == "resync_required":
            try:
                oldest = as_int(body.get("oldest_seq"), "oldest_seq")
            except Malformed as exc:
                raise NodeResponseError("subscribe", exc.path, exc.reason) from None
            raise ResyncRequired(oldest, self.last_seq)
        try:
            event = Event.parse(body, "event")
        except Malformed as exc:
            raise NodeResponseError("subscribe", exc.path, exc.reason) from None
        if self.last_seq is not None and event.seq <= self.last_seq:
            return None
        self.last_seq = event.seq
        return event

    def _on_reply(self, body: Mapping[str, Any]) -> None:
        error = body.get("error")
        if isinstance(error, Mapping):
            code, message = error.get("code"), error.get("message")
            if isinstance(code, int) and isinstance(message, str):
                raise rpc_error("subscribe", code, message, error.get("data"))
            raise NodeResponseError("subscribe", "error", "malformed error object")
        result = body.get("result")
        if not isinstance(result, Mapping):
            raise NodeResponseError("subscribe", "result", "expected an object")
        try:
            self.head_seq = as_int(result.get("head_seq"), "result.head_seq")
        except Malformed as exc:
            raise NodeResponseError("subscribe", exc.path, exc.reason) from None
        chain_id = result.get("chain_id")
        if chain_id is not None and not isinstance(chain_id, str):
            raise NodeResponseError("subscribe", "result.chain_id", "expected a string")
        check_chain(self.chain_id, chain_id, self.last_seq, self.head_seq, "subscribe")
        self.chain_id = chain_id or self.chain_id
        if self.last_seq is None:
            # Live only: from now on, resume after the head the node reported.
            self.last_seq = self.head_seq


def check_chain(
    cursor_chain: str | None, node_chain: str | None, last_seq: int | None, head_seq: int, method: str
) -> None:
    """Raise `ChainReset` when a cursor (`last_seq` on `cursor_chain`) cannot belong to the node's chain."""
    moved = cursor_chain is not None and node_chain is not None and cursor_chain != node_chain
    if moved or (last_seq is not None and head_seq < last_seq):
        raise ChainReset(cursor_chain, node_chain, last_seq, head_seq, method)


def reconnect_delay(failures: int, *, base: float = 0.2, cap: float = 5.0) -> float:
    """Backoff with jitter between event-stream reconnects."""
    limit = min(cap, base * 2 ** max(failures - 1, 0))
    return float(limit / 2 + random.uniform(0, limit / 2))
