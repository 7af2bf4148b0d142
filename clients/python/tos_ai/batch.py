"""Request batching: several calls in one JSON-RPC batch (one HTTP request), results matched by id.

`client.batch()` (async or sync) queues calls and sends them together when the `with` block ends or on
`execute()`; each queued call returns a `BatchResult` whose `result()` is the parsed value or raises
that call's `NodeError`. Only calls that need no nonce can be batched: reads, dev calls, and unsigned
writes (`sender` / dev account 0). A client holding a wallet refuses to batch its signed writes, since
each needs the account's next nonce and one refusal in the middle would shift the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from tos_ai import methods, rules
from tos_ai.core import Call, RpcCore, retry_after_header
from tos_ai.errors import NodeError, NodeHTTPError, NodeResponseError

P = ParamSpec("P")
T = TypeVar("T")

#: The node refuses larger batches (-32600).
MAX_BATCH = rules.MAX_BATCH


class BatchResult(Generic[T]):
    """One call of a batch: `result()` after the batch ran."""

    def __init__(self, call: Call[T]) -> None:
        self.call = call
        self._value: T | None = None
        self._error: NodeError | None = None
        self._done = False

    @property
    def done(self) -> bool:
        """Whether the batch ran (the call then has a value or an error)."""
        return self._done

    @property
    def error(self) -> NodeError | None:
        """The call's error, or None (also None before the batch ran)."""
        return self._error

    def result(self) -> T:
        """The call's parsed result; raises its `NodeError`, or `RuntimeError` before the batch ran."""
        if not self._done:
            raise RuntimeError(f"{self.call.method}: the batch has not run yet (execute() it)")
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def settle(self, value: T | None, error: NodeError | None) -> None:
        self._value, self._error, self._done = value, error, True


def _queued(spec: Callable[P, Call[T]]) -> Callable[Concatenate[Any, P], BatchResult[T]]:
    """A batch method that queues the call `spec` builds."""

    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> BatchResult[T]:
        batch: Batch = self
        return batch.add(spec(*args, **kwargs))

    method.__name__ = spec.__name__
    method.__doc__ = (
        f"Queue `{spec.__name__}`; see the client's method of that name. Returns a `BatchResult`."
    )
    return method


class Batch:
    """The queue and the reply matching shared by `AsyncBatch` and `SyncBatch` (no I/O here)."""

    def __init__(self, core: RpcCore) -> None:
        self._core = core
        self.items: list[BatchResult[Any]] = []
        #: The error of the batch as a whole (transport, HTTP status, a refused batch), if it failed so.
        self.failure: NodeError | None = None
        self._sent = False

    def __len__(self) -> int:
        return len(self.items)

    def add(self, call: Call[T]) -> BatchResult[T]:
        """Queue one call; raises `TypeError` for a write this client would sign."""
        if self._sent:
            raise RuntimeError("this batch was already sent; start another with client.batch()")
        if self._core.is_signed(call):
            raise TypeError(
                f"{call.method} is signed with the next nonce and cannot be batched; call it on the client"
            )
        if len(self.items) >= MAX_BATCH:
            raise ValueError(f"a batch holds at most {MAX_BATCH} calls")
        item = BatchResult(call)
        self.items.append(item)
        return item

    def rpc_call(self, method: str, params: Any = None) -> BatchResult[Any]:
        """Queue any method; its result stays unparsed."""
        return self.add(methods.raw(method, params))

    get_network_info = _queued(methods.get_network_info)
    list_active_tasks = _queued(methods.list_active_tasks)
    get_task_details = _queued(methods.get_task_details)
    get_events = _queued(methods.get_events)
    get_info = _queued(methods.get_info)
    get_rules = _queued(methods.get_rules)
    get_version = _queued(methods.get_version)
    get_balance = _queued(methods.get_balance)
    get_nonce = _queued(methods.get_nonce)
    get_miner_stats = _queued(methods.get_miner_stats)
    dev_accounts = _queued(methods.dev_accounts)
    dev_faucet = _queued(methods.dev_faucet)

    # --- for the transports -------------------------------------------------------------------

    def body(self) -> tuple[list[int], bytes]:
        """The request ids, in queue order, and the batch body."""
        self._sent = True
        ids: list[int] = []
        requests: list[dict[str, Any]] = []
        for item in self.items:
            request_id, request = self._core.request_object(item.call)
            ids.append(request_id)
            requests.append(request)
        return ids, json.dumps(requests, ensure_ascii=False).encode("utf-8")

    @property
    def method(self) -> str:
        """How errors name the batch as a whole: `batch(first_method, ...)`."""
        names = sorted({item.call.method for item in self.items})
        return f"batch({', '.join(names)})"

    @property
    def retryable(self) -> bool:
        """Whether every call is a read on the retry allow-list, so the whole batch may be sent again."""
        return all(item.call.method in self._core.retry.methods for item in self.items)

    def _retry_delay(self, error: NodeError, attempt: int) -> float | None:
        if not self.retryable:
            return None
        return self._core.retry.delay(self.items[0].call.method, error, attempt)

    def settle(
        self, ids: Sequence[int], status_code: int, content: bytes, headers: Mapping[str, str]
    ) -> None:
        """Give every queued call its result or error from the node's batch reply."""
        try:
            replies = self._replies(status_code, content, headers)
        except NodeError as exc:
            self.fail(exc)
            return
        self.failure = None
        for request_id, item in zip(ids, self.items, strict=True):
            reply = replies.get(request_id)
            if reply is None:
                item.settle(None, NodeResponseError(item.call.method, "id", f"no reply with id {request_id}"))
                continue
            try:
                item.settle(self._core.result_of(item.call, request_id, reply), None)
            except NodeError as exc:
                item.settle(None, exc)

    def fail(self, error: NodeError) -> None:
        """Give every queued call the same error: the batch as a whole failed."""
        self.failure = error
        for item in self.items:
            item.settle(None, error)

    def _first_error(self) -> NodeError | None:
        return next((item.error for item in self.items if item.error is not None), None)

    def results(self) -> list[Any]:
        """Every result in queue order; raises the first call's error when any failed."""
        error = self._first_error()
        if error is not None:
            raise error
        return [item.result() for item in self.items]

    def _replies(self, status_code: int, content: bytes, headers: Mapping[str, str]) -> dict[int, Any]:
        method = self.method
        try:
            body = json.loads(content)
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict) and status_code < 500:
            # The node refused the batch as a whole (too big, not JSON-RPC): every call gets that error.
            raise self._core.error_of(method, body, body.get("id"))
        if status_code != 200:
            retry_after = retry_after_header(headers.get("retry-after"))
            raise NodeHTTPError(method, status_code, content.decode("utf-8", "replace"), retry_after)
        if not isinstance(body, list):
            raise NodeResponseError(method, "body", "expected a JSON array of replies")
        replies: dict[int, Any] = {}
        for reply in body:
            if isinstance(reply, dict) and isinstance(reply.get("id"), int):
                replies[reply["id"]] = reply
        return replies
