"""`TOSAIClient`: the async client (httpx + websockets) over the shared core in `tos_ai.core`.

Each public call is a thin wrapper that runs a spec from `tos_ai.methods`; this module only adds the
async I/O: HTTP posts with retries for reads, per-account nonce locks for signed writes, the event
WebSocket with reconnects, and the auto-mining loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import AsyncGenerator, Callable, Coroutine, Sequence
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar, cast

import httpx
import websockets
from websockets.asyncio.client import connect as ws_connect

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


def _call(spec: Callable[P, Call[T]]) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, T]]:
    """An async method running the call that `spec` builds."""

    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        client: TOSAIClient = self._client
        return await client.execute(spec(*args, **kwargs))

    describe_method(method, spec, takes_core=False)
    return method


def _plan(
    spec: Callable[Concatenate[RpcCore, P], Plan[T]],
) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, T]]:
    """An async method running the plan that `spec` builds."""

    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        client: TOSAIClient = self._client
        return await client.run(spec(client.core, *args, **kwargs))

    describe_method(method, spec, takes_core=True)
    return method


class TOSAIClient:
    """Async client for a TOS node's AI-mining API: `async with TOSAIClient(url) as client: ...`.

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
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
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
        self._nonce_locks: dict[str, asyncio.Lock] = {}
        self.miner = AsyncMiner(self)
        self.validator = AsyncValidator(self)
        self.publisher = AsyncPublisher(self)
        self.dev = AsyncDev(self)

    async def __aenter__(self) -> Self:
        self._http_client()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop auto-mining and close the HTTP connections this client opened."""
        self.miner.stop_auto_mining()
        if self._http is not None and self._owns_http:
            await self._http.aclose()
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

    async def rpc_call(self, method: str, params: Any = None) -> Any:
        """Call any method; returns the raw result. Reads on the allow-list retry; writes are signed."""
        return await self.execute(methods.raw(method, params))

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

    async def get_nonce(self, address: str | None = None) -> int:
        """An account's next nonce as an int (default: this client's account).

        Signed writes fetch and track it themselves; this is for signing by hand (`Wallet.sign_params`).
        """
        who = address or await self.my_address()
        return await self.execute(methods.get_nonce(who))

    def events(
        self,
        since_seq: int | None = None,
        events: Sequence[str] | None = None,
        *,
        chain_id: str | None = None,
        on_chain_reset: OnChainReset = "raise",
        max_reconnects: int | None = None,
    ) -> AsyncEventStream:
        """Node events after `since_seq`, in order, across reconnects and node restarts.

        `since_seq`: replay the events after this seq first (0: everything the node keeps; None: live
        events only). `events`: only these event names (default every one). `chain_id`: the chain a
        stored `since_seq` came from (`stream.chain_id`), so a reset chain is noticed even when its
        head has passed the old cursor. `on_chain_reset`: `"raise"` raises `ChainReset`,
        `"resubscribe"` follows the new chain from its first event. `max_reconnects`: failed reconnects
        in a row before `NodeConnectionError` (None: never give up).

        Use it as `async with client.events(0) as stream: async for event in stream: ...`; see
        `AsyncEventStream` for what it raises.
        """
        return AsyncEventStream(
            self, since_seq, events, max_reconnects, chain_id=chain_id, on_chain_reset=on_chain_reset
        )

    def batch(self) -> AsyncBatch:
        """Queue calls and send them as one JSON-RPC batch (one HTTP request); see `AsyncBatch`."""
        return AsyncBatch(self)

    # --- running calls and plans --------------------------------------------------------------

    async def execute(self, call: Call[T]) -> T:
        """Send one call: reads retry per the policy, signed writes take the account's nonce lock."""
        if not self.core.is_signed(call):
            return await self._send(call, None)
        wallet = cast(Wallet, self.core.wallet)
        lock = self._nonce_locks.setdefault(wallet.address, asyncio.Lock())
        async with lock:
            attempt = 0
            while True:
                attempt += 1
                if self.core.chain is None:
                    self.core.chain = await self._send(self.core.chain_call(), None)
                nonce = self.core.nonces.get(wallet.address)
                if nonce is None:
                    nonce = await self._send(self.core.nonce_call(wallet.address), None)
                try:
                    result = await self._send(call, nonce)
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

    async def run(self, plan: Plan[T]) -> T:
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
                value = await self._step(step)
            except Exception as exc:
                error = exc

    async def _step(self, step: Step) -> Any:
        if isinstance(step, Call):
            return await self.execute(step)
        if isinstance(step, Compute):
            result = step.func(*step.args)
            return await result if inspect.isawaitable(result) else result
        return list(await asyncio.gather(*(self.execute(call) for call in step)))

    async def _send(self, call: Call[T], nonce: int | None) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._post(call, nonce)
            except NodeError as exc:
                delay = self.core.retry_delay(call, exc, attempt)
                if delay is None:
                    raise
                log.info("retrying %s in %.2fs after: %s", call.method, delay, exc)
            await asyncio.sleep(delay)

    async def _post(self, call: Call[T], nonce: int | None) -> T:
        request_id, body = self.core.request(call, nonce)
        http = self._http_client()
        try:
            response = await http.post(
                self.core.rpc_url, content=body, headers={"content-type": "application/json"}
            )
        except httpx.TransportError as exc:
            raise self.core.transport_error(call, exc) from exc
        return self.core.reply(call, request_id, response.status_code, response.content, response.headers)

    async def _send_batch(self, batch: AsyncBatch) -> None:
        attempt = 0
        while True:
            attempt += 1
            ids, body = batch.body()
            try:
                response = await self._http_client().post(
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
            await asyncio.sleep(delay)

    def _http_client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.core.timeouts.for_httpx(), transport=self._transport)
            self._owns_http = True
        return self._http


