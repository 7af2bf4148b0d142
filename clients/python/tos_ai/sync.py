"""`Client`: the blocking client (for Celery workers and scripts) over the shared core in `tos_ai.core`.

Same calls as `TOSAIClient`, same specs from `tos_ai.methods`; only the I/O differs: `httpx.Client`,
`threading.Lock` per account for nonces, and the sync websockets client for `events()`.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import threading
import time
from collections.abc import Callable, Generator, Sequence
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar, cast

import httpx
import websockets
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from tos_ai import methods
from tos_ai.batch import Batch
from tos_ai.core import (
    ON_CHAIN_RESET,
    Call,
    Compute,
    EventCursor,
    OnChainReset,
    Plan,
    RetryPolicy,
    RpcCore,
    Step,
    Timeouts,
    describe_method,
    node_urls,
    reconnect_delay,
)
from tos_ai.errors import ChainReset, NodeConnectionError, NodeError
from tos_ai.mining import AutoMiner, AutoMiningReport
from tos_ai.models import AutoMiningConfig
from tos_ai.records import Event
from tos_ai.wallet import Wallet

log = logging.getLogger("tos_ai")

P = ParamSpec("P")
T = TypeVar("T")


def _call(spec: Callable[P, Call[T]]) -> Callable[Concatenate[Any, P], T]:
    """A blocking method running the call that `spec` builds."""

    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        client: Client = self._client
        return client.execute(spec(*args, **kwargs))

    describe_method(method, spec, takes_core=False)
    return method


def _plan(spec: Callable[Concatenate[RpcCore, P], Plan[T]]) -> Callable[Concatenate[Any, P], T]:
    """A blocking method running the plan that `spec` builds."""

    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        client: Client = self._client
        return client.run(spec(client.core, *args, **kwargs))

    describe_method(method, spec, takes_core=True)
    return method


class Client:
    """Blocking client for a TOS node's AI-mining API: `with Client(url) as client: ...`.

    The same calls as `TOSAIClient`, without `await` (for Celery workers, scripts and notebooks);
    safe to share between threads (signed writes take a per-account lock).

    `rpc_url`: the node's JSON-RPC URL; None reads `TOS_NODE_URL`, else `http://localhost:8545`.
    `wallet`: a `Wallet` that signs every account write (nonces and the chain id are fetched and
    tracked for you); without one, `sender` names a dev account to act as (`from`, dev mode), and with
    neither the devnode acts as its dev account 0. `timeouts`: `Timeouts` (connect 5 s, read 15 s);
    `retry`: `RetryPolicy` for reads (writes are never retried; `NO_RETRIES` turns retries off);
    `ws_url`: the event WebSocket (default: `/ai/ws` on the node, or `TOS_NODE_WS_URL`);
    `http_client` / `transport`: your own httpx client or transport (tests, proxies).

    Calls: `get_network_info`, `get_rules`, `list_active_tasks`, `get_task_details`, `get_events`,
    `get_info`, `get_balance`, `get_nonce`, `get_miner_stats`, `my_address`, `rpc_call` (any method),
    `batch()`, `events()`; actions by role under `miner` (register, participate_task, submit_solution, stats,
    start_auto_mining), `validator` (pending_submissions, validate, reject), `publisher`
    (publish_task, cancel_task, my_tasks) and `dev` (accounts, faucet, increase_time, mine). Every
    failure is a `NodeError`: one subclass per refusal of the node (`InsufficientFunds`,
    `UnknownObject`, ...) keeping `method`, `code`, `message` and `data`.
    """

    def __init__(
        self,
        rpc_url: str | None = None,
        wallet: Wallet | None = None,
        *,
        sender: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        ws_url: str | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        rpc_url, ws_url = node_urls(rpc_url, ws_url)
        self.core = RpcCore(
            rpc_url=rpc_url,
            wallet=wallet,
            sender=sender,
            timeouts=timeouts or Timeouts(),
            retry=retry or RetryPolicy(),
            ws_url=ws_url,
        )
        self._client = self
        self._http = http_client
        self._owns_http = http_client is None
        self._transport = transport
        self._locks_guard = threading.Lock()
        self._nonce_locks: dict[str, threading.Lock] = {}
        self.miner = Miner(self)
        self.validator = Validator(self)
        self.publisher = Publisher(self)
        self.dev = Dev(self)

    def __enter__(self) -> Self:
        self._http_client()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop auto-mining and close the HTTP connections this client opened."""
        self.miner.stop_auto_mining()
        if self._http is not None and self._owns_http:
            self._http.close()
            self._http = None

    @property
    def rpc_url(self) -> str:
        """The node's JSON-RPC URL this client talks to."""
        return self.core.rpc_url

    @property
    def wallet(self) -> Wallet | None:
        """The `Wallet` that signs this client's writes, or None (unsigned dev-mode calls)."""
        return self.core.wallet

    # --- the calls ----------------------------------------------------------------------------

    def rpc_call(self, method: str, params: Any = None) -> Any:
        """Call any method; returns the raw result. Reads on the allow-list retry; writes are signed."""
        return self.execute(methods.raw(method, params))

    get_network_info = _call(methods.get_network_info)
    list_active_tasks = _call(methods.list_active_tasks)
    get_task_details = _call(methods.get_task_details)
    get_events = _call(methods.get_events)
    get_info = _call(methods.get_info)
    get_rules = _call(methods.get_rules)
    get_version = _call(methods.get_version)
    get_balance = _plan(methods.balance_of)
    get_miner_stats = _plan(methods.miner_stats_of)
    my_address = _plan(methods.my_address)

    def get_nonce(self, address: str | None = None) -> int:
        """An account's next nonce as an int (default: this client's account).

        Signed writes fetch and track it themselves; this is for signing by hand (`Wallet.sign_params`).
        """
        return self.execute(methods.get_nonce(address or self.my_address()))

    def events(
        self,
        since_seq: int | None = None,
        events: Sequence[str] | None = None,
        *,
        chain_id: str | None = None,
        on_chain_reset: OnChainReset = "raise",
        max_reconnects: int | None = None,
    ) -> EventStream:
        """Node events after `since_seq`, in order, across reconnects and node restarts.

        The same arguments as `TOSAIClient.events`: `since_seq` (0: everything kept; None: live only),
        `events` (names to keep), `chain_id` (the chain a stored cursor came from), `on_chain_reset`
        (`"raise"` a `ChainReset`, or `"resubscribe"` from the new chain's first event) and
        `max_reconnects`. Use it as `with client.events(0) as stream: for event in stream: ...`.
        """
        return EventStream(
            self, since_seq, events, max_reconnects, chain_id=chain_id, on_chain_reset=on_chain_reset
        )

    def batch(self) -> SyncBatch:
        """Queue calls and send them as one JSON-RPC batch (one HTTP request); see `SyncBatch`."""
        return SyncBatch(self)

    # --- running calls and plans --------------------------------------------------------------

    def execute(self, call: Call[T]) -> T:
        """Send one call: reads retry per the policy, signed writes take the account's nonce lock."""
        if not self.core.is_signed(call):
            return self._send(call, None)
        wallet = cast(Wallet, self.core.wallet)
        with self._locks_guard:
            lock = self._nonce_locks.setdefault(wallet.address, threading.Lock())
        with lock:
            attempt = 0
            while True:
                attempt += 1
                if self.core.chain is None:
                    self.core.chain = self._send(self.core.chain_call(), None)
                nonce = self.core.nonces.get(wallet.address)
                if nonce is None:
                    nonce = self._send(self.core.nonce_call(wallet.address), None)
                try:
                    result = self._send(call, nonce)
                except BaseException as exc:
                    self.core.settle_nonce(wallet.address, nonce, exc)
                    if self.core.resend_after(exc, attempt):
                        log.info(
                            "%s was signed for another chain; signing it for the node's chain", call.method
                        )
                        continue
                    raise
                self.core.settle_nonce(wallet.address, nonce, None)
                return result

    def run(self, plan: Plan[T]) -> T:
        """Drive a plan to its result, throwing each step's error back into it."""
        value: Any = None
        error: Exception | None = None
        while True:
            try:
                step = plan.throw(error) if error is not None else plan.send(value)
            except StopIteration as stop:
                return cast(T, stop.value)
            error = None
            try:
                value = self._step(step)
            except Exception as exc:
                error = exc

    def _step(self, step: Step) -> Any:
        if isinstance(step, Call):
            return self.execute(step)
        if isinstance(step, Compute):
            result = step.func(*step.args)
            if inspect.isawaitable(result):
                if inspect.iscoroutine(result):
                    result.close()
                raise TypeError("the sync Client cannot await; use a plain function or TOSAIClient")
            return result
        return [self.execute(call) for call in step]

    def _send(self, call: Call[T], nonce: int | None) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._post(call, nonce)
            except NodeError as exc:
                delay = self.core.retry_delay(call, exc, attempt)
                if delay is None:
                    raise
                log.info("retrying %s in %.2fs after: %s", call.method, delay, exc)
            time.sleep(delay)

    def _post(self, call: Call[T], nonce: int | None) -> T:
        request_id, body = self.core.request(call, nonce)
        http = self._http_client()
        try:
            response = http.post(
                self.core.rpc_url, content=body, headers={"content-type": "application/json"}
            )
        except httpx.TransportError as exc:
            raise self.core.transport_error(call, exc) from exc
        return self.core.reply(call, request_id, response.status_code, response.content, response.headers)

    def _send_batch(self, batch: SyncBatch) -> None:
        attempt = 0
        while True:
            attempt += 1
            ids, body = batch.body()
            try:
                response = self._http_client().post(
                    self.core.rpc_url, content=body, headers={"content-type": "application/json"}
                )
            except httpx.TransportError as exc:
                batch.fail(self.core.transport_error(methods.raw(batch.method), exc))
            else:
                batch.settle(ids, response.status_code, response.content, response.headers)
            failure = batch.failure
            delay = batch._retry_delay(failure, attempt) if failure is not None else None
            if failure is None or delay is None:
                return
            log.info("retrying %s in %.2fs after: %s", batch.method, delay, failure)
            time.sleep(delay)

    def _http_client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(timeout=self.core.timeouts.for_httpx(), transport=self._transport)
            self._owns_http = True
        return self._http


