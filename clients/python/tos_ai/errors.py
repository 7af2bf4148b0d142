"""Every way a call to a node can fail, as one hierarchy rooted at `NodeError`.

`NodeRPCError` carries what the node said (method, code, message, data); there is one subclass per
JSON-RPC standard code and per domain code of the node API, so callers catch what they mean
(`except InsufficientFunds:`) and `str(err)` stays readable by a person.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar


class NodeError(Exception):
    """Base class for failures talking to a TOS node."""

    method: str | None = None


class NodeConnectionError(NodeError):
    """The node could not be reached, or the connection broke before a reply arrived."""

    def __init__(self, method: str | None, url: str, reason: str) -> None:
        self.method = method
        self.url = url
        self.reason = reason
        what = f"{method}: " if method else ""
        super().__init__(f"{what}cannot reach the node at {url}: {reason}")


class NodeTimeoutError(NodeError):
    """The node did not answer within the timeout."""

    def __init__(self, method: str | None, url: str, timeout: float | None, reason: str = "") -> None:
        self.method = method
        self.url = url
        self.timeout = timeout
        what = f"{method}: " if method else ""
        limit = f" within {timeout:g}s" if timeout is not None else ""
        detail = f" ({reason})" if reason else ""
        super().__init__(f"{what}the node at {url} did not answer{limit}{detail}")


class NodeResponseError(NodeError):
    """The node answered with something that is not a valid reply for this method."""

    def __init__(self, method: str | None, field: str, reason: str) -> None:
        self.method = method
        self.field = field
        self.reason = reason
        what = f"{method}: " if method else ""
        super().__init__(f"{what}malformed reply from the node: {field}: {reason}")


class NodeHTTPError(NodeResponseError):
    """The node answered with an HTTP status that carries no JSON-RPC reply (429, 5xx, ...)."""

    def __init__(self, method: str | None, status_code: int, body: str, retry_after: float | None = None):
        self.status_code = status_code
        self.body = body
        self.retry_after = retry_after
        snippet = body.strip().replace("\n", " ")[:200]
        super().__init__(method, "http status", f"HTTP {status_code}" + (f": {snippet}" if snippet else ""))


class NodeRPCError(NodeError):
    """The node refused the call with a JSON-RPC error."""

    code: int = 0
    title: ClassVar[str] = "node error"

    def __init__(self, method: str | None, code: int, message: str, data: Any = None) -> None:
        self.method = method
        self.code = code
        self.message = message
        self.data = data
        super().__init__(self._describe())

    def _describe(self) -> str:
        what = f"{self.method}: " if self.method else ""
        text = f"{what}{self.message} ({self.title}, code {self.code}"
        if self.data not in (None, {}, []):
            text += ", data " + json.dumps(self.data, sort_keys=True, ensure_ascii=False, default=str)
        return text + ")"

    @property
    def rule(self) -> str | None:
        """The rule the node named in `data.rule`, if any."""
        return _data_str(self.data, "rule")

    @property
    def field(self) -> str | None:
        """The field the node named in `data.field`, if any."""
        return _data_str(self.data, "field")


def _data_str(data: Any, key: str) -> str | None:
    if isinstance(data, Mapping):
        value = data.get(key)
        return value if isinstance(value, str) else None
    return None


class ParseError(NodeRPCError):
    code = -32700
    title = "parse error"


class InvalidRequest(NodeRPCError):
    code = -32600
    title = "invalid request"


class MethodNotFound(NodeRPCError):
    code = -32601
    title = "method not found"


class InvalidParams(NodeRPCError):
    code = -32602
    title = "invalid params"


class InternalError(NodeRPCError):
    code = -32603
    title = "internal node error"


class UnknownObject(NodeRPCError):
    """-32001: the task or submission named does not exist."""

    code = -32001
    title = "unknown task or submission"


TaskNotFound = UnknownObject


class InsufficientFunds(NodeRPCError):
    """-32002: the balance is too low, or a stake is outside its allowed range."""

    code = -32002
    title = "insufficient funds"


class InvalidTaskState(NodeRPCError):
    """-32003: the task does not accept this action now (expired, full, wrong status)."""

    code = -32003
    title = "invalid task state"


class PermissionDenied(NodeRPCError):
    """-32004: this account may not do this (someone else's task, own submission, bad signature...)."""

    code = -32004
    title = "permission denied"


class NonceMismatch(PermissionDenied):
    """-32004 with `data.rule == "nonce"`: the signed nonce was not the account's next nonce."""

    title = "wrong nonce"

    @property
    def expected(self) -> int | None:
        """The nonce the node expected, from `data.expected`."""
        value = self.data.get("expected") if isinstance(self.data, Mapping) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None


class WrongChain(PermissionDenied):
    """-32004 with `data.rule == "chain_id"`: the request was signed for another chain than the node's."""

    title = "signed for another chain"

    @property
    def expected(self) -> str | None:
        """The node's chain id, from `data.expected`."""
        value = self.data.get("expected") if isinstance(self.data, Mapping) else None
        return value if isinstance(value, str) else None


class InvalidContent(NodeRPCError):
    """-32005: a length, score or amount is outside what the rules allow."""

    code = -32005
    title = "invalid content"


class AlreadyDone(NodeRPCError):
    """-32006: this account already did this (second participation, second validation)."""

    code = -32006
    title = "already done"


class RateLimited(NodeRPCError):
    """-32007: too many actions of this kind; `retry_after` says how many seconds to wait."""

    code = -32007
    title = "rate limited"

    @property
    def retry_after(self) -> float | None:
        value = self.data.get("retry_after") if isinstance(self.data, Mapping) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return None


_BY_CODE: dict[int, type[NodeRPCError]] = {
    cls.code: cls
    for cls in (
        ParseError,
        InvalidRequest,
        MethodNotFound,
        InvalidParams,
        InternalError,
        UnknownObject,
        InsufficientFunds,
        InvalidTaskState,
        PermissionDenied,
        InvalidContent,
        AlreadyDone,
        RateLimited,
    )
}


def rpc_error(method: str | None, code: int, message: str, data: Any = None) -> NodeRPCError:
    """The most specific `NodeRPCError` subclass for a JSON-RPC error object."""
    cls = _BY_CODE.get(code, NodeRPCError)
    if cls is PermissionDenied and _data_str(data, "rule") == "nonce":
        cls = NonceMismatch
    elif cls is PermissionDenied and _data_str(data, "rule") == "chain_id":
        cls = WrongChain
    return cls(method, code, message, data)


class ResyncRequired(NodeError):
    """The event stream cannot resume: the node no longer keeps events after `since_seq`.

    Rebuild your view from reads (task details, balances), then subscribe again from `oldest_seq - 1`
    or from the live head.
    """

    def __init__(self, oldest_seq: int, since_seq: int | None = None) -> None:
        self.method = "subscribe"
        self.oldest_seq = oldest_seq
        self.since_seq = since_seq
        after = f"after seq {since_seq} " if since_seq is not None else ""
        super().__init__(
            f"the node no longer keeps events {after}(its oldest is {oldest_seq}); "
            "reload state from reads and subscribe again"
        )


class ChainReset(NodeError):
    """The node is on another chain than the one an event cursor came from (a reset devnet).

    Seqs start again at 1 on a new chain, so the old cursor means nothing there: resuming from it would
    skip the new chain's first events. `old_chain_id` is the cursor's chain (None when unknown),
    `new_chain_id` the node's (None when the node does not say), `last_seq` the cursor and `head_seq`
    the node's newest seq. Rebuild your view from reads, then follow the new chain from seq 0
    (`events(since_seq=0)`), or open the stream with `on_chain_reset="resubscribe"` to have it do that.
    """

    def __init__(
        self,
        old_chain_id: str | None,
        new_chain_id: str | None,
        last_seq: int | None,
        head_seq: int | None,
        method: str = "subscribe",
    ) -> None:
        self.method = method
        self.old_chain_id = old_chain_id
        self.new_chain_id = new_chain_id
        self.last_seq = last_seq
        self.head_seq = head_seq
        if old_chain_id is not None and new_chain_id is not None and old_chain_id != new_chain_id:
            why = f"the node is now on chain {new_chain_id}, not {old_chain_id}"
        else:
            why = f"the node's newest event is seq {head_seq}, below this cursor's {last_seq}"
        super().__init__(
            f"{method}: the chain was reset: {why}; seqs start again at 1, so follow it from seq 0 "
            "after reloading state from reads"
        )


class WalletError(Exception):
    """A wallet file or key that cannot be used."""


class WrongPassphrase(WalletError):
    """The passphrase does not open this wallet file."""