class AsyncBatch(Batch):
    """Calls sent together as one JSON-RPC batch: `async with client.batch() as batch: ...`.

    Each queued call (`batch.get_task_details(task_id)`, ...) returns a `BatchResult`. The batch is
    sent when the block ends (`send()`: it raises only when the batch as a whole failed), then
    `item.result()` gives each value or raises that call's own error; or call `await batch.execute()`
    for the list of values (raising the first call's error). A batch of reads is retried like a read,
    a batch with a write is not; see `tos_ai.batch`.
    """

    def __init__(self, client: TOSAIClient) -> None:
        super().__init__(client.core)
        self._client = client

    async def send(self) -> None:
        """Send the queued calls; each `BatchResult` then holds its value or error.

        Raises only when the batch as a whole failed (node unreachable, HTTP error, batch refused).
        """
        if self.items:
            await self._client._send_batch(self)
        if self.failure is not None:
            raise self.failure

    async def execute(self) -> list[Any]:
        """Send the queued calls; return their results in order, or raise the first call's error."""
        if self.items:
            await self._client._send_batch(self)
        return self.results()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if exc_type is None:
            await self.send()


class AsyncEventStream:
    """Async iterator over node events that survives disconnects and notices a chain reset.

    It subscribes on `/ai/ws` from `since_seq`, yields events in seq order, and on a dropped connection
    reconnects with backoff and resubscribes after the last seq it yielded, dropping replays, so no
    event is skipped or repeated. `last_seq` and `chain_id` are the cursor to persist (give both back
    to `events()` to resume).

    Raises `ResyncRequired` when the node no longer keeps the events asked for, `ChainReset` when the
    node is on another chain than the cursor's (a reset devnet: another `chain_id`, or a head below the
    cursor) unless `on_chain_reset="resubscribe"`, which follows the new chain from its first event
    instead (`resets` counts how often), and `NodeConnectionError` after `max_reconnects` failed
    reconnects in a row (None: never give up).
    """

    def __init__(
        self,
        client: TOSAIClient,
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
        self.connected = asyncio.Event()
        self._gen = self._run()

    @property
    def last_seq(self) -> int | None:
        """The seq of the last event handed out (or the head at subscribe time for a live-only stream)."""
        return self.cursor.last_seq

    @property
    def chain_id(self) -> str | None:
        """The chain `last_seq` belongs to (known after the first subscribe reply)."""
        return self.cursor.chain_id

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        """Close the connection. Cancel a task that is still iterating before closing from another one."""
        await self._gen.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _run(self) -> AsyncGenerator[Event, None]:
        failures = 0
        core = self._core
        while True:
            reason = "the node closed the connection"
            restarted = False
            try:
                async with ws_connect(
                    core.ws_url,
                    open_timeout=core.timeouts.connect,
                    close_timeout=1,
                    max_size=2**22,
                    # Events are small JSON: deflate costs more CPU than it saves (20,000 events
                    # replayed in 0.79 s without it, 1.38 s with it).
                    compression=None,
                ) as ws:
                    await ws.send(self.cursor.subscribe_message(core.next_id()))
                    async for message in ws:
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
            self.connected.clear()
            if restarted:
                continue
            failures += 1
            if self.max_reconnects is not None and failures > self.max_reconnects:
                raise NodeConnectionError("subscribe", core.ws_url, reason)
            delay = reconnect_delay(failures)
            log.info(
                "event stream lost (%s); reconnecting in %.2fs from seq %s", reason, delay, self.last_seq
            )
            await asyncio.sleep(delay)

    def _on_reset(self, reset: ChainReset) -> bool:
        """Forget the old chain's nonces; raise `reset`, or restart the cursor and return True."""
        self._core.forget_chain()
        if self.on_chain_reset == "raise":
            raise reset
        log.warning("%s; following the new chain from seq 0", reset)
        self.cursor.restart(reset.new_chain_id)
        self.resets += 1
        return True


class AsyncMiner:
    """Miner actions, as `client.miner`: register, join tasks, submit solutions, run auto-mining.

    `await client.miner.register()`, `participate_task(task_id, stake)`, `submit_solution(task_id,
    TaskSolution(...))`, `stats()`, and the TOS design's loop: `start_auto_mining(AutoMiningConfig(...))`
    / `stop_auto_mining()`, with progress in `auto_mining_report`.
    """

    def __init__(self, client: TOSAIClient) -> None:
        self._client = client
        self._auto: AutoMiner | None = None
        self._wake: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None

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

    async def start_auto_mining(self, config: AutoMiningConfig) -> AutoMiningReport:
        """Run the TOS design's auto-mining loop until `stop_auto_mining()`; returns what it did.

        Scans the active tasks every `config.check_interval` seconds (60 by default), joining suitable
        ones (`config.target_difficulty`, `min_time_left`, `min_success_probability`, up to
        `max_concurrent_tasks`) and, with `auto_submit_solutions`, answering each with
        `config.solution_generator`. A `task_published` event starts a scan at once (the listener is
        subscribed before the first scan, so no task published after it is missed). A failed scan is
        recorded in the report and the loop waits `config.error_pause` seconds (30) before the next.
        Run it as a task: `mining = asyncio.create_task(client.miner.start_auto_mining(config))`; read
        progress from `auto_mining_report`. Raises `RuntimeError` when this client is already mining.
        """
        if self._auto is not None:
            raise RuntimeError("auto-mining is already running on this client")
        auto = self._auto = AutoMiner(self._client.core, config)
        wake = self._wake = asyncio.Event()
        stop = self._stop = asyncio.Event()
        listener = None
        if config.listen_events:
            first = self._listener_stream()
            listener = asyncio.create_task(self._listen(first, wake, config))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(first.connected.wait(), self._client.core.timeouts.connect)
        try:
            while not auto.stopping:
                wake.clear()
                try:
                    await self._client.run(auto.scan())
                    pause, waiter = config.check_interval, wake
                except Exception as exc:
                    auto.record_error(exc)
                    log.warning("auto-mining scan failed, pausing %ss: %s", config.error_pause, exc)
                    pause, waiter = config.error_pause, stop
                if auto.stopping:
                    break
                auto.report.next_scan_at = time.time() + pause
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter.wait(), pause)
        finally:
            if listener is not None:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)
            auto.report.next_scan_at = None
            self._auto = self._wake = self._stop = None
        return auto.report

    def stop_auto_mining(self) -> None:
        """Ask the auto-mining loop to stop; it returns after the step in flight."""
        if self._auto is not None:
            self._auto.stopping = True
        for event in (self._wake, self._stop):
            if event is not None:
                event.set()

    def _listener_stream(self) -> AsyncEventStream:
        return self._client.events(events=["task_published"], on_chain_reset="resubscribe")

    async def _listen(self, stream: AsyncEventStream, wake: asyncio.Event, config: AutoMiningConfig) -> None:
        while True:
            try:
                async for _event in stream:
                    wake.set()
            except NodeError as exc:
                log.warning("auto-mining event listener: %s", exc)
                await asyncio.sleep(config.error_pause or 1.0)
            finally:
                await stream.aclose()
            stream = self._listener_stream()