class SyncBatch(Batch):
    """Calls sent together as one JSON-RPC batch: `with client.batch() as batch: ...`; see `AsyncBatch`."""

    def __init__(self, client: Client) -> None:
        super().__init__(client.core)
        self._client = client

    def send(self) -> None:
        """Send the queued calls; each `BatchResult` then holds its value or error.

        Raises only when the batch as a whole failed (node unreachable, HTTP error, batch refused).
        """
        if self.items:
            self._client._send_batch(self)
        if self.failure is not None:
            raise self.failure

    def execute(self) -> list[Any]:
        """Send the queued calls; return their results in order, or raise the first call's error."""
        if self.items:
            self._client._send_batch(self)
        return self.results()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if exc_type is None:
            self.send()


class EventStream:
    """Blocking iterator over node events; the same guarantees and errors as `AsyncEventStream`.

    `close()` may be called from another thread: the iterator then ends.
    """

    def __init__(
        self,
        client: Client,
        since_seq: int | None,
        events: Sequence[str] | None,
        max_reconnects: int | None,
        *,
        chain_id: str | None = None,
        on_chain_reset: OnChainReset = "raise",
    ) -> None:
        if on_chain_reset not in ON_CHAIN_RESET:
            raise ValueError(f"on_chain_reset must be one of {ON_CHAIN_RESET}, got {on_chain_reset!r}")
        self._core = client.core
        self.cursor = EventCursor(since_seq, events, chain_id)
        self.max_reconnects = max_reconnects
        self.on_chain_reset = on_chain_reset
        self.resets = 0
        #: Set while subscribed (after the node's subscribe reply), cleared while reconnecting.
        self.connected = threading.Event()
        self._closed = threading.Event()
        self._ws: ClientConnection | None = None
        self._gen = self._run()

    @property
    def last_seq(self) -> int | None:
        """The seq of the last event handed out (or the head at subscribe time for a live-only stream)."""
        return self.cursor.last_seq

    @property
    def chain_id(self) -> str | None:
        """The chain `last_seq` belongs to (known after the first subscribe reply)."""
        return self.cursor.chain_id

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> Event:
        return next(self._gen)

    def close(self) -> None:
        """End the stream; safe from another thread while a `for` loop is waiting for an event."""
        self._closed.set()
        ws = self._ws
        if ws is not None:
            ws.close()
        with contextlib.suppress(ValueError):  # ValueError: another thread is inside the generator
            self._gen.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self) -> Generator[Event, None, None]:
        failures = 0
        core = self._core
        while not self._closed.is_set():
            reason = "the node closed the connection"
            restarted = False
            try:
                with ws_connect(
                    core.ws_url,
                    open_timeout=core.timeouts.connect,
                    close_timeout=1,
                    max_size=2**22,
                    # Events are small JSON: deflate costs more CPU than it saves (20,000 events
                    # replayed in 0.79 s without it, 1.38 s with it).
                    compression=None,
                ) as ws:
                    self._ws = ws
                    if self._closed.is_set():
                        return
                    ws.send(self.cursor.subscribe_message(core.next_id()))
                    for message in ws:
                        try:
                            event = self.cursor.on_message(message)
                        except ChainReset as reset:
                            restarted = self._on_reset(reset)
                            break
                        failures = 0
                        self.connected.set()
                        if event is not None:
                            yield event
            except (OSError, TimeoutError, websockets.WebSocketException) as exc:
                reason = str(exc) or type(exc).__name__
            finally:
                self._ws = None
                self.connected.clear()
            if self._closed.is_set():
                return
            if restarted:
                continue
            failures += 1
            if self.max_reconnects is not None and failures > self.max_reconnects:
                raise NodeConnectionError("subscribe", core.ws_url, reason)
            delay = reconnect_delay(failures)
            log.info(
                "event stream lost (%s); reconnecting in %.2fs from seq %s", reason, delay, self.last_seq
            )
            self._closed.wait(delay)

    def _on_reset(self, reset: ChainReset) -> bool:
        """Forget the old chain's nonces; raise `reset`, or restart the cursor and return True."""
        self._core.forget_chain()
        if self.on_chain_reset == "raise":
            raise reset
        log.warning("%s; following the new chain from seq 0", reset)
        self.cursor.restart(reset.new_chain_id)
        self.resets += 1
        return True


class Miner:
    """Miner actions, as `client.miner`: register, join tasks, submit solutions, run auto-mining.

    `client.miner.register()`, `participate_task(task_id, stake)`, `submit_solution(task_id,
    TaskSolution(...))`, `stats()`, and the TOS design's loop: `start_auto_mining(AutoMiningConfig(...))`
    / `stop_auto_mining()`, with progress in `auto_mining_report`.
    """

    def __init__(self, client: Client) -> None:
        self._client = client
        self._auto: AutoMiner | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._stream: EventStream | None = None

    register = _call(methods.register_miner)
    participate_task = _call(methods.participate_task)
    submit_solution = _call(methods.submit_solution)
    stats = _plan(methods.miner_stats_of)

    @property
    def is_auto_mining(self) -> bool:
        """Whether `start_auto_mining` is running on this client."""
        return self._auto is not None

    @property
    def auto_mining_report(self) -> AutoMiningReport | None:
        """The running loop's `AutoMiningReport` (scans, joined, submitted, errors), else None."""
        return self._auto.report if self._auto is not None else None

    def start_auto_mining(self, config: AutoMiningConfig) -> AutoMiningReport:
        """Run the TOS design's auto-mining loop until `stop_auto_mining()` (from another thread).

        Blocks; returns what it did. The same loop as `TOSAIClient.miner.start_auto_mining`: a scan
        every `check_interval` seconds, one at once on a `task_published` event (a listener thread
        subscribes before the first scan), `error_pause` seconds after a failed scan. Read progress
        from `auto_mining_report`. Raises `RuntimeError` when this client is already mining.
        """
        if self._auto is not None:
            raise RuntimeError("auto-mining is already running on this client")
        auto = self._auto = AutoMiner(self._client.core, config)
        self._wake.clear()
        self._stop.clear()
        listener = None
        if config.listen_events:
            first = self._stream = self._listener_stream()
            listener = threading.Thread(
                target=self._listen, args=(first,), name="tos-ai-auto-mining-events", daemon=True
            )
            listener.start()
            first.connected.wait(self._client.core.timeouts.connect)
        try:
            while not auto.stopping:
                self._wake.clear()
                try:
                    self._client.run(auto.scan())
                    pause, waiter = config.check_interval, self._wake
                except Exception as exc:
                    auto.record_error(exc)
                    log.warning("auto-mining scan failed, pausing %ss: %s", config.error_pause, exc)
                    pause, waiter = config.error_pause, self._stop
                if auto.stopping:
                    break
                auto.report.next_scan_at = time.time() + pause
                waiter.wait(pause)
        finally:
            self._stop.set()
            stream = self._stream
            if stream is not None:
                stream.close()
            if listener is not None:
                listener.join(timeout=2)
            auto.report.next_scan_at = None
            self._auto = None
        return auto.report

    def stop_auto_mining(self) -> None:
        """Ask the auto-mining loop to stop; it returns after the step in flight. Safe from any thread."""
        if self._auto is not None:
            self._auto.stopping = True
        self._stop.set()
        self._wake.set()

    def _listener_stream(self) -> EventStream:
        return self._client.events(events=["task_published"], on_chain_reset="resubscribe")

    def _listen(self, stream: EventStream) -> None:
        while not self._stop.is_set():
            try:
                for _event in stream:
                    self._wake.set()
            except NodeError as exc:
                log.warning("auto-mining event listener: %s", exc)
                self._stop.wait(1.0)
            finally:
                stream.close()
            if not self._stop.is_set():
                stream = self._stream = self._listener_stream()


class Validator:
    """Validator actions, as `client.validator`: find submissions to review, approve or reject them.

    `client.validator.pending_submissions()` lists what this account may still validate;
    `validate(task_id, submission_id, score, reasoning)` approves, `reject(...)` rejects.
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    pending_submissions = _plan(methods.pending_submissions)
    validate = _call(methods.validate_submission)
    reject = _call(methods.reject_submission)


class Publisher:
    """Publisher actions, as `client.publisher`: publish tasks, cancel them, list your own.

    `client.publisher.publish_task("CodeAnalysis", 20_000_000_000, title=...)`,
    `cancel_task(task_id)`, `my_tasks()`.
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    publish_task = _call(methods.publish_task)
    cancel_task = _call(methods.cancel_task)
    my_tasks = _plan(methods.my_tasks)


class Dev:
    """The devnode's controls, as `client.dev` (dev mode only; a real node answers `MethodNotFound`).

    `client.dev.accounts()`, `faucet(address, amount)`, `increase_time(seconds)`, `mine(blocks)`.
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    accounts = _call(methods.dev_accounts)
    faucet = _call(methods.dev_faucet)
    increase_time = _call(methods.dev_increase_time)
    mine = _call(methods.dev_mine)