class AsyncValidator:
    """Validator actions, as `client.validator`: find submissions to review, approve or reject them.

    `await client.validator.pending_submissions()` lists what this account may still validate;
    `validate(task_id, submission_id, score, reasoning)` approves, `reject(...)` rejects.
    """

    def __init__(self, client: TOSAIClient) -> None:
        self._client = client

    pending_submissions = _plan(methods.pending_submissions)
    validate = _call(methods.validate_submission)
    reject = _call(methods.reject_submission)


class AsyncPublisher:
    """Publisher actions, as `client.publisher`: publish tasks, cancel them, list your own.

    `await client.publisher.publish_task("CodeAnalysis", 20_000_000_000, title=...)`,
    `cancel_task(task_id)`, `my_tasks()`.
    """

    def __init__(self, client: TOSAIClient) -> None:
        self._client = client

    publish_task = _call(methods.publish_task)
    cancel_task = _call(methods.cancel_task)
    my_tasks = _plan(methods.my_tasks)


class AsyncDev:
    """The devnode's controls, as `client.dev` (dev mode only; a real node answers `MethodNotFound`).

    `await client.dev.accounts()`, `faucet(address, amount)`, `increase_time(seconds)`, `mine(blocks)`.
    """

    def __init__(self, client: TOSAIClient) -> None:
        self._client = client

    accounts = _call(methods.dev_accounts)
    faucet = _call(methods.dev_faucet)
    increase_time = _call(methods.dev_increase_time)
    mine = _call(methods.dev_mine)
